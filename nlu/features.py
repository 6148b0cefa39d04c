"""Features of a message for the linear models: sparse sets of strings, no I/O.

Intent and topic features are taken from the folded skeleton (nlu/normalize.py), so Georgian
script, keyboard Latin, chat Latin and the national romanisation produce the same features and
one training example teaches all three. Language features look at the Latin letters as typed,
where "w", "x", "q", "sh" and shifted capitals give Georgian away.
"""
from __future__ import annotations

import re

from nlu.normalize import fold, stem

MAX_WORDS = 40  # a long letter is judged by its beginning; a message that long is rare
CHAR_NGRAMS = (3, 4, 5)
LATIN_WORD = re.compile(r"[A-Za-z']+")


def folded_features(folded: str) -> set[str]:
    """Word stems, stem bigrams and in-word character n-grams of a folded text."""
    words = folded.split()[:MAX_WORDS]
    stems = [stem(w) for w in words]
    found: set[str] = {f"w:{s}" for s in stems}
    found.update(f"b:{a}_{b}" for a, b in zip(stems, stems[1:]))
    if len(words) <= 2:  # "ki", "ara", "ok": the whole message is the signal
        found.add(f"m:{' '.join(words)}")
    for word in words:
        padded = f"<{word}>"
        for n in CHAR_NGRAMS:
            found.update(padded[i : i + n] for i in range(len(padded) - n + 1))
    return found


def language_features(text: str) -> set[str]:
    """Latin words as typed: character 1-3-grams, whole words, and Georgian keyboard capitals."""
    found: set[str] = set()
    for word in LATIN_WORD.findall(text)[:MAX_WORDS]:
        if len(word) >= 4 and any(c.isupper() for c in word[1:]) and any(c.islower() for c in word):
            found.add("shifted")  # "saqarTvelo": a Georgian keyboard's shift key
        word = word.lower().replace("'", "")
        found.add(f"w:{word}")
        padded = f"<{word}>"
        for n in (1, 2, 3):
            found.update(padded[i : i + n] for i in range(len(padded) - n + 1))
    return found


def features(text: str) -> set[str]:
    return folded_features(fold(text))
