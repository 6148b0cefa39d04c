"""The deadline watch: a request whose legal deadline passed with no final answer is reported to
its citizen once, on the first working day after the deadline, with what they can do now.

Exactly once with several workers and crashes: the alert is queued under outbox keys fixed by the
request and the round (`late:<number>:<round>:<channel>`), so a second sweep's enqueue is a no-op
and a sweep killed midway is finished by the next one; only then is the request's watch record
(kind `watch`) moved on, which keeps the alert once after the outbox has forgotten its keys.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.alerts import targets
from bot.deadline import TBILISI, WorkCalendar
from bot.messages import Choice, Localized, Reply, Text, reply_to_json
from bot.models import Citizen, Notification, Submission
from bot.ports import Clock, Store
from nlu.directory import Directory

log = logging.getLogger(__name__)

WATCH = "watch"  # record kind: {"number", "stage", "until"}
ASK_AGAIN_AFTER = timedelta(days=7)  # "Not now" asks once more, this much later
# Stages after which the sweep says nothing more about a request.
QUIET = ("alerted", "asked_again", "quiet", "closed", "reminded", "complained")


def today(clock: Clock) -> date:
    return clock.now().astimezone(TBILISI).date()


def watched(s: Submission) -> bool:
    """Every request the citizen sent, and a complaint in turn; a reminder is not a new request."""
    return s.linked_to is None or s.request_type == "complaint"


def follow_up_choices(s: Submission) -> tuple[Choice, ...]:
    number = s.registration_number
    act = (f"late:remind:{number}",) + ((f"late:complain:{number}",) if s.linked_to is None else ())
    ids = (*act, f"options:{number}", f"late:later:{number}", f"late:answered:{number}")
    return tuple(Choice(i, Text(f"choice.{i.rsplit(':', 1)[0].replace(':', '_')}")) for i in ids)


def options_choice(number: str) -> Choice:
    """"What can I do?" about the request in view."""
    return Choice(f"options:{number}", Text("choice.options"))


@dataclass(slots=True)
class SweepReport:
    as_of: date
    checked: int = 0
    alerted: list[str] = field(default_factory=list)  # first alerts this sweep queued
    asked_again: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [f"as of {self.as_of.isoformat()}: {self.checked} open requests checked, "
                f"{len(self.alerted)} overdue alerted, {len(self.asked_again)} asked again",
                *(f"alerted {n}" for n in self.alerted), *(f"asked again {n}" for n in self.asked_again)]


class Watch:
    def __init__(self, store: Store, directory: Directory, calendar: WorkCalendar, clock: Clock) -> None:
        self.store, self.directory, self.calendar, self.clock = store, directory, calendar, clock

    def reported_on(self, s: Submission) -> date:
        """The first working day after the deadline: the day the citizen hears it passed."""
        return self.calendar.next_working_day(s.deadline)

    async def sweep(self, as_of: date | None = None) -> SweepReport:
        as_of = as_of or today(self.clock)
        states = {r["number"]: r for r in await self.store.records(WATCH)}
        citizens: dict[str, Citizen | None] = {}  # read once per sweep: many requests, few citizens
        report = SweepReport(as_of)
        for s in await self.store.open_submissions():
            report.checked += 1
            state = states.get(s.registration_number)
            if not watched(s) or (state and state["stage"] in QUIET):
                continue
            if state is None and as_of >= self.reported_on(s):
                if await self._alert(s, "late", citizens):
                    report.alerted.append(s.registration_number)
                await self._advance(s.registration_number, None, "alerted")
            elif state and state["stage"] == "snoozed" and as_of >= date.fromisoformat(state["until"]):
                if await self._alert(s, "again", citizens):
                    report.asked_again.append(s.registration_number)
                await self._advance(s.registration_number, "snoozed", "asked_again")
        return report

    async def _alert(self, s: Submission, round: str, citizens: dict[str, Citizen | None]) -> int:
        """Queue the alert on each of the citizen's channels; how many this call queued (a
        channel queued before, by another sweep, is not queued again)."""
        if s.citizen_key not in citizens:
            citizens[s.citizen_key] = await self.store.get_citizen(s.citizen_key)
        citizen = citizens[s.citizen_key]
        if citizen is None:
            log.info("an overdue request whose citizen is gone")
            return 0
        agency = self.directory.get(s.agency_id)
        params = {
            "number": s.registration_number,
            "agency": Localized(agency.short_ka, agency.short_en) if agency else s.agency_id,
            "registered": s.registered_at.astimezone(TBILISI).date(),
            "deadline": s.deadline,
            "allowed": Text(f"allowed.{s.request_type}"),
        }
        key = "alert.late_complaint" if s.linked_to else "alert.late"
        event = {"type": "late", "registration_number": s.registration_number, "deadline": s.deadline.isoformat()}
        reply = reply_to_json(Reply(key, params, follow_up_choices(s), event))
        queued = 0
        for channel, address in targets(citizen).items():
            queued += await self.store.enqueue(Notification(
                key=f"late:{s.registration_number}:{round}:{channel}", channel=channel, address=address,
                lang=citizen.lang or "ka", reply=reply, due_at=self.clock.now().timestamp(),
                citizen_key=citizen.key,
            ))
        return queued

    async def _advance(self, number: str, was: str | None, stage: str) -> None:
        """Mark `stage` unless the record moved on since this sweep read it (the citizen chose
        "Not now", or a sweep running beside this one got there first)."""
        state = await self.store.get_record(WATCH, number)
        if (state and state["stage"]) == was:
            await self._mark(number, stage)

    async def _mark(self, number: str, stage: str, until: date | None = None) -> None:
        record = {"number": number, "stage": stage, "until": until.isoformat() if until else None,
                  "at": self.clock.now().isoformat()}
        await self.store.put_record(WATCH, number, record)

    async def not_now(self, number: str) -> bool:
        """Ask again once, a week from today. False: it was already asked again (now it is quiet)."""
        state = await self.store.get_record(WATCH, number)
        if state and state["stage"] in ("asked_again", "quiet"):
            await self._mark(number, "quiet")
            return False
        await self._mark(number, "snoozed", today(self.clock) + ASK_AGAIN_AFTER)
        return True

    async def close(self, number: str, stage: str = "closed") -> None:
        """Nothing more is said about this request: answered elsewhere, reminded or complained."""
        await self._mark(number, stage)
