"""The Annex's due dates (Ordinance No 219, Notes 2 and 4; Art. 7(2)) at the edges of periods."""
from __future__ import annotations

from datetime import date

import pytest

from published.annex import Annex
from published.rules import Period, after_change, last_ended, obligations

ANNEX = Annex.load()


def due(number: str, as_of: str) -> list[tuple[str | None, str]]:
    found = obligations(ANNEX.get(number), date.fromisoformat(as_of))
    return [(str(o.period) if o.period else None, o.due.isoformat()) for o in found]


def test_the_annex_has_every_item_of_its_seven_sections():
    numbers = [i.number for i in ANNEX]
    assert len(numbers) == 35 and numbers[0] == "1.1" and numbers[-1] == "7.2"
    assert {i.section for i in ANNEX} == set("1234567")
    assert ANNEX.get("5.2").rule == "quarterly_and_annually" and ANNEX.get("6.1").rule == "within_10_days"


@pytest.mark.parametrize("period, due_on", [
    ("2026-Q1", "2026-04-30"), ("2026-Q2", "2026-07-31"), ("2026-Q3", "2026-10-31"),
    ("2026-Q4", "2027-01-31"), ("2025", "2026-03-31"), ("2027", "2028-03-31"),
])
def test_note_2_deadlines(period: str, due_on: str):
    assert Period.parse(period).due == date.fromisoformat(due_on)


@pytest.mark.parametrize("as_of, expected", [
    # The last day of a quarter: that quarter has not ended, the one before is late already.
    ("2026-09-30", [("2026-Q2", "2026-07-31")]),
    # The day after: its window opens; the previous quarter stays the last one late.
    ("2026-10-01", [("2026-Q2", "2026-07-31"), ("2026-Q3", "2026-10-31")]),
    # The deadline itself is still on time...
    ("2026-10-31", [("2026-Q2", "2026-07-31"), ("2026-Q3", "2026-10-31")]),
    # ...and the day after it is late.
    ("2026-11-01", [("2026-Q3", "2026-10-31")]),
    # Across the year end.
    ("2027-01-01", [("2026-Q3", "2026-10-31"), ("2026-Q4", "2027-01-31")]),
])
def test_quarterly_item_at_period_edges(as_of: str, expected):
    assert due("5.3", as_of) == expected


@pytest.mark.parametrize("as_of, expected", [
    ("2026-12-31", [("2025", "2026-03-31")]),
    ("2027-01-01", [("2025", "2026-03-31"), ("2026", "2027-03-31")]),
    ("2027-03-31", [("2025", "2026-03-31"), ("2026", "2027-03-31")]),
    ("2027-04-01", [("2026", "2027-03-31")]),
])
def test_annual_item_at_year_end_and_its_deadline(as_of: str, expected):
    assert due("1.3", as_of) == expected


def test_quarterly_and_annual_item_has_both_cadences():
    assert due("5.2", "2027-02-01") == [("2025", "2026-03-31"), ("2026-Q4", "2027-01-31"), ("2026", "2027-03-31")]


@pytest.mark.parametrize("as_of, quarter", [
    ("2028-02-29", "2027-Q4"),  # a leap day is an ordinary day inside Q1
    ("2028-03-31", "2027-Q4"),
    ("2028-04-01", "2028-Q1"),
    ("2024-01-01", "2023-Q4"),
])
def test_last_ended_quarter(as_of: str, quarter: str):
    assert str(last_ended("quarter", date.fromisoformat(as_of))) == quarter


def test_leap_years_in_deadlines():
    assert Period.parse("2027-Q4").due == date(2028, 1, 31)
    assert after_change(date(2028, 2, 20)) == date(2028, 3, 1)  # 29 February counts
    assert after_change(date(2027, 2, 20)) == date(2027, 3, 2)


def test_items_updated_if_changed_were_due_once_from_the_start():
    assert due("3.1", "2026-11-23") == [(None, "2013-12-31")]
    assert due("2.3", "2026-11-23") == [(None, "2014-03-01")]  # complaint forms: Art. 7(2)


def test_items_due_per_act_have_no_deadline_known_ahead():
    assert due("6.1", "2026-11-23") == [] and due("5.13", "2026-11-23") == []


@pytest.mark.parametrize("text", ["2026-Q5", "26-Q1", "2026Q1", "Q1-2026", ""])
def test_bad_periods_are_refused(text: str):
    with pytest.raises(ValueError):
        Period.parse(text)


def entry_for(item: str, published: str, updated: str, enacted: str):
    from published.register import Entry

    return Entry("mof", item, "", "Act", "https://example.org/act", None, date.fromisoformat(published),
                 date.fromisoformat(updated), "html", enacted=date.fromisoformat(enacted))


@pytest.mark.parametrize("published, updated, late", [
    ("2028-03-01", "2028-03-01", False),  # 10 days after 20 February of a leap year: on time
    ("2028-03-02", "2028-03-02", True),
    ("2028-03-01", "2028-04-15", False),  # a later correction does not make it late
    ("2027-06-01", "2028-03-01", False),  # published before the change, updated in time (Note 4)
    ("2027-06-01", "2028-03-05", True),
])
def test_note_4_publication_within_10_days_of_the_act(published: str, updated: str, late: bool):
    assert entry_for("6.1", published, updated, "2028-02-20").late is late


def test_compliance_marks_late_publications():
    from published.compliance import LATE, PUBLISHED, item_rows

    on_time = entry_for("6.1", "2026-05-05", "2026-05-05", "2026-05-01")
    late = entry_for("1.2", "2020-01-01", "2026-06-01", "2026-05-01")
    assert item_rows("mof", ANNEX.get("6.1"), [on_time], date(2026, 11, 23))[0].state == PUBLISHED
    assert item_rows("mof", ANNEX.get("1.2"), [late], date(2026, 11, 23))[0].state == LATE


def test_every_procedure_the_flow_offers_is_in_the_data_and_the_catalogs():
    import tomllib

    from bot.flows.published import PROCEDURES
    from published.knowledge import PROCEDURES as DATA
    from tests.test_catalogs import messages

    ids = tuple(row["id"] for row in tomllib.loads(DATA.read_text())["procedure"])
    assert ids == PROCEDURES
    for lang in ("en", "ka"):
        assert {f"procedure.{p}" for p in ids} | {f"choice.procedure_{p}" for p in ids} <= set(messages(lang))
