"""`parse(text, lang_hint) -> Understanding`: the interface the engine relies on.

Intent, Annex topic and the language of Latin-letter text come from the trained linear models
(nlu/model.py); the agency from the fuzzy matcher over the directory; request type, channel and
a requested language from the synonyms of the training data; registration numbers from a regex.
Everything is loaded once, in the constructor: parsing does no I/O.
"""
from __future__ import annotations

import asyncio
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from rapidfuzz import fuzz, process

from nlu import normalize
from nlu.agencies import AgencyMatcher, BodyMasker, Resolution
from nlu.corpus import load_entities, stemmed, topic_items, topic_of
from nlu.features import MAX_WORDS, Bag, folded_bag, language_bag
from nlu.model import Models
from nlu.normalize import WORD_CACHE, fold, stem

COMMANDS = Path(__file__).parent / "data" / "intents.toml"
GEORGIAN = re.compile(r"[\u10a0-\u10ff\u1c90-\u1cbf\u2d00-\u2d2f]")
LATIN = re.compile(r"[A-Za-z]")
# Portal registration numbers ("E-2026-0000042"), as people type them: "e2026-0000042",
# "E 2026 0000042", "E/2026/0000042", with a Georgian ე or a Cyrillic Е for the E, with any dash,
# or with no "E-" at all ("2026-0000042"); or a bare run of 6+ digits ("N0451223", "№0451223",
# "ნომერი0451223"): digits are told apart from digits, not from letters. A space after the prefix
# only after one letter; a year and serial without a prefix joined by a dash, a slash or a space
# ("2026 - 0000042", "2026 0000042"), by a space only with the portal's seven digits ("in 2026 12000
# fines" is no number, and neither is "2026-2027").
DASHES = "\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
E_LIKE = "ეᲔЕе"  # typed for E: Georgian (Mkhedruli, Mtavruli), Cyrillic
REG_NUMBER = re.compile(
    rf"(?<![^\W\d_])([A-Za-z{E_LIKE}] |[A-Za-z{E_LIKE}]{{1,3}}[{DASHES}/]?)(\d{{4}})[{DASHES}/ ](\d{{3,8}})(?!\d)"
    rf"|(?<![\w{DASHES}/])(20\d\d)(?: ?[{DASHES}/] ?(\d{{5,8}})| (\d{{7}}))(?!\d)"
    r"|(?<!\d)(\d{6,8})(?!\d)"  # a serial alone; eleven digits are a personal number, not ours
)
TO_E = str.maketrans(dict.fromkeys(E_LIKE, "E"))
NUMBER_LABELS = {"", "n", "no", "nomeri", "number"}  # folded: "№", „ნომერი“ before a number
NUMBER_SEARCH = 4_000  # characters searched: a number sits near the start of what is typed
INTENTS = (
    "greet", "thanks", "goodbye", "help", "submit_request", "find_body", "check_status", "list_requests",
    "ask_published_info", "ask_procedure", "notification_settings", "change_language", "human", "cancel", "affirm", "deny", "out_of_scope",
)
RANKED = 5  # intents in a ranking: what a clarifying question can offer
LANG_SURE = 0.7  # below this the language model defers to the citizen's known language
# Intents whose question may be about an Annex item, and how sure the topic model must be: below
# that the published-information flow asks which item was meant instead of guessing.
TOPIC_AT = {"ask_published_info": 0.25, "ask_procedure": 0.6}
TOPIC_RUNNER_UP = 0.5  # a second item at least half as likely as the first: ask which, never guess
# A registration number turns these into a status question: "0451223?" is not chit-chat.
STATUS_WITH_NUMBER = {"out_of_scope", "greet", "help", "affirm", "deny", "list_requests", "submit_request", "ask_procedure"}
# Intents about a body; in any other message only a clear mention counts as naming one.
AGENCY_INTENTS = {"submit_request", "check_status", "list_requests", "ask_published_info", "ask_procedure"}
SURE_MENTION = 100  # every distinctive word of a name, and its "ministry" or "agency" too
SYNONYM_ENTITIES = ("request_type", "channel", "lang")
# Annex items named after a kind of request: in "the public information officer" or "the complaint
# form of the Revenue Service" the request's words name the item, not a request to send.
ITEMS_NAMED_BY_REQUESTS = {"2.1", "2.2", "2.3"}
TYPO_ENTITIES = frozenset({"request_type", "channel"})
TYPO_MIN_LEN = 5  # shorter words are too alike: "later" is no "letter"
TYPO_SCORE = 85
OFF_LOOP_CHARS = 2_000  # a parse of this much text takes about a millisecond


@dataclass(frozen=True, slots=True)
class Understanding:
    text: str
    lang: str  # "ka" or "en"; Georgian typed in Latin letters is "ka"
    script: str  # "geo" or "latin"
    intent: str
    confidence: float
    entities: dict[str, Any] = field(default_factory=dict)
    ranking: tuple[tuple[str, float], ...] = ()  # the best few intents with their confidence


def only_number(text: str) -> bool:
    """Whether `text` is a registration number and nothing else ("E-2026-0000042.", "№0451223")."""
    found = REG_NUMBER.search(text[:NUMBER_SEARCH])
    return bool(found) and fold(text[: found.start()] + text[found.end() :]) in NUMBER_LABELS


def reg_number(text: str) -> str | None:
    """The first registration number in `text`, as the portal writes it ("E-2026-0000042")."""
    if not (found := REG_NUMBER.search(text[:NUMBER_SEARCH])):
        return None
    prefix, year, serial, bare_year, bare_serial, spaced_serial, digits = found.groups()
    if digits:
        return digits
    if bare_year:
        return f"E-{bare_year}-{bare_serial or spaced_serial}"
    return f"{prefix.rstrip(' /' + DASHES).translate(TO_E).upper()}-{year}-{serial}"


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
        normalize.load()
        entities = load_entities()
        synonyms = entities.synonyms
        self._topics = topic_items(entities)
        self.masker = BodyMasker(matcher)
        self._name_words = self.masker.name_words
        # first stem -> [(" stem stem ", entity, value)], longest phrase first, so that
        # "public information" beats "information"
        self._phrases: dict[str, list[tuple[str, str, str]]] = {}
        for entity in SYNONYM_ENTITIES:
            for phrase, value in synonyms.get(entity, {}).items():
                phrase = stemmed(phrase)
                self._phrases.setdefault(phrase.split()[0], []).append((f" {phrase} ", entity, value))
        for phrases in self._phrases.values():
            phrases.sort(key=lambda p: -len(p[0]))
        self._synonym_words = {w for ps in self._phrases.values() for phrase, _, _ in ps for w in phrase.split()}
        # One-word request types and channels, for a misspelt word: "complant", "aplication", "leter".
        self._typo_targets = {
            phrase.strip(): (entity, value)
            for ps in self._phrases.values() for phrase, entity, value in ps
            if entity in TYPO_ENTITIES and " " not in phrase.strip() and len(phrase.strip()) >= TYPO_MIN_LEN
        }
        self._typo_words = sorted(self._typo_targets)  # rapidfuzz searches a dict's values, not its keys
        self._misspelt = lru_cache(maxsize=WORD_CACHE)(self._misspelt)  # type: ignore[method-assign]

    def command(self, text: str) -> str | None:
        """A whole-message command ("cancel", "/lang", "უკან"), honoured even mid-draft."""
        folded = fold(text.strip().lstrip("/")) or text.strip()
        for name, phrases in self.commands.items():
            if folded in phrases or text.strip().lower() in phrases:
                return name
        return None

    def parse(self, text: str, lang_hint: str | None = None, intent: tuple[str, float] | None = None) -> Understanding:
        """What `text` says. `intent`: the intent and confidence another understander (a Rasa
        server) decided, which then settles the entities as the models' own would."""
        script = "geo" if GEORGIAN.search(text) else "latin"
        words = fold(text).split()[:MAX_WORDS]
        masked, content, _, resolution = self.masker.read(words)
        bag = folded_bag(masked)
        lang = self._lang(text, script, lang_hint)
        ranking = self.models.intent.rank(bag, top=RANKED)
        name, confidence = intent or (ranking.best, ranking.confidence)
        entities: dict[str, Any] = {"reg_number": None}
        if number := reg_number(text):
            entities["reg_number"] = number
            if name in STATUS_WITH_NUMBER or only_number(text):  # "0451223?" is no chit-chat, nor a "cancel"
                name, confidence = "check_status", max(confidence, 0.8)
        entities.update(self._synonyms_in(bag.stems))  # not in a body's name: "Enterprise Georgia"
        entities["lang"] = entities["lang"] if name == "change_language" else None
        entities["lang"] = entities["lang"] or lang
        entities["topic"] = self._topic(bag, name)
        if name == "ask_published_info" and entities["topic"] in ITEMS_NAMED_BY_REQUESTS:
            entities["request_type"] = None
        if name == "find_body" or (
            name not in AGENCY_INTENTS and resolution.candidates and resolution.candidates[0].score < SURE_MENTION
        ):
            # "what's the weather like" names no weather service; "whom do I write to about my
            # pension" asks for a body (nlu/competences.py answers), it names none
            resolution = Resolution(None, [])
        entities["agency"] = resolution.chosen
        entities["agency_candidates"] = resolution.candidates
        entities["details"] = self._details(content, resolution.chosen)
        pairs = tuple(zip(ranking.labels, ranking.scores, strict=True))
        return Understanding(text, lang, script, name, confidence, entities, pairs)

    def read(self, entity: str, text: str) -> str | None:
        """The value of `entity` that `text` names by itself, by this understander's own tables:
        "salaries" is Annex item 5.3, "შსს-ში" the body "mia", "e-mail" the channel "email"."""
        if entity == "agency":
            chosen = self.matcher.resolve(text).chosen
            return chosen.id if chosen else None
        if entity == "reg_number":
            return reg_number(text)
        if entity == "topic":
            return topic_of(text, self._topics)
        if entity in SYNONYM_ENTITIES:
            return self._synonyms_in(tuple(map(stem, fold(text).split())))[entity]
        return None

    async def parse_async(self, text: str, lang_hint: str | None = None) -> Understanding:
        """The same as `parse`: the engine awaits this, so a backend over the network can serve it.
        A long text is parsed in a worker thread, so other conversations are not kept waiting."""
        if len(text) > OFF_LOOP_CHARS:
            return await asyncio.to_thread(self.parse, text, lang_hint)
        return self.parse(text, lang_hint)

    async def close(self) -> None:
        """Nothing to release: everything lives in memory."""

    def _lang(self, text: str, script: str, hint: str | None) -> str:
        if script == "geo":
            return "ka"
        if not LATIN.search(text):
            return hint or "ka"
        bag = language_bag(text)
        ranking = self.models.lang.rank(bag)
        if hint and (ranking.confidence < LANG_SURE or len(bag.words) == 1):  # "ok" is said in both
            return hint
        return ranking.best

    def _synonyms_in(self, stems: tuple[str, ...]) -> dict[str, str | None]:
        """Request type, channel and language that the message names: the first named, and of two
        phrases that start at one word the longer ("a letter about my application" is a letter;
        "public information" beats "information")."""
        found: dict[str, tuple[int, int, str]] = {}  # entity -> (where, -length, value)
        padded = f" {' '.join(stems)} "
        for word in set(stems):
            for phrase, entity, value in self._phrases.get(word, ()):
                if (where := padded.find(phrase)) >= 0 and (where, -len(phrase)) < found.get(entity, (len(padded), 0, ""))[:2]:
                    found[entity] = (where, -len(phrase), value)
        if not TYPO_ENTITIES <= found.keys():
            for word in stems:
                if (typo := self._misspelt(word)) and typo[0] not in found:
                    found[typo[0]] = (len(padded), 0, typo[1])
        return {entity: found[entity][2] if entity in found else None for entity in SYNONYM_ENTITIES}

    def _misspelt(self, word: str) -> tuple[str, str] | None:
        """The request type or channel a word not found among the synonyms misspells, if any."""
        if len(word) < TYPO_MIN_LEN or word in self._synonym_words:
            return None
        for target, _, _ in process.extract(word, self._typo_words, scorer=fuzz.ratio, score_cutoff=TYPO_SCORE, limit=3):
            if abs(len(target) - len(word)) <= 1:  # a typo, not another word: წერილობით is no წერილი
                return self._typo_targets[target]
        return None

    def _details(self, content: tuple[str, ...], agency: Any) -> int:
        """How many words say something beyond whom to write and what kind of request it is:
        "complaint to the MoJ" has none, "... about my case being delayed" has three."""
        said = self._name_words.get(agency.id, set()) if agency else set()
        return sum(1 for w in content if w not in said and w not in self._synonym_words)

    def _topic(self, bag: Bag, intent: str) -> str | None:
        if intent not in TOPIC_AT:
            return None
        ranking = self.models.topic.rank(bag, top=2)
        if ranking.confidence < TOPIC_AT[intent] or ranking.scores[1] >= TOPIC_RUNNER_UP * ranking.confidence:
            return None
        return ranking.best
