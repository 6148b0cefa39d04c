"""When Annex information is due (Ordinance No 219, Annex Notes 2 and 4; Art. 7(2)).

Readings, stated once: "within one month after ending the quarter" is taken as the end of the
first calendar month after the quarter (Q3 → 31 October), and "within three months after ending
the year" as 31 March; a date is late from the day after its deadline. Items "to be updated if
changed" had to be published first by 31 December 2013 (complaint forms, item 2.3, by 1 March
2014: Art. 7(2)); after a change of the underlying act, within 10 days (Note 4). Items published
"within 10 days after enactment" are due per act, which Kavshiri cannot know in advance; a
register entry that names its act's date is checked afterwards (`register.Entry.late`).
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from published.annex import Item

IN_FORCE = date(2013, 9, 1)  # Art. 7(1): no obligation existed before
LAST_SENSIBLE = date(9000, 1, 1)  # far enough; keeps period arithmetic inside `date`
FIRST_PUBLICATION = date(2013, 12, 31)  # Art. 7(2)
FIRST_PUBLICATION_FORMS = date(2014, 3, 1)  # Art. 7(2): complaint forms and appeal procedure
AFTER_CHANGE = timedelta(days=10)  # Note 4, and "within 10 days after enactment"
TBILISI = ZoneInfo("Asia/Tbilisi")
PERIOD = re.compile(r"(\d{4})(?:-Q([1-4]))?")
CADENCES = {
    "quarterly": ("quarter",),
    "annually": ("year",),
    "quarterly_and_annually": ("quarter", "year"),
}


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """A reporting period: a quarter ("2026-Q3") or a year ("2025")."""

    year: int
    quarter: int | None = None

    @classmethod
    def parse(cls, text: str) -> Period:
        match = PERIOD.fullmatch(text.strip())
        if not match or not 1991 <= int(match[1]) < LAST_SENSIBLE.year:
            raise ValueError(f"not a period (YYYY or YYYY-Qn, 1991 or later): {text[:20]!r}")
        return cls(int(match[1]), int(match[2]) if match[2] else None)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.quarter}" if self.quarter else str(self.year)

    @property
    def end(self) -> date:
        month = 3 * self.quarter if self.quarter else 12
        return _month_end(self.year, month)

    @property
    def due(self) -> date:
        """Note 2: one month after a quarter, three months after a year."""
        return _months_after_end(self.end, 1 if self.quarter else 3)

    def previous(self) -> Period:
        if self.quarter is None:
            return Period(self.year - 1)
        if self.quarter == 1:
            return Period(self.year - 1, 4)
        return Period(self.year, self.quarter - 1)


@dataclass(frozen=True, slots=True)
class Obligation:
    """What an item must show: `period` (None: the item as such) by `due`."""

    period: Period | None
    due: date

    def late_on(self, day: date) -> bool:
        return day > self.due


def obligations(item: Item, as_of: date) -> list[Obligation]:
    """For each cadence of `item`, the latest period whose deadline has passed by `as_of`, and
    the period whose publication window is open on `as_of` (not late yet), oldest first."""
    if item.rule == "if_changed":
        first = FIRST_PUBLICATION_FORMS if item.number == "2.3" else FIRST_PUBLICATION
        return [Obligation(None, first)]
    found = []
    for cadence in CADENCES.get(item.rule, ()):
        ended = last_ended(cadence, as_of)
        if ended.due >= as_of:  # its window is open: the one before it is the last one due
            found.append(Obligation(ended.previous(), ended.previous().due))
        found.append(Obligation(ended, ended.due))
    return sorted(found, key=lambda o: o.due)


def last_ended(cadence: str, as_of: date) -> Period:
    """The latest quarter or year that has ended before `as_of`."""
    yesterday = as_of - timedelta(days=1)
    if cadence == "year":
        return Period(as_of.year - 1)
    quarter = (yesterday.month - 1) // 3 + 1
    period = Period(yesterday.year, quarter)
    return period if period.end <= yesterday else period.previous()


def checkable(day: date) -> bool:
    """Whether obligations can be asked about on `day`."""
    return IN_FORCE <= day <= LAST_SENSIBLE


def today_in_georgia() -> date:
    return datetime.now(TBILISI).date()


def after_change(changed_on: date) -> date:
    """Note 4 (and items due "within 10 days after enactment"): 10 calendar days later."""
    return changed_on + AFTER_CHANGE


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _months_after_end(end: date, months: int) -> date:
    month = end.month + months
    year = end.year + (month - 1) // 12
    return _month_end(year, (month - 1) % 12 + 1)
