"""The legal deadline. Every expected date below was worked out by hand from a printed calendar
and the list of Georgian holidays (Labour Code Art. 30), not by calling the code under test.

2026 landmarks: 1-2 Jan Thu-Fri, 5-6 Jan declared days off, 7 Jan Wed, 19 Jan Mon,
9 Apr Thu, Good Friday 10 Apr - Easter Monday 13 Apr, 12 May Tue, 23 Nov Mon (Giorgoba).
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.deadline import (
    DECLARED_DAY_OFF,
    RULES,
    Deadline,
    WorkCalendar,
    add_months,
    deadline_for,
    read_days_off,
)
from bot.models import REQUEST_TYPES


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# ---------------------------------------------------------------------------- working days

@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 6, 5), True),    # ordinary Friday
        (date(2026, 6, 6), False),   # Saturday
        (date(2026, 6, 7), False),   # Sunday
        (date(2026, 1, 1), False),   # New Year's Day
        (date(2026, 1, 2), False),   # New Year, second day
        (date(2026, 1, 5), False),   # declared day off for administrative bodies (packaged list)
        (date(2026, 1, 6), False),   # declared day off for administrative bodies (packaged list)
        (date(2026, 1, 7), False),   # Orthodox Christmas
        (date(2026, 1, 8), True),    # first working day of 2026
        (date(2026, 1, 19), False),  # Epiphany (a Monday)
        (date(2026, 4, 8), True),    # Wednesday before the long break
        (date(2026, 4, 9), False),   # National Unity Day, right before Easter
        (date(2026, 4, 10), False),  # Good Friday
        (date(2026, 4, 11), False),  # Holy Saturday
        (date(2026, 4, 12), False),  # Easter Sunday
        (date(2026, 4, 13), False),  # Easter Monday
        (date(2026, 4, 14), True),   # Tuesday after Easter
        (date(2026, 11, 23), False), # St George's Day (a Monday)
        (date(2026, 11, 24), True),  # Tuesday after Giorgoba
        (date(2027, 1, 5), True),    # 5 Jan is declared only for 2026, not every year
        (date(2028, 2, 29), True),   # leap day, a Tuesday
    ],
)
def test_is_working_day(cal: WorkCalendar, day: date, working: bool) -> None:
    assert cal.is_working_day(day) is working


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 6, 5), date(2026, 6, 8)),     # Friday -> Monday
        (date(2026, 6, 8), date(2026, 6, 9)),     # strictly after: Monday -> Tuesday
        (date(2025, 12, 31), date(2026, 1, 8)),   # 1-2 Jan, weekend, 5-6 Jan declared, 7 Jan
        (date(2026, 4, 8), date(2026, 4, 14)),    # 9 Apr then Good Friday..Easter Monday
        (date(2026, 11, 20), date(2026, 11, 24)), # weekend then Giorgoba
    ],
)
def test_next_working_day(cal: WorkCalendar, day: date, expected: date) -> None:
    assert cal.next_working_day(day) == expected


def test_holiday_names_are_english(cal: WorkCalendar) -> None:
    # GE's default holiday language is Georgian: an English name proves language= is passed.
    assert cal.holiday_name(date(2026, 11, 23)) == "Saint George's Day"
    assert "Christmas" in cal.holiday_name(date(2026, 1, 7))
    assert "Easter" in cal.holiday_name(date(2026, 4, 13))
    assert cal.holiday_name(date(2026, 1, 5)) == DECLARED_DAY_OFF == "declared day off"
    assert cal.holiday_name(date(2026, 6, 6)) is None  # a plain Saturday is no holiday
    assert cal.holiday_name(date(2026, 6, 8)) is None


def test_extra_days_from_constructor() -> None:
    cal = WorkCalendar([date(2026, 6, 8), date(2026, 6, 17)])
    assert cal.holiday_name(date(2026, 6, 8)) == DECLARED_DAY_OFF
    assert not cal.is_working_day(date(2026, 6, 8))
    assert not cal.is_working_day(date(2026, 1, 5))  # the packaged list still applies
    # As start: Fri 5 Jun, Mon 8 now off -> day 1 Tue 9; +9 = Thu 18 (a working day).
    d = deadline_for(at("2026-06-05T10:00:00+04:00"), "information_request", cal)
    assert (d.starts, d.due) == (date(2026, 6, 9), date(2026, 6, 18))
    # As due day: Fri 15 May -> day 1 Mon 18 May; one month ends Wed 17 Jun, now off -> Thu 18.
    d = deadline_for(at("2026-05-15T10:00:00+04:00"), "application", cal)
    assert (d.starts, d.due) == (date(2026, 5, 18), date(2026, 6, 18))


def test_packaged_list_parser() -> None:
    text = "# comment\n\n2026-01-05\n2026-01-06  # trailing comment\n   \n"
    assert read_days_off(text) == {date(2026, 1, 5), date(2026, 1, 6)}
    with pytest.raises(ValueError, match="line 2"):
        read_days_off("2026-01-05\n5 Jan 2026\n")


def test_calendar_spans_years(cal: WorkCalendar) -> None:
    # Holiday years are looked up as needed, several in one calendar.
    assert not cal.is_working_day(date(2025, 1, 1))
    assert not cal.is_working_day(date(2027, 11, 23))  # Giorgoba 2027, a Tuesday
    assert not cal.is_working_day(date(2028, 4, 17))  # Easter Monday 2028


# ---------------------------------------------------------------------------- information requests

@pytest.mark.parametrize(
    ("registered", "starts", "due"),
    [
        # The example: Fri 20 Nov; Sat, Sun, Mon 23 Giorgoba -> day 1 Tue 24; +9 = Thu 3 Dec.
        ("2026-11-20T15:00:00+04:00", date(2026, 11, 24), date(2026, 12, 3)),
        # Fri 5 Jun -> day 1 Mon 8; +9 = Wed 17 (plain weekend, no holidays in June).
        ("2026-06-05T10:00:00+04:00", date(2026, 6, 8), date(2026, 6, 17)),
        # Registered on Saturday 6 Jun: day 1 is still Mon 8.
        ("2026-06-06T10:00:00+04:00", date(2026, 6, 8), date(2026, 6, 17)),
        # Registered on Sunday 7 Jun: day 1 Mon 8.
        ("2026-06-07T23:00:00+04:00", date(2026, 6, 8), date(2026, 6, 17)),
        # Wed 10 Jun -> day 1 Thu 11; +9 = Sat 20 -> Mon 22.
        ("2026-06-10T09:00:00+04:00", date(2026, 6, 11), date(2026, 6, 22)),
        # Wed 8 Apr: 9 Apr and Good Friday..Easter Monday are off -> day 1 Tue 14; +9 = Thu 23.
        ("2026-04-08T12:00:00+04:00", date(2026, 4, 14), date(2026, 4, 23)),
        # Registered on Good Friday itself: day 1 Tue 14 Apr.
        ("2026-04-10T12:00:00+04:00", date(2026, 4, 14), date(2026, 4, 23)),
        # Tue 31 Mar -> day 1 Wed 1 Apr; +9 = Fri 10 Apr (Good Friday) -> Tue 14 Apr.
        ("2026-03-31T12:00:00+04:00", date(2026, 4, 1), date(2026, 4, 14)),
        # Mon 30 Mar -> day 1 Tue 31; +9 = Thu 9 Apr (Unity Day), then Easter -> Tue 14 Apr.
        ("2026-03-30T12:00:00+04:00", date(2026, 3, 31), date(2026, 4, 14)),
        # Wed 31 Dec 2025: 1-2 Jan, weekend, 5-6 Jan declared, 7 Jan Christmas -> day 1 Thu 8 Jan;
        # +9 = Sat 17, Sun 18, Mon 19 Epiphany -> Tue 20 Jan.
        ("2025-12-31T12:00:00+04:00", date(2026, 1, 8), date(2026, 1, 20)),
        # Registered on a declared day off, Tue 6 Jan: 7 Jan Christmas -> day 1 Thu 8 Jan.
        ("2026-01-06T12:00:00+04:00", date(2026, 1, 8), date(2026, 1, 20)),
        # Wed 11 Nov -> day 1 Thu 12; +9 = Sat 21, Sun 22, Mon 23 Giorgoba -> Tue 24 Nov.
        ("2026-11-11T12:00:00+04:00", date(2026, 11, 12), date(2026, 11, 24)),
        # Mon 28 Dec -> day 1 Tue 29; +9 = Thu 7 Jan 2027 (Christmas) -> Fri 8 Jan 2027.
        ("2026-12-28T12:00:00+04:00", date(2026, 12, 29), date(2027, 1, 8)),
    ],
)
def test_information_request(cal: WorkCalendar, registered: str, starts: date, due: date) -> None:
    d = deadline_for(at(registered), "information_request", cal)
    assert (d.starts, d.due) == (starts, due)
    assert d.basis == "basis.information_request"


# ---------------------------------------------------------------------------- one-month types

@pytest.mark.parametrize(
    ("registered", "starts", "due"),
    [
        # Giorgoba example: day 1 Tue 24 Nov -> last day Wed 23 Dec.
        ("2026-11-20T15:00:00+04:00", date(2026, 11, 24), date(2026, 12, 23)),
        # Thu 29 Jan 2026 -> day 1 Fri 30 Jan; February has no 30th -> Sat 28 Feb -> Mon 2 Mar.
        ("2026-01-29T12:00:00+04:00", date(2026, 1, 30), date(2026, 3, 2)),
        # Thu 30 Jan 2025 -> day 1 Fri 31 Jan; February has no 31st -> Fri 28 Feb 2025.
        ("2025-01-30T12:00:00+04:00", date(2025, 1, 31), date(2025, 2, 28)),
        # Fri 28 Jan 2028 -> day 1 Mon 31 Jan; leap year: last day Tue 29 Feb 2028.
        ("2028-01-28T12:00:00+04:00", date(2028, 1, 31), date(2028, 2, 29)),
        # Mon 28 Feb 2028 -> day 1 Tue 29 Feb (leap day) -> day before 29 Mar: Tue 28 Mar.
        ("2028-02-28T12:00:00+04:00", date(2028, 2, 29), date(2028, 3, 28)),
        # Fri 25 Feb 2028 -> day 1 Mon 28 Feb -> Mon 27 Mar.
        ("2028-02-25T12:00:00+04:00", date(2028, 2, 28), date(2028, 3, 27)),
        # Mon 14 Dec 2026 -> day 1 Tue 15 Dec -> Thu 14 Jan 2027 (year boundary).
        ("2026-12-14T12:00:00+04:00", date(2026, 12, 15), date(2027, 1, 14)),
        # Wed 30 Dec 2026 -> day 1 Thu 31 Dec -> Sat 30 Jan 2027 -> Mon 1 Feb 2027.
        ("2026-12-30T12:00:00+04:00", date(2026, 12, 31), date(2027, 2, 1)),
        # Tue 10 Mar -> day 1 Wed 11 Mar -> Fri 10 Apr (Good Friday) -> Tue 14 Apr.
        ("2026-03-10T12:00:00+04:00", date(2026, 3, 11), date(2026, 4, 14)),
        # Wed 8 Apr -> day 1 Tue 14 Apr (Easter as start) -> Wed 13 May (12 May holiday is before).
        ("2026-04-08T12:00:00+04:00", date(2026, 4, 14), date(2026, 5, 13)),
        # Wed 31 Dec 2025 -> day 1 Thu 8 Jan 2026 -> Sat 7 Feb -> Mon 9 Feb.
        ("2025-12-31T12:00:00+04:00", date(2026, 1, 8), date(2026, 2, 9)),
    ],
)
@pytest.mark.parametrize("request_type", ["application", "complaint", "letter"])
def test_one_month(
    cal: WorkCalendar, request_type: str, registered: str, starts: date, due: date
) -> None:
    d = deadline_for(at(registered), request_type, cal)
    assert (d.starts, d.due) == (starts, due)
    assert d.basis == f"basis.{request_type}"


@pytest.mark.parametrize(
    ("start", "months", "last"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),   # no 31 Feb: last day of February
        (date(2026, 1, 30), 1, date(2026, 2, 28)),   # no 30 Feb: last day of February
        (date(2028, 1, 31), 1, date(2028, 2, 29)),   # leap year
        (date(2028, 1, 30), 1, date(2028, 2, 29)),   # leap year, no 30 Feb
        (date(2028, 1, 29), 1, date(2028, 2, 28)),   # 29 Feb exists in 2028: the day before it
        (date(2027, 1, 29), 1, date(2027, 2, 28)),   # no 29 Feb in 2027: last day of February
        (date(2026, 3, 1), 1, date(2026, 3, 31)),    # day before 1 Apr
        (date(2026, 3, 31), 1, date(2026, 4, 30)),   # no 31 Apr: last day of April
        (date(2026, 11, 24), 1, date(2026, 12, 23)), # the example
        (date(2026, 12, 31), 1, date(2027, 1, 30)),  # year boundary
        (date(2026, 12, 1), 1, date(2026, 12, 31)),  # day before 1 Jan is still December
        (date(2026, 1, 31), 2, date(2026, 3, 30)),   # two months: day before 31 Mar
        (date(2026, 3, 1), 12, date(2027, 2, 28)),   # a year: day before 1 Mar 2027
    ],
)
def test_add_months(start: date, months: int, last: date) -> None:
    assert add_months(start, months) == last


# ---------------------------------------------------------------------------- time zone

@pytest.mark.parametrize(
    ("registered", "starts", "due"),
    [
        # 21:30 UTC on Thu 19 Nov is 01:30 on Fri 20 Nov in Tbilisi -> the example's dates.
        ("2026-11-19T21:30:00+00:00", date(2026, 11, 24), date(2026, 12, 3)),
        # 20:00 UTC is midnight in Tbilisi: already Fri 20 Nov.
        ("2026-11-19T20:00:00+00:00", date(2026, 11, 24), date(2026, 12, 3)),
        # 19:59 UTC is 23:59 on Thu 19 Nov in Tbilisi -> day 1 Fri 20; +9 = Sun 29 -> Mon 30.
        ("2026-11-19T19:59:00+00:00", date(2026, 11, 20), date(2026, 11, 30)),
        # 17:30 in New York (UTC-5) is 02:30 on Fri 20 Nov in Tbilisi.
        ("2026-11-19T17:30:00-05:00", date(2026, 11, 24), date(2026, 12, 3)),
        # 21:00 UTC on 31 Dec 2025 is 01:00 on 1 Jan 2026 in Tbilisi -> same day 1 Thu 8 Jan.
        ("2025-12-31T21:00:00+00:00", date(2026, 1, 8), date(2026, 1, 20)),
    ],
)
def test_tbilisi_date(cal: WorkCalendar, registered: str, starts: date, due: date) -> None:
    d = deadline_for(at(registered), "information_request", cal)
    assert (d.starts, d.due) == (starts, due)


def test_zoneinfo_and_registered_at_kept_as_given(cal: WorkCalendar) -> None:
    given = datetime(2026, 11, 19, 12, 30, tzinfo=ZoneInfo("America/New_York"))  # 21:30 Tbilisi
    d = deadline_for(given, "information_request", cal)
    assert d.registered_at is given
    assert (d.starts, d.due) == (date(2026, 11, 20), date(2026, 11, 30))


# ---------------------------------------------------------------------------- shape and errors

def test_to_json(cal: WorkCalendar) -> None:
    d = deadline_for(at("2026-11-20T15:00:00+04:00"), "information_request", cal)
    assert isinstance(d, Deadline)
    assert d.to_json() == {
        "registered_at": "2026-11-20T15:00:00+04:00",
        "starts": "2026-11-24",
        "due": "2026-12-03",
        "type": "information_request",
        "basis": "basis.information_request",
    }
    with pytest.raises(AttributeError):
        d.due = date(2027, 1, 1)  # type: ignore[misc]


def test_rules_cover_every_request_type() -> None:
    assert set(RULES) == set(REQUEST_TYPES)
    assert (RULES["information_request"].unit, RULES["information_request"].amount) == ("day", 10)
    for kind in ("application", "complaint", "letter"):
        assert (RULES[kind].unit, RULES[kind].amount) == ("month", 1)
        assert RULES[kind].basis == f"basis.{kind}"


def test_naive_datetime_is_refused(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        deadline_for(datetime(2026, 11, 20, 15, 0), "information_request", cal)


@pytest.mark.parametrize("request_type", ["", "petition", "Information_Request"])
def test_unknown_type_is_refused(cal: WorkCalendar, request_type: str) -> None:
    with pytest.raises(ValueError, match="unknown request type"):
        deadline_for(at("2026-11-20T15:00:00+04:00"), request_type, cal)
