"""Fold Georgian in any script or spelling to one comparable Latin skeleton.

Citizens write the same word as "იუსტიციის", "ᲘᲣᲡᲢᲘᲪᲘᲘᲡ" (Mtavruli capitals), "iusticiis"
(keyboard layout), "iustitsiis" (chat or the 2002 national romanisation) or "iusTiciis"
(keyboard with a shifted key). `fold` maps all of them to "iustitsiis". The skeleton merges
letters that Latin spellings cannot tell apart (თ/ტ, კ/ქ/ყ, პ/ფ, ც/წ, ჩ/ჭ, and ჟ/ჯ: without
Shift a keyboard types საბაჟო as "sabajo"), so matching on it never depends on how someone typed
an ejective.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Georgian (Mkhedruli) letter -> skeleton.
GEORGIAN = {
    "ა": "a", "ბ": "b", "გ": "g", "დ": "d", "ე": "e", "ვ": "v", "ზ": "z", "თ": "t", "ი": "i",
    "კ": "k", "ლ": "l", "მ": "m", "ნ": "n", "ო": "o", "პ": "p", "ჟ": "j", "რ": "r", "ს": "s",
    "ტ": "t", "უ": "u", "ფ": "p", "ქ": "k", "ღ": "gh", "ყ": "k", "შ": "sh", "ჩ": "ch", "ც": "ts",
    "ძ": "dz", "წ": "ts", "ჭ": "ch", "ხ": "kh", "ჯ": "j", "ჰ": "h",
}
# Latin spellings -> skeleton. Digraphs of chat and the national system stay as they are; the
# single keyboard letters that stand for them (c=ც, w=წ, x=ხ, q=ქ/ყ, y=ყ, f=ფ) join them.
# "th"/"ph" are the older "aspirated" spellings of თ and ფ ("Sakarthvelo").
LATIN = {
    "sh": "sh", "ch": "ch", "kh": "kh", "gh": "gh", "zh": "j", "dz": "dz", "ts": "ts",
    "th": "t", "ph": "p",
    "c": "ts", "w": "ts", "x": "kh", "q": "k", "y": "k", "f": "p",
}
# Keyboard layout: Shift gives a different Georgian letter on these keys only.
SHIFTED = {"T": "თ", "J": "ჟ", "R": "ღ", "S": "შ", "C": "ჩ", "Z": "ძ", "W": "ჭ"}

# Georgian case endings and postpositions, in folded form, longest first (see `stem`).
SUFFIXES = sorted(
    {
        "isatvis", "satvis", "istvis", "stvis", "tvis",  # -ის(ა)თვის, -ს(ა)თვის, -თვის: "for"
        "istan", "stan",  # -ისთან, -სთან: "at, with"
        "isken", "sken",  # -ისკენ, -სკენ: "towards"
        "isgan", "sgan",  # -ისგან, -სგან: "from (a source)"
        "idan", "dan",  # -იდან, -დან: "from"
        "amde", "mde",  # -ამდე, -მდე: "up to"
        "ivit", "vit",  # -ივით, -ვით: "like"
        "tan", "shi", "ze",  # -თან "at", -ში "in", -ზე "on"
        "isa", "is", "s",  # genitive (with its long form -ისა), dative
        "it", "oti", "uti", "ad", "d",  # instrumental (-თი only after o- and u-stems: not ბიუჯეტი), adverbial
        "ma", "m",  # ergative
        "ta",  # old plural genitive: ფინანსთა, საქმეთა, დევნილთა
        "i", "a", "e",  # nominative of consonant stems; final -ა, -ე of a- and e-stems (განათლება / განათლების)
    },
    key=len,
    reverse=True,
)
VOWEL_ENDINGS = ("i", "a", "e")
VOWEL_INSTRUMENTAL = ("oti", "uti")  # the stem keeps its o or u: სამინისტროთი -> saministro
PLURAL = "eb"  # -ებ-, left over once the case ending is gone: შემოსავლების -> shemosavl
STEM_VOWELS = ("a", "e")  # an a- or e-stem keeps its vowel before -ს, -ზე, -ში: განათლებაზე, საქმეში
# Syncope: a last syllable -ar-, -al-, -el-, -er-, -ol- loses its vowel before a vowel ending, so
# საჩივარი and საჩივრის, თანამშრომელი and თანამშრომლები share the stem once it is dropped.
SYNCOPE = re.compile(r"(?<=[^aeiou])[aeo](?=[lr]$)")
MIN_SYNCOPE = 7  # not სახელი: სახლი
MIN_STEM = 3
# A bare vowel ending is stripped only from longer words, so "modi" and "mia" stay whole.
MIN_STEM_AFTER_VOWEL = 4

APOSTROPHES = re.compile(r"['’‘ʼʻ`´]")  # ejective marks of romanisation: dropped, not spaces
MTAVRULI = re.compile(r"[\u1c90-\u1cbf]")
WORD = re.compile(r"[^\W_]+")
REPEATS = re.compile(r"([^\W\d_])\1{2,}")  # letters only: "1000" stays
# Words are folded and stemmed one at a time, and a citizen's vocabulary repeats: remembering
# the last words seen makes folding a message mostly dictionary look-ups.
WORD_CACHE = 100_000
SKELETON = re.compile("|".join(sorted(LATIN, key=len, reverse=True)) + "|.", re.S)


def fold(text: str) -> str:
    """One lowercase Latin skeleton of `text`: words separated by single spaces, no punctuation."""
    if not text.isascii():  # ASCII is already in normal form and has no Mtavruli
        text = unicodedata.normalize("NFKC", text)
        text = MTAVRULI.sub(lambda m: m.group().lower(), text)  # Mtavruli -> Mkhedruli
    text = APOSTROPHES.sub("", text)
    text = REPEATS.sub(r"\1", text)  # "gamarjobaaaa" -> "gamarjoba"
    return " ".join(map(_fold_word, WORD.findall(text)))


@lru_cache(maxsize=WORD_CACHE)
def _fold_word(word: str) -> str:
    return SKELETON.sub(_skeleton, _unshift(word))


def tokens(text: str) -> list[str]:
    return fold(text).split()


@lru_cache(maxsize=WORD_CACHE)
def stem(token: str) -> str:
    """Strip one case ending or postposition (and the stem vowel it kept), then the plural -ებ-,
    of a folded token; undo syncope."""
    stripped = strip_suffix(token)
    if stripped != token and stripped.endswith(STEM_VOWELS) and len(stripped) > MIN_STEM_AFTER_VOWEL:
        stripped = stripped[:-1]
    token = stripped
    if token.endswith(PLURAL) and len(token) - len(PLURAL) >= MIN_STEM:
        token = token[: -len(PLURAL)]
    if len(token) >= MIN_SYNCOPE:
        token = SYNCOPE.sub("", token)
    return token


def strip_suffix(token: str, min_stem: int = MIN_STEM) -> str:
    for suffix in SUFFIXES:
        if token.endswith(suffix):
            rest = len(token) - len(suffix)
            if rest >= (MIN_STEM_AFTER_VOWEL if suffix in VOWEL_ENDINGS else min_stem):
                return token[: rest + 1] if suffix in VOWEL_INSTRUMENTAL else token[:rest]
    return token


def _unshift(word: str) -> str:
    """Lowercase a word, reading capitals as shifted Georgian keys only where a plain capital
    cannot explain them: inside a mixed-case word of 4+ letters ("iusTiciis", "saqmeTa").
    "Sakartvelo" (a sentence-initial capital), "MIA" and "NAPR" (abbreviations) and "MoJ"
    (a short abbreviation) keep their letters."""
    inner = word[1:]
    keyboard = (
        len(word) >= 4
        and any(c in SHIFTED for c in inner)
        and any(c.islower() for c in word)
    )
    if not keyboard:
        return word.lower()
    return "".join(SHIFTED.get(c, c.lower()) for c in word)


def _skeleton(match: re.Match) -> str:
    piece = match.group()
    return LATIN.get(piece) or GEORGIAN.get(piece) or piece.lower()
