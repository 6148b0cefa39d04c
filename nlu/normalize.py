"""Fold Georgian in any script or spelling to one comparable Latin skeleton.

Citizens write the same word as "იუსტიციის", "ᲘᲣᲡᲢᲘᲪᲘᲘᲡ" (Mtavruli capitals), "iusticiis"
(keyboard layout), "iustitsiis" (chat or the 2002 national romanisation) or "iusTiciis"
(keyboard with a shifted key). `fold` maps all of them to "iustitsiis". The skeleton merges
letters that Latin spellings cannot tell apart (თ/ტ, კ/ქ/ყ, პ/ფ, ც/წ, ჩ/ჭ, and ჟ/ჯ: without
Shift a keyboard types საბაჟო as "sabajo"), so matching on it never depends on how someone typed
an ejective.

Two typing habits are settled by known words (the training data's, the directory's and the
Georgian lexicon's, read once by `load`): whether a Latin letter is a Georgian key's shifted
letter ("Civili", "SSS", "sacivari": ჩივილი, შსს, საჩივარი) or plain ("Sakartvelo", "RS"), and
which word a Georgian-script typo meant (საცივარი: საჩივარი).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import combinations
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA

from nlu import lexicon

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
# The same keys typed without Shift, where the skeleton tells the letters apart (თ/ტ and ჟ/ჯ it does not).
UNSHIFTED = {"r": "ღ", "s": "შ", "c": "ჩ", "z": "ძ", "w": "ჭ"}
MAX_FORGOTTEN = 3  # keys of a word tried as shifted: 7 readings at most

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

DATA = Path(__file__).parent / "data"
GEORGIAN_LETTER = re.compile(r"[\u10d0-\u10ff]")
TYPO_MIN_LEN = 5  # shorter words are too alike to correct
TWO_TYPOS_LEN = 8  # from this length two typos are corrected, below it one
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
    text = REPEATS.sub(_one_letter, text)  # "gamarjobaaaa" -> "gamarjoba"
    return " ".join(map(_fold_word, WORD.findall(text)))


@lru_cache(maxsize=WORD_CACHE)
def _fold_word(word: str) -> str:
    if GEORGIAN_LETTER.search(word):
        return _skeleton_of(_spelt(word))
    return _skeleton_of(_unshift(word))


def _spelt(word: str) -> str:
    """A Georgian-script word with a typo or two corrected towards a word of the training data,
    where only one word is that close: one the lexicon does not know ("ვაკანსიბი": ვაკანსიები),
    or a rare one it does, a letter away from a word of ours („საცივარი“: საჩივარი). Words the
    training data knows, and words too short to tell apart, stay as typed."""
    _, georgian, written = _vocabulary()
    if len(word) < TYPO_MIN_LEN or stem(_skeleton_of(word)) in georgian:
        return word
    if not lexicon.known(word):
        near = lexicon.nearest(word, max_distance=1 if len(word) < TWO_TYPOS_LEN else 2)
        return near if near and stem(_skeleton_of(near)) in georgian else word
    close = {w for w, _, _ in process.extract(word, written, scorer=OSA.distance, score_cutoff=1, limit=None)}
    return close.pop() if len(close) == 1 else word


def _skeleton_of(word: str) -> str:
    return SKELETON.sub(_skeleton, word)


def load() -> None:
    """Read the known words and the lexicon now, not on the first message that needs them."""
    _vocabulary()
    lexicon.lexicon()


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
    """Lowercase a Latin word, reading letters as Georgian keys where that makes a known word and
    the plain reading does not: capitals as shifted keys ("Civili": ჩივილი, "Cemi": ჩემი, "SSS":
    შსს), or a small letter as a key whose Shift was forgotten ("sacivari": საჩივარი, "sss-ze");
    but "Sakartvelo", "Rogor", "ShSS" and "RS" keep their letters. Where no reading is known, a
    capital inside a mixed-case word of 4+ letters is a shifted key ("iusTiciis", "saqmeTa") and
    any other a plain capital ("MIA", "MoJ")."""
    plain = word.lower()
    if not word.isascii():
        return plain
    english, georgian, _ = _vocabulary()
    if plain in english or stem(_skeleton_of(plain)) in georgian:
        return plain
    shifted = _shifted_readings(word) if any(c in SHIFTED for c in word) else ()
    for reading in (*shifted, *_forgotten_shifts(plain)):
        if reading != plain and stem(_skeleton_of(reading)) in georgian:
            return reading
    return _keyboard(word)


def _forgotten_shifts(word: str) -> list[str]:
    """`word` with one, two or three of its first keys that Shift turns into another letter read
    as shifted, fewest first; never a letter of a digraph ("sh", "ch", "ts", "dz", "zh")."""
    keys = [i for i, c in enumerate(word) if c in UNSHIFTED and not _in_digraph(word, i)][:MAX_FORGOTTEN]
    return [
        "".join(UNSHIFTED[c] if i in chosen else c for i, c in enumerate(word))
        for n in range(1, len(keys) + 1) for chosen in combinations(keys, n)
    ]


def _in_digraph(word: str, i: int) -> bool:
    return any(len(pair) == 2 and pair in LATIN for pair in (word[i : i + 2], word[i - 1 : i + 1] if i else ""))


def _shifted_readings(word: str) -> tuple[str, ...]:
    """Every capital a shifted key ("iusTiciis"), or only the first, as when Shift was held for
    the first letter of an abbreviation ("SSS": შსს)."""
    return (
        "".join(SHIFTED.get(c, c.lower()) for c in word),
        SHIFTED.get(word[0], word[0].lower()) + word[1:].lower(),
    )


def _keyboard(word: str) -> str:
    """Without a known word to decide: a capital inside a mixed-case word of 4+ letters is a
    shifted key; any other capital is a capital."""
    inner = word[1:]
    keyboard = len(word) >= 4 and any(c in SHIFTED for c in inner) and any(c.islower() for c in word)
    return "".join(SHIFTED.get(c, c.lower()) for c in word) if keyboard else word.lower()




@lru_cache(maxsize=1)
def _vocabulary() -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
    """The words of the training data and the directory, read once: English and other Latin words
    as typed (lowercased) from the English phrases, the synonyms and the directory; the folded
    stems of Georgian from the Georgian phrases in either script; the Georgian-script words."""
    english: set[str] = set()
    georgian: set[str] = set()
    written: set[str] = set()
    sources = [*sorted((DATA / "train").glob("*.yml")), DATA / "agencies.toml"]
    for path in sources:
        for word in WORD.findall(path.read_text(encoding="utf-8")):
            if GEORGIAN_LETTER.search(word):
                georgian.add(stem(_skeleton_of(word)))
                written.add(word)
            elif path.stem == "ka_latin":
                georgian.add(stem(_skeleton_of(_keyboard(word))))
            elif word.isascii():
                english.add(word.lower())
    return frozenset(english), frozenset(georgian), tuple(sorted(written))


def _one_letter(match: re.Match) -> str:
    """One letter for a run of it, except capitals and a three-letter word of one letter ("SSS",
    "sss": შსს)."""
    run, text, start, end = match.group(), match.string, match.start(), match.end()
    word = (start == 0 or not text[start - 1].isalpha()) and (end == len(text) or not text[end].isalpha())
    return run if run[0].isupper() or (word and len(run) == 3) else run[0]


def _skeleton(match: re.Match) -> str:
    piece = match.group()
    return LATIN.get(piece) or GEORGIAN.get(piece) or piece.lower()
