"""Features of a message for the linear models: bags of strings, no I/O.

A message's features are the features of each of its words (a set per word, remembered: words
repeat) plus a few that lie between words. Counting per word lets the scorer keep one summed
weight vector per word it has seen (nlu/model.py), so scoring a message is a handful of vector
additions; training sees exactly the same bag.

Intent and topic features are taken from the folded skeleton (nlu/normalize.py), so Georgian
script, keyboard Latin, chat Latin and the national romanisation produce the same features and
one training example teaches all three. Language features look at the Latin letters as typed,
where "w", "x", "q", "sh" and shifted capitals give Georgian away.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from nlu.normalize import WORD_CACHE, fold, stem

MAX_WORDS = 40  # a long letter is judged by its beginning; a message that long is rare
CHAR_NGRAMS = (3, 4, 5)
LATIN_WORD = re.compile(r"[A-Za-z']+")
SHIFTED, NONE = frozenset({"shifted"}), frozenset()


@dataclass(frozen=True, slots=True)
class Bag:
    words: list[frozenset[str]]  # each word's features
    extra: frozenset[str]  # features between words
    tokens: tuple[str, ...] = ()  # the folded words the features came from
    stems: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.extra) + sum(map(len, self.words))

    def all(self) -> list[str]:
        """Every feature, as often as it occurs: what training counts."""
        return [*self.extra, *(f for word in self.words for f in word)]


def folded_bag(folded: str) -> Bag:
    """Word stems and in-word character n-grams, stem bigrams, and the whole of a short message."""
    words = folded.split()[:MAX_WORDS]
    stems = [stem(w) for w in words]
    extra = {f"b:{a}_{b}" for a, b in zip(stems, stems[1:], strict=False)}
    if len(words) <= 2:  # "ki", "ara", "ok": the whole message is the signal
        extra.add(f"m:{' '.join(words)}")
    return Bag(list(map(word_features, words)), frozenset(extra), tuple(words), tuple(stems))


@lru_cache(maxsize=WORD_CACHE)
def word_features(word: str) -> frozenset[str]:
    padded = f"<{word}>"
    grams = (padded[i : i + n] for n in CHAR_NGRAMS for i in range(len(padded) - n + 1))
    return frozenset((f"w:{stem(word)}", *grams))


def language_bag(text: str) -> Bag:
    """Latin words as typed: character 1-3-grams, whole words, and Georgian keyboard capitals."""
    words = [latin_word_features(w) for w in LATIN_WORD.findall(text)[:MAX_WORDS]]
    return Bag([features for features, _ in words], SHIFTED if any(shifted for _, shifted in words) else NONE)


@lru_cache(maxsize=WORD_CACHE)
def latin_word_features(word: str) -> tuple[frozenset[str], bool]:
    """A word's features, and whether a capital inside it is a Georgian keyboard's shift key
    ("saqarTvelo"; not "Tbilisi", not "MIA")."""
    shifted = len(word) >= 4 and not word[1:].islower() and not word.isupper()
    word = word.lower().replace("'", "")
    padded = f"<{word}>"
    grams = (padded[i : i + n] for n in (1, 2, 3) for i in range(len(padded) - n + 1))
    return frozenset((f"w:{word}", *grams)), shifted


def intent_bag(text: str) -> Bag:
    return folded_bag(fold(text))
