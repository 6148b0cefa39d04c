"""Ranked search over the Annex items and the register's titles, in every script and spelling.

Texts are compared as the stemmed, folded words of `nlu.normalize` (so "ხელფასების",
"xelfasebi" and "khelpasi" are one word) and ranked with Okapi BM25.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from nlu.normalize import fold, stem
from published.annex import Annex, Item
from published.register import Entry

# Question words that say nothing about a topic.
STOP_WORDS = frozenset(stem(w) for w in fold("""
    how much many do does did is are was were the a an of in on at to for and or what who which
    where when there any have has about me my i you your please tell show give know want can
    could they it its
    რა რამდენი ვინ სად როდის არის აქვს აქვთ თუ და ან მითხარით მინდა ვიცოდე გთხოვთ
    ra ramdeni vin sad rodis aris aqvs aqvt tu da an minda vitsode gtkhovt
""").split())
K1, B = 1.2, 0.75
KEYWORD_WEIGHT = 2  # a keyword counts twice: it is what people say, the name is what law says
CLEAR_SCORE = 1.5  # least score for the best item to be the answer...
CLEAR_LEAD = 1.25  # ...and by this factor over the runner-up


def terms(text: str, drop: frozenset[str] = frozenset()) -> list[str]:
    words = (stem(w) for w in fold(text).split())
    return [w for w in words if w not in STOP_WORDS and w not in drop and len(w) > 1]


class Bm25:
    def __init__(self, documents: Sequence[list[str]]) -> None:
        self.counts = [Counter(d) for d in documents]
        self.lengths = [len(d) for d in documents]
        self.average = sum(self.lengths) / len(documents) if documents else 0.0
        frequency = Counter(t for c in self.counts for t in c)
        n = len(documents)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in frequency.items()}

    def scores(self, query: list[str]) -> list[float]:
        result = []
        for counts, length in zip(self.counts, self.lengths, strict=True):
            score = 0.0
            for term in set(query):
                if tf := counts.get(term):
                    norm = tf + K1 * (1 - B + B * length / (self.average or 1))
                    score += self.idf[term] * tf * (K1 + 1) / norm
            result.append(score)
        return result


@dataclass(frozen=True, slots=True)
class Ranked:
    items: list[tuple[Item, float]]  # best first, only those that matched at all

    @property
    def clear(self) -> Item | None:
        """The one item the question is about, when it stands out."""
        if not self.items or self.items[0][1] < CLEAR_SCORE:
            return None
        runner_up = self.items[1][1] if len(self.items) > 1 else 0.0
        return self.items[0][0] if self.items[0][1] >= CLEAR_LEAD * runner_up else None


class TopicMatcher:
    """Which Annex item a question is about."""

    def __init__(self, annex: Annex) -> None:
        self.annex = annex
        documents = []
        for item in annex:
            words = terms(" ".join((item.name_en, item.name_ka, item.short_en, item.short_ka)))
            documents.append(words + terms(" ".join(item.keywords)) * KEYWORD_WEIGHT)
        self.index = Bm25(documents)

    def rank(self, text: str, drop: frozenset[str] = frozenset()) -> Ranked:
        scores = self.index.scores(terms(text, drop))
        ranked = sorted(zip(self.annex.items, scores, strict=True), key=lambda p: -p[1])
        return Ranked([(item, score) for item, score in ranked if score > 0])


def search_titles(entries: list[Entry], text: str, limit: int = 5, drop: frozenset[str] = frozenset(),
                  min_words: int = 1) -> list[Entry]:
    """Register entries whose titles (either language) best match `text`, best first, sharing at
    least `min_words` of its words."""
    if not entries:
        return []
    titles = [terms(f"{e.title_ka} {e.title_en}") for e in entries]
    query = terms(text, drop)
    scored = sorted(zip(Bm25(titles).scores(query), range(len(entries)), strict=True), reverse=True)
    return [entries[i] for score, i in scored[:limit] if score > 0 and len(set(query) & set(titles[i])) >= min_words]
