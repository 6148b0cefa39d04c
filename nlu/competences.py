"""From a need to the body: which bodies handle what a citizen describes ("my pension did not
come", "pensia ar momdis", „პენსია არ ჩამერიცხა“), from the competence map in
`data/competences.toml`.

Every phrase of the map is folded and stemmed once, in the constructor, as the NLU folds and stems
a message (nlu/normalize.py), so one spelling of a word in Georgian script also matches it typed in
Latin letters and inflected. A phrase counts when every one of its words is in the message (a word
may be inflected, cut short or one letter off); a matter scores the rarity of the words its
phrases matched, so "pension" (one matter) says more than "fine" (several).
"""
from __future__ import annotations

import math
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

from nlu.directory import Directory
from nlu.normalize import WORD_CACHE, fold, stem

DATA = Path(__file__).parent / "data" / "competences.toml"
OUTSIDE = ("municipality", "court")  # matters no body of the portal decides
MIN_MATTERS = 5  # per body in the directory
# A story is read up to here: a long letter costs no more than a paragraph.
MAX_CHARS = 600
MAX_WORDS = 80
MIN_WORD = 2  # single letters say nothing; "ID", "არ" (not) may belong to a phrase
# Words a phrase may be written with that need not be in the message.
PHRASE_STOP = frozenset(fold("the a an of to my in on at for and is do i me და").split())
# Little words that may stand between the words of an `asking` phrase: "how can I send", "სად უნდა მივმართო".
ASKING_STOP = PHRASE_STOP | frozenset(fold("can could should would we you it this please just რომ უნდა").split())
PREFIX = 5  # "pension" finds "pensioner"; shorter stems must be whole
PREFIX_SLACK = 3  # ...when the two differ by an ending, not by a word ("sakhel" is no "sakhelmtsipo")
TYPO_LEN = 7  # words this long may be a letter or two off ("patrol" is no "parol")
TYPO_SCORE = 86  # ...this close by fuzz.ratio
STRONG = 3.5  # a matter this sure is a need worth routing without being asked
KEEP_SHARE = 0.5  # a runner-up shown beside the best needs at least this share of its score
OTHER_MATTERS = 0.25  # each further matter of the same body adds this share of its score


@dataclass(frozen=True, slots=True)
class Matter:
    destination: str  # a body's id in the directory, or one of OUTSIDE
    why_ka: str
    why_en: str


@dataclass(frozen=True, slots=True)
class Route:
    matter: Matter  # the destination's best-matched matter: its "why"
    score: float

    @property
    def destination(self) -> str:
        return self.matter.destination

    @property
    def outside(self) -> bool:
        return self.matter.destination in OUTSIDE


class Competences:
    def __init__(self, directory: Directory, path: Path = DATA) -> None:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        self.matters: list[Matter] = []
        phrases: list[tuple[int, tuple[str, ...]]] = []
        for row in data["matter"]:
            index = len(self.matters)
            self.matters.append(Matter(row["body"], row["why_ka"], row["why_en"]))
            for phrase in (*row["en"], *row["ka"], *row.get("lat", ())):
                if words := _words(phrase):
                    phrases.append((index, words))
        _validate(self.matters, directory, path)
        self.by_word: dict[str, list[tuple[int, tuple[str, ...]]]] = defaultdict(list)
        matters_of: dict[str, set[int]] = defaultdict(set)
        for index, words in phrases:
            self.by_word[words[0]].append((index, words))
            for word in words:
                matters_of[word].add(index)
        total = len(self.matters)
        self.weight = {w: math.log(1 + total / len(m)) for w, m in matters_of.items()}
        self.vocabulary = sorted(self.weight)
        self.by_prefix: dict[str, list[str]] = defaultdict(list)
        for word in self.vocabulary:
            if len(word) >= PREFIX:
                self.by_prefix[word[:PREFIX]].append(word)
        self.asking = {kind: [_asking(p) for p in phrases] for kind, phrases in data["asking"].items()}
        self._known = lru_cache(maxsize=WORD_CACHE)(self._known)  # type: ignore[method-assign]

    def route(self, text: str, limit: int = 3) -> list[Route]:
        """The likeliest destinations of a need, best first: one to `limit`, or none."""
        said = self._said(text)
        matched: dict[int, set[str]] = defaultdict(set)
        for word in said:
            for index, words in self.by_word.get(word, ()):
                if all(w in said for w in words):
                    matched[index].update(words)
        best: dict[str, tuple[float, Matter, float]] = {}  # destination -> (best, matter, others)
        for index, words in matched.items():
            matter, score = self.matters[index], sum(self.weight[w] for w in words)
            top, top_matter, others = best.get(matter.destination, (0.0, matter, 0.0))
            if score > top:
                best[matter.destination] = (score, matter, others + top)
            else:
                best[matter.destination] = (top, top_matter, others + score)
        routes = sorted(
            (Route(matter, round(top + OTHER_MATTERS * others, 2)) for top, matter, others in best.values()),
            key=lambda r: (-r.score, r.destination),  # ties in a fixed order, whatever the hash seed
        )
        return [r for r in routes[:limit] if r.score >= KEEP_SHARE * routes[0].score]

    def strong(self, routes: list[Route], bar: float = STRONG) -> bool:
        return bool(routes) and routes[0].score >= bar

    def asks(self, text: str, kind: str) -> bool:
        """Whether the message says one of the `asking` phrases of `kind` ("whom", "send", "how"),
        its words in a row (little words aside): "მინდა ... მივმართო" far apart is no wish."""
        said = _asking_words(text[:MAX_CHARS])
        return any(f" {' '.join(words)} " in said for words in self.asking[kind])

    def _said(self, text: str, vocabulary: bool = True) -> set[str]:
        """The map's words that the message's words may stand for (and the words themselves)."""
        said: set[str] = set()
        for token in fold(text[:MAX_CHARS]).split()[:MAX_WORDS]:
            if len(token) >= MIN_WORD:
                word = stem(token)
                said.add(word)
                said.add(token)
                if vocabulary:
                    said.update(self._known(word))
        return said

    def _known(self, word: str) -> tuple[str, ...]:
        if word in self.weight or len(word) < PREFIX:
            return ()
        found = [
            v for v in self.by_prefix.get(word[:PREFIX], ())
            if (v.startswith(word) or word.startswith(v)) and abs(len(v) - len(word)) <= PREFIX_SLACK
        ]
        if not found and len(word) >= TYPO_LEN:
            close = process.extract(word, self.vocabulary, scorer=fuzz.ratio, score_cutoff=TYPO_SCORE, limit=2)
            found = [v for v, _, _ in close]
        return tuple(found)


def _words(phrase: str) -> tuple[str, ...]:
    """A phrase's stems that can tell one matter from another, in order, each once."""
    return tuple(dict.fromkeys(stem(t) for t in fold(phrase).split() if len(t) >= MIN_WORD and t not in PHRASE_STOP))


@lru_cache(maxsize=1024)  # one message is asked about several kinds in a row
def _asking_words(text: str) -> str:
    return " " + " ".join(stem(t) for t in fold(text).split()[:MAX_WORDS] if t not in ASKING_STOP) + " "


def _asking(phrase: str) -> tuple[str, ...]:
    return tuple(stem(t) for t in fold(phrase).split() if t not in ASKING_STOP)


def _validate(matters: list[Matter], directory: Directory, path: Path) -> None:
    known = {a.id for a in directory}
    if unknown := sorted({m.destination for m in matters} - known - set(OUTSIDE)):
        raise ValueError(f"{path}: matters of bodies not in the directory: {', '.join(unknown)}")
    counts = defaultdict(int)
    for matter in matters:
        counts[matter.destination] += 1
    if few := sorted(a for a in known if counts[a] < MIN_MATTERS):
        raise ValueError(f"{path}: fewer than {MIN_MATTERS} matters for: {', '.join(few)}")
