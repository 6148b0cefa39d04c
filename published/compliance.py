"""What an agency has published against what the Annex requires by a date."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from published.annex import Annex, Item
from published.register import Entry, newest_first
from published.rules import Obligation, obligations

PUBLISHED, LATE, DUE, OVERDUE, NO_DEADLINE = "published", "published_late", "due", "overdue", "no_deadline"
OVERDUE_FIELDS = ("agency_id", "item", "period", "due")  # the documented JSON form of the report


@dataclass(frozen=True, slots=True)
class Row:
    agency_id: str
    item: Item
    obligation: Obligation | None  # None: due per act (within 10 days), nothing knowable ahead
    state: str  # PUBLISHED, LATE (more than 10 days after its act: Note 4), DUE (window open), OVERDUE, NO_DEADLINE
    latest: Entry | None  # the newest entry that meets the obligation (or of the item)

    def to_json(self) -> dict:
        return {
            "agency_id": self.agency_id,
            "item": self.item.number,
            "period": str(self.obligation.period) if self.obligation and self.obligation.period else None,
            "due": self.obligation.due.isoformat() if self.obligation else None,
            "state": self.state,
            "updated": self.latest.updated.isoformat() if self.latest else None,
        }


def meets(entry: Entry, obligation: Obligation) -> bool:
    return obligation.period is None or entry.period == str(obligation.period)


def item_rows(agency_id: str, item: Item, entries: list[Entry], as_of: date) -> list[Row]:
    """One row per obligation of `item` on `as_of` (entries: the agency's, any order)."""
    mine = newest_first(e for e in entries if e.item == item.number)
    found = obligations(item, as_of)
    if not found:
        return [Row(agency_id, item, None, _published(mine[0]) if mine else NO_DEADLINE, mine[0] if mine else None)]
    rows = []
    for obligation in found:
        meeting = [e for e in mine if meets(e, obligation)]
        state = _published(meeting[0]) if meeting else OVERDUE if obligation.late_on(as_of) else DUE
        rows.append(Row(agency_id, item, obligation, state, meeting[0] if meeting else None))
    return rows


def _published(entry: Entry) -> str:
    return LATE if entry.late else PUBLISHED


def agency_rows(annex: Annex, agency_id: str, entries: list[Entry], as_of: date) -> list[Row]:
    return [row for item in annex for row in item_rows(agency_id, item, entries, as_of)]


def overdue(annex: Annex, entries: list[Entry], agency_ids: Iterable[str] | None, as_of: date) -> list[Row]:
    """Everything the given agencies (None: every agency in `entries`, the ones the register
    tracks) should have published by `as_of` and have not."""
    if agency_ids is None:
        agency_ids = sorted({e.agency_id for e in entries})
    by_agency: dict[str, list[Entry]] = {a: [] for a in agency_ids}
    for entry in entries:
        if entry.agency_id in by_agency:
            by_agency[entry.agency_id].append(entry)
    return [
        row
        for agency_id in sorted(by_agency)
        for row in agency_rows(annex, agency_id, by_agency[agency_id], as_of)
        if row.state == OVERDUE
    ]


def overdue_records(rows: list[Row]) -> list[dict]:
    return [{k: v for k, v in row.to_json().items() if k in OVERDUE_FIELDS} for row in rows]
