"""Georgian word forms (nlu/data/lexicon_ka.txt.gz, see LEXICON.md): is this a word, and which word was meant.

`lexicon()` loads the list once, on first use (about 0.1 s and 30 MB). `known` is a set look-up;
`nearest` corrects a Georgian-script typo: every word one edit away is generated and looked up
(complete and quick), and only when there is none are the words of about the same length and the
same first letter compared with rapidfuzz (a typo in the first letter is found one edit away only).
The list is sorted, so the words that start with a prefix are one slice of it (`starting`).
"""
from __future__ import annotations

import bisect
import gzip
from functools import cache
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA

PATH = Path(__file__).parent / "data" / "lexicon_ka.txt.gz"
LETTERS = "აბგდევზთიკლმნოპჟრსტუფქღყშჩცძწჭხჯჰ"
LAST = "\U0010ffff"  # sorts after every letter: the end of a prefix's slice


class Lexicon:
    def __init__(self, words: list[str]) -> None:
        self.words = sorted(words)
        self._set = frozenset(self.words)
        self._buckets: dict[tuple[str, int], list[str]] | None = None

    @classmethod
    def load(cls, path: Path = PATH) -> Lexicon:
        return cls(gzip.decompress(path.read_bytes()).decode().split())

    def __len__(self) -> int:
        return len(self.words)

    def known(self, word: str) -> bool:
        return word.lower() in self._set  # lower(): Mtavruli capitals are Mkhedruli

    def starting(self, prefix: str) -> int:
        """How many words start with `prefix` (0: no word does)."""
        lo = bisect.bisect_left(self.words, prefix)
        return bisect.bisect_left(self.words, prefix + LAST, lo) - lo

    def nearest(self, word: str, max_distance: int = 2) -> str | None:
        """The one word closest to `word` within `max_distance` edits (a swap of two letters is one);
        `word` itself when known; None when none is that close or two are equally close: a tie is
        the citizen's to settle, never a guess."""
        word = word.lower()
        if word in self._set:
            return word
        if max_distance < 1:
            return None
        found = self._set.intersection(_edits(word))
        if not found and max_distance >= 2:
            found = self._within(word, max_distance)
        return next(iter(found)) if len(found) == 1 else None

    def _within(self, word: str, max_distance: int) -> set[str]:
        if self._buckets is None:
            self._buckets = {}
            for w in self.words:
                self._buckets.setdefault((w[0], len(w)), []).append(w)
        best, found = max_distance + 1, set()
        for length in range(len(word) - max_distance, len(word) + max_distance + 1):
            choices = self._buckets.get((word[:1], length), ())
            for match, distance, _ in process.extract(
                word, choices, scorer=OSA.distance, score_cutoff=max_distance, limit=None
            ):
                if distance < best:
                    best, found = distance, {match}
                elif distance == best:
                    found.add(match)
        return found


def _edits(word: str) -> set[str]:
    """Every string one deletion, swap, substitution or insertion away from `word`."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return {
        *(a + b[1:] for a, b in splits if b),
        *(a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1),
        *(a + c + b[1:] for a, b in splits if b for c in LETTERS),
        *(a + c + b for a, b in splits for c in LETTERS),
    }


@cache
def lexicon() -> Lexicon:
    return Lexicon.load()


def known(word: str) -> bool:
    return lexicon().known(word)


def nearest(word: str, max_distance: int = 2) -> str | None:
    return lexicon().nearest(word, max_distance)
