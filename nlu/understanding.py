"""`parse(text, lang_hint) -> Understanding`: the interface the engine relies on.

Intent, Annex topic and the language of Latin-letter text come from the trained linear models
(nlu/model.py); the agency from the fuzzy matcher over the directory; request type, channel and
a requested language from the synonyms of the training data; registration numbers from a regex.
Everything is loaded once, in the constructor: parsing does no I/O.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from nlu.agencies import AgencyMatcher, distinctive_words
from nlu.corpus import load_entities, stemmed
from nlu.features import folded_features, language_features
from nlu.model import Models
from nlu.normalize import fold

COMMANDS = Path(__file__).parent / "data" / "intents.toml"
GEORGIAN = re.compile(r"[\u10a0-\u10ff\u1c90-\u1cbf\u2d00-\u2d2f]")
LATIN = re.compile(r"[A-Za-z]")
# Portal registration numbers ("E-2026-0000042"), or a bare run of 6+ digits as people type them.
REG_NUMBER = re.compile(r"\b([A-Za-z]{1,3}-\d{4}-\d{3,8}|\d{6,12})\b")
INTENTS = (
    "greet", "help", "submit_request", "check_status", "list_requests", "ask_published_info", "ask_procedure",
    "notification_settings", "change_language", "human", "cancel", "affirm", "deny", "out_of_scope",
)
LANG_SURE = 0.7  # below this the language model defers to the citizen's known language
# Intents whose question may be about an Annex item, and how sure the topic model must be.
TOPIC_AT = {"ask_published_info": 0.0, "submit_request": 0.5, "ask_procedure": 0.6}
# A registration number turns these into a status question: "0451223?" is not chit-chat.
STATUS_WITH_NUMBER = {"out_of_scope", "greet", "help", "affirm", "deny", "list_requests", "submit_request"}
SYNONYM_ENTITIES = ("request_type", "channel", "lang")


@dataclass(frozen=True, slots=True)
class Understanding:
    text: str
    lang: str  # "ka" or "en"; Georgian typed in Latin letters is "ka"
    script: str  # "geo" or "latin"
    intent: str
    confidence: float
    entities: dict[str, Any] = field(default_factory=dict)
    ranking: tuple[tuple[str, float], ...] = ()  # the best few intents with their confidence


class Backend(Protocol):
    """What the engine needs from an understander: the embedded one or a Rasa server's."""

    matcher: AgencyMatcher

    def command(self, text: str) -> str | None: ...

    def parse(self, text: str, lang_hint: str | None = None) -> Understanding: ...

    async def parse_async(self, text: str, lang_hint: str | None = None) -> Understanding: ...

    async def close(self) -> None: ...


class Understander:
    def __init__(self, matcher: AgencyMatcher, models: Models, commands: Path = COMMANDS) -> None:
        with commands.open("rb") as fh:
            self.commands = {name: {fold(p) or p for p in phrases} for name, phrases in tomllib.load(fh)["commands"].items()}
        self.matcher = matcher
        self.models = models
        synonyms = load_entities().synonyms
        self._name_words = {
            a.id: {w for t in (a.name_ka, a.name_en, a.short_ka, a.short_en, *a.aliases) for w in distinctive_words(t)}
            for a in matcher.agencies
        }
        # entity -> [(" stem stem ", value)], longest phrase first so "public information" beats "information"
        self.synonyms = {
            entity: sorted(((f" {stemmed(p)} ", v) for p, v in synonyms.get(entity, {}).items()), key=lambda x: -len(x[0]))
            for entity in SYNONYM_ENTITIES
        }
        self._synonym_words = {w for phrases in self.synonyms.values() for phrase, _ in phrases for w in phrase.split()}

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
        found = folded_features(folded)
        lang = self._lang(text, script, lang_hint)
        ranking = self.models.intent.rank(found)
        intent, confidence = ranking.best, ranking.confidence
        entities: dict[str, Any] = {"reg_number": None}
        if number := REG_NUMBER.search(text):
            entities["reg_number"] = number.group(1).upper()
            if intent in STATUS_WITH_NUMBER:
                intent, confidence = "check_status", max(confidence, 0.8)
        padded = f" {stemmed(folded)} "
        for entity in SYNONYM_ENTITIES:
            entities[entity] = next((v for phrase, v in self.synonyms[entity] if phrase in padded), None)
        entities["lang"] = entities["lang"] if intent == "change_language" else None
        entities["lang"] = entities["lang"] or lang
        entities["topic"] = self._topic(found, intent)
        resolution = self.matcher.mentioned(text) if folded else None
        entities["agency"] = resolution.chosen if resolution else None
        entities["agency_candidates"] = resolution.candidates if resolution else []
        entities["details"] = self._details(text, entities["agency"])
        pairs = tuple(zip(ranking.labels, ranking.scores))
        return Understanding(text, lang, script, intent, confidence, entities, pairs)

    async def parse_async(self, text: str, lang_hint: str | None = None) -> Understanding:
        """The same as `parse`: the engine awaits this, so a backend over the network can serve it."""
        return self.parse(text, lang_hint)

    async def close(self) -> None:
        """Nothing to release: everything lives in memory."""

    def _lang(self, text: str, script: str, hint: str | None) -> str:
        if script == "geo":
            return "ka"
        if not LATIN.search(text):
            return hint or "ka"
        ranking = self.models.lang.rank(language_features(text))
        if ranking.confidence < LANG_SURE and hint:
            return hint
        return ranking.best

    def _details(self, text: str, agency: Any) -> int:
        """How many words say something beyond whom to write and what kind of request it is:
        "complaint to the MoJ" has none, "... about my case being delayed" has three."""
        said = self._name_words.get(agency.id, set()) if agency else set()
        return sum(1 for w in distinctive_words(text) if w not in said and w not in self._synonym_words)

    def _topic(self, found: set[str], intent: str) -> str | None:
        if intent not in TOPIC_AT:
            return None
        ranking = self.models.topic.rank(found, top=1)
        return ranking.best if ranking.confidence >= TOPIC_AT[intent] else None
