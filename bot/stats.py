"""How bodies answer, from Kavshiri's own requests: figures per body, with no personal data.

The method, stated once (it is published with the figures):
- sent: requests Kavshiri submitted to the body;
- answered: those the body completed or refused (a refusal is an answer);
- on time: answered no later than the legal deadline (the day, in Tbilisi);
- overdue now: open past the deadline;
- on-time share: on time ÷ (answered + overdue now): requests still within their time are left out,
  since nobody knows yet how they will end;
- median days: calendar days from registration to the answer, over answered requests.
A share or a median is given only with `MIN_REQUESTS` or more requests behind it.
"""
from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass
from datetime import date

from bot.deadline import TBILISI
from bot.models import FINAL_STATUSES, Submission
from bot.ports import Clock, Store

MIN_REQUESTS = 20
FRESH_SECONDS = 600  # figures are recomputed at most this often: a scan of every request is not per-turn work
METHOD = __doc__.split("\n\n", 1)[1].strip()


@dataclass(frozen=True, slots=True)
class BodyFigures:
    agency_id: str
    sent: int
    answered: int
    on_time: int
    overdue_now: int
    median_days: float | None  # None: fewer than MIN_REQUESTS answered
    on_time_share: float | None  # 0..1; None: fewer than MIN_REQUESTS decided

    @property
    def enough(self) -> bool:
        return self.on_time_share is not None and self.median_days is not None

    def to_json(self) -> dict:
        return asdict(self)


def body_figures(submissions: list[Submission], today: date) -> dict[str, BodyFigures]:
    """Figures per body over every request Kavshiri knows; `today` is Tbilisi's date."""
    by_body: dict[str, list[Submission]] = {}
    for s in submissions:
        by_body.setdefault(s.agency_id, []).append(s)
    return {agency: _figures(agency, subs, today) for agency, subs in sorted(by_body.items())}


def _figures(agency_id: str, subs: list[Submission], today: date) -> BodyFigures:
    answered = [s for s in subs if s.status in FINAL_STATUSES and s.completed_at is not None]
    days = [(s.completed_at.astimezone(TBILISI).date() - s.registered_at.astimezone(TBILISI).date()).days
            for s in answered]
    on_time = sum(s.completed_at.astimezone(TBILISI).date() <= s.deadline for s in answered)
    overdue = sum(s.is_open and today > s.deadline for s in subs)
    decided = len(answered) + overdue
    return BodyFigures(
        agency_id=agency_id,
        sent=len(subs),
        answered=len(answered),
        on_time=on_time,
        overdue_now=overdue,
        median_days=float(statistics.median(days)) if len(days) >= MIN_REQUESTS else None,
        on_time_share=on_time / decided if decided >= MIN_REQUESTS else None,
    )


class Figures:
    """The figures, computed from the store at most every `FRESH_SECONDS` per process."""

    def __init__(self, store: Store, clock: Clock, fresh_seconds: float = FRESH_SECONDS) -> None:
        self.store, self.clock, self.fresh_seconds = store, clock, fresh_seconds
        self._figures: dict[str, BodyFigures] = {}
        self._at = float("-inf")

    async def all(self) -> dict[str, BodyFigures]:
        if time.monotonic() - self._at > self.fresh_seconds:
            today = self.clock.now().astimezone(TBILISI).date()
            self._figures = body_figures(await self.store.all_submissions(), today)
            self._at = time.monotonic()
        return self._figures

    async def of(self, agency_id: str) -> BodyFigures | None:
        return (await self.all()).get(agency_id)
