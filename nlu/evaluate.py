"""`kavshiri nlu eval`: accuracy per field of `Understanding`, overall and per script."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from nlu.corpus import SOURCES, Example
from nlu.understanding import Understander, Understanding

# Fields judged on every example: what the understander said must equal what the example expects,
# None included ("-" in the file), so naming a body or a topic that is not there counts as a miss.
FIELDS = ("intent", "agency", "topic", "request_type", "channel", "reg_number", "lang", "script", "asked_lang")


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
    by_source: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))  # intent per script
    agency: Tally = field(default_factory=Tally)  # where an agency is named: the right one chosen
    agency_spurious: Tally = field(default_factory=Tally)  # where none is named: none chosen
    topic: Tally = field(default_factory=Tally)  # where a topic is named: the right one
    lang: Tally = field(default_factory=Tally)
    # field -> source ("all", "en", "ka", "ka_latin") -> tally, every field on every example
    fields: dict[str, dict[str, Tally]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(Tally)))
    errors: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        def row(name: str, t: Tally) -> str:
            return f"  {name:<24}{t.accuracy:7.1%}  ({t.right}/{t.total})"

        sources = ("all", *SOURCES)
        out = ["every example, exact (None included):", f"  {'':<14}" + "".join(f"{s:>10}" for s in sources)]
        for name in FIELDS:
            cells = (self.fields[name][s] for s in sources)
            out.append(f"  {name:<14}" + "".join(f"{t.accuracy:>10.1%}" if t.total else f"{'-':>10}" for t in cells))
        out += ["by intent:"] + [row(i, t) for i, t in sorted(self.by_intent.items())]
        out += [row("agency (named)", self.agency), row("no agency (unnamed)", self.agency_spurious)]
        out += [row("topic (named)", self.topic), row("language", self.lang)]
        return out


def evaluate(understander: Understander, examples: list[Example]) -> Report:
    report = Report()
    for example in examples:
        got = understander.parse(example.text)
        said = _said(got)
        expected = _expected(example)
        for name in FIELDS:
            for source in ("all", example.source):
                report.fields[name][source].add(said[name] == expected[name])
        ok = got.intent == example.intent
        report.intent.add(ok)
        report.by_intent[example.intent].add(ok)
        report.by_source[example.source].add(ok)
        report.lang.add(got.lang == example.lang)
        (report.agency if example.agency else report.agency_spurious).add(said["agency"] == example.agency)
        if example.topic:
            report.topic.add(said["topic"] == example.topic)
        wrong = [f"{name} {said[name]}" for name in FIELDS if said[name] != expected[name]]
        if wrong:
            report.errors.append(f"{example.source}\t{example.text}\t" + ", ".join(wrong))
    return report


def _said(got: Understanding) -> dict[str, str | None]:
    entities = got.entities
    return {
        "intent": got.intent,
        "agency": entities["agency"].id if entities["agency"] else None,
        "topic": entities["topic"],
        "request_type": entities["request_type"],
        "channel": entities["channel"],
        "reg_number": entities["reg_number"],
        "lang": got.lang,
        "script": got.script,
        "asked_lang": entities["lang"],
    }


def _expected(example: Example) -> dict[str, str | None]:
    return {
        "intent": example.intent,
        "agency": example.agency,
        "topic": example.topic,
        "request_type": example.request_type,
        "channel": example.channel,
        "reg_number": example.reg_number,
        "lang": example.lang,
        "script": example.script,
        "asked_lang": example.asked_lang or example.lang,
    }
