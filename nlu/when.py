"""`says_when(text)`: whether a citizen's words already say when something happened or which period
they mean, so the letter's "when?" question is not asked again.

A year or a day and month in numbers ("2025", "3.11"), a month by name in any of the three scripts
with its case endings („2 დეკემბერს“, „ნოემბრიდან“, "noembershi", "3rd of November"), or a day
said relative to today (yesterday, „გუშინ“, "gushin", last week, „გასულ კვირას“). Words are read
folded (nlu.normalize.fold), so one list serves Georgian script, Latin-typed Georgian and English.
Linear: one non-overlapping pattern and a scan over words.
"""
from __future__ import annotations

import re

from nlu.normalize import fold

MAX_CHARS = 4_000  # one answer; a date sits in what the citizen wrote first
NUMBERED = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)|(?<!\d)\d{1,2}[./]\d{1,2}(?!\d)")
WORD = re.compile(r"[^\W_]+")

# Month stems, with the shortened stem Georgian cases use („ნოემბრის“, „თებერვლიდან“).
MONTHS = (
    "იანვარ", "იანვრ", "თებერვალ", "თებერვლ", "მარტ", "აპრილ", "მაის", "ივნის", "ივლის", "აგვისტო", "სექტემბერ", "სექტემბრ",
    "ოქტომბერ", "ოქტომბრ", "ნოემბერ", "ნოემბრ", "დეკემბერ", "დეკემბრ",
    "january", "february", "april", "june", "july", "august", "september", "october", "november", "december",
)
# Case endings a month name takes (nominative, dative, genitive, "in", "from", "until"), folded.
ENDINGS = ("", "ი", "ს", "ის", "ში", "იდან", "ამდე", "ისთვის", "'s")
# Month names that are also other words ("may", "march"), or short forms: only next to a day number.
MONTHS_BY_A_DAY = ("may", "march", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec")
RELATIVE_DAYS = ("yesterday", "today", "tonight", "გუშინ", "გუშინწინ", "დღეს", "წუხელ", "შარშან", "წელს", "dges")
# "last week", „გასულ კვირას“: a word pointing back, then a span of time.
BACK = ("last", "this", "past", "previous", "წინა", "გასულ", "გასული", "ამ")
SPANS = ("week", "month", "year", "night", "morning", "weekend", "კვირას", "კვირა", "თვეს", "თვე", "წელს",
         "დილით", "საღამოს", "ღამით")

_fold = lambda words: frozenset(fold(w) or w for w in words)  # noqa: E731
MONTH_FORMS = frozenset(fold(m + e) or m + e for m in MONTHS for e in ENDINGS)
BY_A_DAY, RELATIVE, BACK, SPANS = _fold(MONTHS_BY_A_DAY), _fold(RELATIVE_DAYS), _fold(BACK), _fold(SPANS)


def says_when(text: str) -> bool:
    text = text[:MAX_CHARS]
    if NUMBERED.search(text):
        return True
    words = WORD.findall(fold(text) or text.casefold())
    for i, word in enumerate(words):
        if word in MONTH_FORMS or word in RELATIVE:
            return True
        if word in BACK and i + 1 < len(words) and words[i + 1] in SPANS:
            return True
        if word in BY_A_DAY and (_day(words, i - 1) or _day(words, i + 1) or _day(words, i - 2)):
            return True
    return False


def _day(words: list[str], i: int) -> bool:
    """Whether words[i] is a day of the month: "3", "3rd", "3-ე"."""
    if not 0 <= i < len(words):
        return False
    digits = words[i].rstrip("abcdefghijklmnopqrstuvwxyz")
    return digits.isdigit() and int(digits) <= 31
