"""The legal deadline of a submission: when the term starts and on which day it ends.

- Day 1 is the first working day after the day of registration, that day taken in Tbilisi
  (Ordinance No 219, Art. 4(3)).
- The term runs from day 1 in calendar days or calendar months (table `RULES`).
- A last day that is not a working day moves to the next working day (Civil Code Art. 123, 127;
  the General Administrative Code has no rule of its own: a reading).
- Working days are Monday to Friday except Georgia's public holidays (the `holidays` package)
  and extra days off the government declares (`bot/data/extra_days_off.txt` plus the caller's).
"""
from __future__ import annotations

import calendar as _cal
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib.resources import files
from typing import Any, Literal
from zoneinfo import ZoneInfo

import holidays

TBILISI = ZoneInfo("Asia/Tbilisi")
DECLARED_DAY_OFF = "declared day off"


@dataclass(frozen=True, slots=True)
class Rule:
    unit: Literal["day", "month"]
    amount: int
    basis: str  # catalog message id: the one sentence shown to the citizen


# The rule and its legal basis, in one place.
RULES: dict[str, Rule] = {
    "information_request": Rule("day", 10, "basis.information_request"),  # GAC Art. 40(1)
    "application": Rule("month", 1, "basis.application"),  # GAC Art. 100
    "complaint": Rule("month", 1, "basis.complaint"),  # GAC Chapter XIII
    "letter": Rule("month", 1, "basis.letter"),  # answered as an application (a reading)
}


def read_days_off(text: str) -> frozenset[date]:
    """Parse one ISO date per line; '#' starts a comment; blank lines are skipped."""
    days: set[date] = set()
    for number, line in enumerate(text.splitlines(), 1):
        value = line.split("#", 1)[0].strip()
        if not value:
            continue
        try:
            days.add(date.fromisoformat(value))
        except ValueError:
            raise ValueError(f"extra_days_off line {number}: not an ISO date: {value!r}") from None
    return frozenset(days)


def packaged_days_off() -> frozenset[date]:
    return read_days_off(files("bot").joinpath("data/extra_days_off.txt").read_text("utf-8"))


class WorkCalendar:
    """Georgia's working days for administrative bodies. Build once per process."""

    __slots__ = ("_extra", "_years")

    def __init__(self, extra_days_off: Iterable[date] = ()) -> None:
        self._extra = packaged_days_off() | frozenset(extra_days_off)
        self._years: dict[int, holidays.HolidayBase] = {}

    def _holidays(self, year: int) -> holidays.HolidayBase:
        found = self._years.get(year)
        if found is None:
            found = holidays.country_holidays("GE", years=year, language="en")
            self._years[year] = found
        return found

    def holiday_name(self, day: date) -> str | None:
        """The public holiday's English name, "declared day off", or None."""
        name = self._holidays(day.year).get(day)
        if name:
            return name
        return DECLARED_DAY_OFF if day in self._extra else None

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and self.holiday_name(day) is None

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day


def add_months(start: date, months: int) -> date:
    """Last day of a term of `months` months whose day 1 is `start`.

    The day before the same date `months` later; when that month has no such date,
    the last day of that month (start Jan 31 or Jan 30 -> end of February).
    """
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    last = _cal.monthrange(year, month)[1]
    if start.day > last:
        return date(year, month, last)
    return date(year, month, start.day) - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Deadline:
    request_type: str
    registered_at: datetime  # as given (aware)
    starts: date  # day 1
    due: date  # last day, moved off non-working days
    basis: str  # catalog message id

    def to_json(self) -> dict[str, Any]:
        return {
            "registered_at": self.registered_at.isoformat(),
            "starts": self.starts.isoformat(),
            "due": self.due.isoformat(),
            "type": self.request_type,
            "basis": self.basis,
        }


def deadline_for(registered_at: datetime, request_type: str, calendar: WorkCalendar) -> Deadline:
    if registered_at.tzinfo is None or registered_at.utcoffset() is None:
        raise ValueError("registered_at must be timezone-aware")
    rule = RULES.get(request_type)
    if rule is None:
        raise ValueError(f"unknown request type: {request_type!r}")
    starts = calendar.next_working_day(registered_at.astimezone(TBILISI).date())
    if rule.unit == "day":
        last = starts + timedelta(days=rule.amount - 1)
    else:
        last = add_months(starts, rule.amount)
    due = last if calendar.is_working_day(last) else calendar.next_working_day(last)
    return Deadline(request_type, registered_at, starts, due, rule.basis)
