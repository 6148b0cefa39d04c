"""`parse(text, lang_hint) -> Understanding`: the interface the engine relies on.

This first implementation matches phrases from data/intents.toml on the folded form and finds
agencies with the fuzzy matcher; a trained classifier can replace `_intent` behind the same API.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlu.agencies import AgencyMatcher
from nlu.normalize import fold

DATA = Path(__file__).parent / "data" / "intents.toml"
GEORGIAN = re.compile(r"[\u10a0-\u10ff\u1c90-\u1cbf\u2d00-\u2d2f]")
LATIN = re.compile(r"[A-Za-z]")
# Portal registration numbers ("E-2026-0000042"), or a bare run of 6+ digits as people type them.
REG_NUMBER = re.compile(r"\b([A-Za-z]{1,3}-\d{4}-\d{3,8}|\d{6,12})\b")
REQUEST_TYPE_WORDS = {
    "information_request": ["public information", "information", "საჯარო ინფორმაცია", "ინფორმაცია", "informacia"],
    "complaint": ["complaint", "complain", "საჩივარი", "sachivari", "chivili", "ჩივილი"],
    "application": ["application", "განცხადება", "gancxadeba"],
    "letter": ["letter", "წერილი", "werili"],
}


@dataclass(frozen=True, slots=True)
class Understanding:
    text: str
    lang: str  # "ka" or "en"; Georgian typed in Latin letters is "ka"
    script: str  # "geo" or "latin"
    intent: str
    confidence: float
    entities: dict[str, Any] = field(default_factory=dict)


class Understander:
    def __init__(self, matcher: AgencyMatcher, data: Path = DATA) -> None:
        with data.open("rb") as fh:
            table = tomllib.load(fh)
        self.matcher = matcher
        self.commands = _folded_table(table["commands"])
        self.intents = _folded_table(table["intents"])
        self.english = {fold(w) for w in table["english"]["words"]}
        self.type_words = _folded_table(REQUEST_TYPE_WORDS)

    def command(self, text: str) -> str | None:
        """A whole-message command ("cancel", "/lang", "უკან"), honoured even mid-draft."""
        folded = fold(text.strip().lstrip("/")) or text.strip()
        for name, phrases in self.commands.items():
            if folded in phrases or text.strip().lower() in phrases:
                return name
        return None

    def parse(self, text: str, lang_hint: str | None = None) -> Understanding:
        script = "geo" if GEORGIAN.search(text) else "latin"
        folded = fold(text)
        words = folded.split()
        lang = self._lang(script, words, lang_hint)
        intent, confidence = self._intent(folded)
        entities: dict[str, Any] = {"lang": lang}
        if number := REG_NUMBER.search(text):
            entities["reg_number"] = number.group(1).upper()
            if intent in ("out_of_scope", "greet"):
                intent, confidence = "check_status", 0.8
        entities["request_type"] = self._first_hit(self.type_words, folded)
        resolution = self.matcher.resolve(text) if words else None
        entities["agency"] = resolution.chosen if resolution else None
        return Understanding(text, lang, script, intent, confidence, entities)

    def _lang(self, script: str, words: list[str], hint: str | None) -> str:
        if script == "geo":
            return "ka"
        if not words:
            return hint or "en"
        english = sum(w in self.english for w in words) / len(words)
        if english >= 0.3:
            return "en"
        georgian = sum(any(w in p.split() for p in ps) for ps in self.intents.values() for w in words)
        return "ka" if georgian or hint == "ka" else (hint or "en")

    def _intent(self, folded: str) -> tuple[str, float]:
        name = self._first_hit(self.intents, folded)
        return (name, 0.7) if name else ("out_of_scope", 0.3)

    @staticmethod
    def _first_hit(table: dict[str, set[str]], folded: str) -> str | None:
        padded = f" {folded} "
        best, best_len = None, 0
        for name, phrases in table.items():
            for phrase in phrases:
                if f" {phrase} " in padded and len(phrase) > best_len:
                    best, best_len = name, len(phrase)
        return best


def _folded_table(table: dict[str, list[str]]) -> dict[str, set[str]]:
    return {name: {fold(p) or p for p in phrases} for name, phrases in table.items()}
