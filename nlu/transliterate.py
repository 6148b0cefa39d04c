"""Georgian typed in Latin letters -> Georgian script (Mkhedruli), settled by the Georgian lexicon.

Each Latin word is read letter by letter in every way people type Georgian: the keyboard layout
(t=ტ, T=თ, c=ც, C=ჩ, w=წ, W=ჭ, q=ქ, y=ყ, x=ხ, …), chat spellings (sh, ch, kh, gh, ts, dz, t=თ, q=ქ)
and the 2002 national romanisation (t'=ტ, k'=კ, p'=პ, q=ყ, q'=ყ, ts'=წ, ch'=ჭ, zh=ჟ). The readings
that are in the lexicon are the word's candidates; the search follows only prefixes of lexicon
words, within a fixed budget, so a text costs time in proportion to its length.

A reading that assumes a missed Shift key (s for შ, c for ჩ, z for ძ, …) costs one point, as does a
capital inside a sentence read as its small letter ("Cemi" is ჩემი; a sentence's first capital may
be either). The cheapest candidate wins; of equally cheap ones, the one far more frequent in
Kavshiri's own Georgian text (nlu/data/common_ka.tsv: "Cemi" is ჩემი, not ცემი), else the one
whose ending is far more common in the lexicon (-ათ, not -ატ). Whatever stays open (no candidate,
or two comparable ones) is converted with the likeliest letters and returned in `unsettled`, for
the citizen to confirm: nothing is guessed silently.

Numbers, registration numbers, e-mail addresses, web addresses and English words stay as typed;
punctuation and line breaks are kept.
"""
from __future__ import annotations

import gzip
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from nlu.lexicon import Lexicon, lexicon
from nlu.understanding import REG_NUMBER

DATA = Path(__file__).parent / "data"
APOSTROPHES = "'’‘`ʼ´"
EJECTIVES = {"ts": "წ", "ch": "ჭ", "t": "ტ", "k": "კ", "p": "პ", "q": "ყ"}  # before an apostrophe
DIGRAPHS = {
    "sh": "შ", "ch": "ჩჭ", "ts": "ცწ", "tz": "ცწ", "kh": "ხ", "gh": "ღ", "zh": "ჟ", "dz": "ძ", "th": "თ", "ph": "ფ",
}
# Small letter -> (its readings, likeliest first; the readings of a missed Shift key).
LETTERS = {
    "a": ("ა", ""), "b": ("ბ", ""), "c": ("ც", "ჩ"), "d": ("დ", ""), "e": ("ე", ""), "f": ("ფ", ""),
    "g": ("გ", ""), "h": ("ჰ", ""), "i": ("ი", ""), "j": ("ჯ", "ჟ"), "k": ("ქკ", ""), "l": ("ლ", ""),
    "m": ("მ", ""), "n": ("ნ", ""), "o": ("ო", ""), "p": ("პფ", ""), "q": ("ქყ", ""), "r": ("რ", "ღ"),
    "s": ("ს", "შ"), "t": ("თტ", ""), "u": ("უ", ""), "v": ("ვ", ""), "w": ("წ", "ჭ"), "x": ("ხ", ""),
    "y": ("ყ", ""), "z": ("ზ", "ძ"),
}
SHIFTED = {"T": "თ", "R": "ღ", "S": "შ", "C": "ჩ", "J": "ჟ", "Z": "ძ", "W": "ჭ"}
# The same as search options, (letters read, Georgian letter, cost), made once.
PAIRS = {pair: [(2, g, 0) for g in letters] for pair, letters in DIGRAPHS.items()}
SINGLE = {ch: [(1, g, 0) for g in likely] + [(1, g, 1) for g in missed] for ch, (likely, missed) in LETTERS.items()}
SPLIT_H = [(1, "ჰ", 1)]
SKIP = [(1, "", 0)]
MAX_COST = 2
BUDGET = 400  # search steps per word: enough for any real word, a bound for nonsense
CLEAR_LEAD = 4  # times as frequent in Kavshiri's text as the next candidate: settled
SEEN_ENOUGH = 2  # and seen at least this often there: once may be chance
CLEAR_ENDING = 8  # times as many lexicon words ending the same way as the next candidate: settled
WEB_ENDINGS = {"ge", "com", "org", "net", "gov", "edu", "info", "eu", "io", "uk", "ru", "de"}
SENTENCE_END = ".!?…"


@dataclass(frozen=True, slots=True)
class Unsettled:
    """A word the lexicon could not settle: as typed, as converted (at `start` in the new text),
    and the lexicon's candidates (none: an unknown word)."""

    typed: str
    shown: str
    start: int
    options: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Conversion:
    text: str
    unsettled: tuple[Unsettled, ...] = ()


def to_georgian(text: str, words: Lexicon | None = None) -> Conversion:
    """`text` in Georgian script; the words left for the citizen to confirm."""
    words = words or lexicon()
    out: list[str] = []
    length = 0
    unsettled: list[Unsettled] = []
    start_of_sentence = True
    last = 0
    for found in [*REG_NUMBER.finditer(text), None]:
        stop = found.start() if found else len(text)
        for piece, convert in _pieces(text[last:stop]):
            if convert:
                shown, options, settled = _word(piece, start_of_sentence, words)
                if not settled:
                    unsettled.append(Unsettled(piece, shown, length, options))
                piece = shown
            out.append(piece)
            length += len(piece)
            if piece.strip():
                start_of_sentence = piece.rstrip("\"'»“”)]").endswith(tuple(SENTENCE_END))
            elif "\n" in piece:
                start_of_sentence = True
        if found:
            out.append(found.group())
            length += len(found.group())
            start_of_sentence, last = False, found.end()
    return Conversion("".join(out), tuple(unsettled))


def _pieces(text: str):
    """(piece, whether to convert it): Latin words to convert, everything else as it stands."""
    i, n = 0, len(text)
    while i < n:
        j = i
        if text[i].isspace():
            while j < n and text[j].isspace():
                j += 1
            yield text[i:j], False
        elif _protected(chunk := text[i:(j := _chunk_end(text, i))]):
            yield chunk, False
        else:
            yield from _words(chunk)
        i = j


def _chunk_end(text: str, i: int) -> int:
    while i < len(text) and not text[i].isspace():
        i += 1
    return i


def _protected(chunk: str) -> bool:
    """An e-mail or web address."""
    low = chunk.lower().rstrip(".,;:!?)»\"'")
    if "@" in low or "://" in low or low.startswith("www."):
        return True
    head, dot, tail = low.rpartition(".")
    return bool(dot and head and tail in WEB_ENDINGS)


def _words(chunk: str):
    i, n = 0, len(chunk)
    while i < n:
        j = i
        if _latin(chunk[i]):
            while j < n and (_latin(chunk[j]) or (chunk[j] in APOSTROPHES and j + 1 < n and _latin(chunk[j + 1]))
                             or (chunk[j] in APOSTROPHES and chunk[j - 1:j].lower() in "tkpqh")):
                j += 1
            touches_digit = (i and chunk[i - 1].isdigit()) or (j < n and chunk[j].isdigit())
            yield chunk[i:j], not touches_digit  # "E2026", "A1", "5km" stay as typed
        else:
            while j < n and not _latin(chunk[j]):
                j += 1
            yield chunk[i:j], False
        i = j


def _latin(ch: str) -> bool:
    return "a" <= ch <= "z" or "A" <= ch <= "Z"


def _word(typed: str, start_of_sentence: bool, words: Lexicon) -> tuple[str, tuple[str, ...], bool]:
    """(the word in Georgian script, its candidates when not settled, whether it is settled)."""
    if words is lexicon():
        return _cached_word(typed, start_of_sentence)
    return _settle(typed, start_of_sentence, words)


@lru_cache(maxsize=20_000)
def _cached_word(typed: str, start_of_sentence: bool) -> tuple[str, tuple[str, ...], bool]:
    return _settle(typed, start_of_sentence, lexicon())


def _settle(typed: str, start_of_sentence: bool, words: Lexicon) -> tuple[str, tuple[str, ...], bool]:
    options = _options(typed, start_of_sentence)
    found = _candidates(options, words)
    if not found:
        if len(typed) > 1 and is_english(typed):
            return typed, (), True
        return _likeliest(options), (), False
    if len(found) == 1:
        return found[0], (), True
    ranked = sorted(((common().get(w, 0), words.sharing_ending(w), w) for w in found), reverse=True)
    (seen, ending, best), (next_seen, next_ending, _) = ranked[0], ranked[1]
    if seen >= max(CLEAR_LEAD * next_seen, SEEN_ENOUGH) or ending >= CLEAR_ENDING * next_ending:
        return best, (), True
    return best, tuple(w for _, _, w in ranked), False


def _options(typed: str, start_of_sentence: bool) -> list[list[tuple[int, str, int]]]:
    """For each position: (letters read, Georgian letter, cost), cheapest and likeliest first."""
    low = "".join("'" if ch in APOSTROPHES else ch for ch in typed.lower())
    capitals = sum(ch.isupper() for ch in typed)
    shouting = capitals > 1 and capitals * 2 > len(typed)  # "SSS", "ShSS": every capital either way
    table: list[list[tuple[int, str, int]]] = []
    for i, ch in enumerate(typed):
        if low[i] == "'":
            table.append(SKIP)  # an apostrophe not read with its letter
        elif low[i + 1:i + 2] == "'" and low[i] in EJECTIVES:
            table.append([(2, EJECTIVES[low[i]], 0)])
        elif low[i + 2:i + 3] == "'" and low[i:i + 2] in EJECTIVES:
            table.append([(3, EJECTIVES[low[i:i + 2]], 0)])
        elif ch in SHIFTED:
            small_cost = 0 if shouting or (i == 0 and start_of_sentence) else 1
            small = [(1, g, small_cost) for g in "".join(LETTERS[low[i]]) if g != SHIFTED[ch]]
            table.append(sorted([*PAIRS.get(low[i:i + 2], ()), (1, SHIFTED[ch], 0), *small], key=_cost))
        elif low[i] == "h" and low[i - 1:i + 1] in PAIRS and i:
            table.append(SPLIT_H)  # "chveni" is no ცჰვენი
        else:
            table.append(PAIRS.get(low[i:i + 2], []) + SINGLE[low[i]])
    return table


def _cost(option: tuple[int, str, int]) -> int:
    return option[2]


def _candidates(options: list[list[tuple[int, str, int]]], words: Lexicon) -> list[str]:
    """The cheapest readings that are lexicon words (searching prefixes of words only)."""
    best, found, steps = MAX_COST, [], 0
    stack = [(0, "", 0)]
    while stack and steps < BUDGET:
        i, prefix, cost = stack.pop()
        steps += 1
        if i == len(options):
            if words.known(prefix) and cost <= best:
                found = [prefix] if cost < best or not found else [*found, prefix]
                best = cost
            continue
        for size, letter, extra in reversed(options[i]):
            if cost + extra <= best and (not letter or words.has_prefix(prefix + letter)):
                stack.append((i + size, prefix + letter, cost + extra))
    return list(dict.fromkeys(found))


def _likeliest(options: list[list[tuple[int, str, int]]]) -> str:
    out, i = [], 0
    while i < len(options):
        size, letter, _ = options[i][0]
        out.append(letter)
        i += size
    return "".join(out)


def is_english(word: str) -> bool:
    """A binary search of the sorted word list kept as one string: 2 MB instead of a 15 MB set."""
    text, word = _english(), word.lower()
    lo, hi = 0, len(text)
    while lo < hi:
        start = text.rfind("\n", 0, (lo + hi) // 2) + 1
        end = text.index("\n", start)
        if text[start:end] == word:
            return True
        lo, hi = (end + 1, hi) if text[start:end] < word else (lo, start)
    return False


@cache
def _english() -> str:
    return gzip.decompress((DATA / "lexicon_en.txt.gz").read_bytes()).decode()


@cache
def common() -> dict[str, int]:
    with (DATA / "common_ka.tsv").open(encoding="utf-8") as fh:
        return {word: int(count) for word, count in (line.split("\t") for line in fh)}
