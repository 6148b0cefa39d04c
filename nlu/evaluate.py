"""`kavshiri nlu eval`: accuracy on the development set, per intent and per script."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from nlu.corpus import Example
from nlu.understanding import Understander


@dataclass
class Tally:
    right: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.right += ok
        self.total += 1

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0


@dataclass
class Report:
    intent: Tally = field(default_factory=Tally)
    by_intent: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_source: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    agency: Tally = field(default_factory=Tally)  # where an agency is named: the right one chosen
    agency_spurious: Tally = field(default_factory=Tally)  # where none is named: none chosen
    topic: Tally = field(default_factory=Tally)
    lang: Tally = field(default_factory=Tally)
    errors: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        def row(name: str, t: Tally) -> str:
            return f"  {name:<24}{t.accuracy:7.1%}  ({t.right}/{t.total})"

        out = [row("intent", self.intent), "by script:"]
        out += [row(s, t) for s, t in sorted(self.by_source.items())]
        out += ["by intent:"] + [row(i, t) for i, t in sorted(self.by_intent.items())]
        out += [row("agency (named)", self.agency), row("no agency (unnamed)", self.agency_spurious)]
        out += [row("topic", self.topic), row("language", self.lang)]
        return out


def evaluate(understander: Understander, examples: list[Example]) -> Report:
    report = Report()
    for example in examples:
        got = understander.parse(example.text)
        ok = got.intent == example.intent
        report.intent.add(ok)
        report.by_intent[example.intent].add(ok)
        report.by_source[example.source].add(ok)
        report.lang.add(got.lang == example.lang)
        agency = got.entities["agency"].id if got.entities["agency"] else None
        (report.agency if example.agency else report.agency_spurious).add(agency == example.agency)
        if example.topic:
            report.topic.add(got.entities["topic"] == example.topic)
        wrong = [
            f"intent {got.intent}" * (not ok),
            f"agency {agency}" * (agency != example.agency),
            f"topic {got.entities['topic']}" * bool(example.topic and got.entities["topic"] != example.topic),
            f"lang {got.lang}" * (got.lang != example.lang),
        ]
        if any(wrong):
            report.errors.append(f"{example.source}\t{example.text}\t" + ", ".join(w for w in wrong if w))
    return report
