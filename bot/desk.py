"""The operator desk: who is online for which agency, the queue of citizens waiting for a person,
live conversations, tickets left when nobody could answer, and the audit of operator actions.

Its state lives in the Store's records and logs, so every API process sees the same desk.
What an operator says reaches the citizen through the outbox, like any other notification,
so it works on every channel that has a sender.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo

from bot.deadline import WorkCalendar
from bot.messages import Choice, Reply, Text, reply_to_json
from bot.models import Notification
from bot.ports import Clock, Store

TBILISI = ZoneInfo("Asia/Tbilisi")
ONLINE_GRACE_SECONDS = 90  # an "online" operator whose console went quiet this long is away
AUDIT_LOG = "audit"
QUEUE = "waiting"  # record kind: one entry per citizen waiting for, or talking to, an operator

# Named outcomes of asking for a person, in the order they are checked (Bürokratt's chain).
NO_LIVE_AGENTS = "no_live_agents"  # nobody ever answers this agency's chats
HOLIDAY = "holiday"
OUTSIDE_HOURS = "outside_hours"
NONE_ONLINE = "none_online"
AVAILABLE = "available"


@dataclass(frozen=True, slots=True)
class OfficeHours:
    """Working-day hours in Tbilisi time; `None` in settings means around the clock."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> OfficeHours | None:
        if not text.strip():
            return None
        start, _, end = text.partition("-")
        return cls(time.fromisoformat(start.strip()), time.fromisoformat(end.strip()))

    def params(self) -> dict[str, str]:
        return {"start": self.start.strftime("%H:%M"), "end": self.end.strftime("%H:%M")}


def serves(operator: dict[str, Any], agency_id: str) -> bool:
    return not operator["agencies"] or agency_id in operator["agencies"]


def transcript_key(citizen_key: str) -> str:
    return f"transcript:{citizen_key}"


class Desk:
    def __init__(self, store: Store, clock: Clock, calendar: WorkCalendar, hours: OfficeHours | None) -> None:
        self.store, self.clock, self.calendar, self.hours = store, clock, calendar, hours

    def _now(self) -> float:
        return self.clock.now().timestamp()

    # Availability

    async def availability(self, agency_id: str) -> str:
        operators = [o for o in await self.store.records("operator") if serves(o, agency_id)]
        if not operators:
            return NO_LIVE_AGENTS
        if self.hours is not None:
            local = self.clock.now().astimezone(TBILISI)
            if self.calendar.holiday_name(local.date()):
                return HOLIDAY
            if local.weekday() >= 5 or not self.hours.start <= local.time() < self.hours.end:
                return OUTSIDE_HOURS
        if not any(self.is_online(o) for o in operators):
            return NONE_ONLINE
        return AVAILABLE

    async def operators_online(self) -> int:
        return sum(1 for o in await self.store.records("operator") if self.is_online(o))

    def is_online(self, operator: dict[str, Any]) -> bool:
        return operator.get("online", False) and self._now() - operator.get("seen_at", 0) < ONLINE_GRACE_SECONDS

    async def set_presence(self, login: str, online: bool) -> None:
        if await self.seen(login, online):
            await self.audit(login, "online" if online else "away")

    async def seen(self, login: str, online: bool | None = None) -> bool:
        """Mark the operator present (and online or away). The record is read afresh, so a
        password reset or agency change made meanwhile is never written back over."""
        operator = await self.store.get_record("operator", login)
        if operator is None:
            return False
        operator["seen_at"] = self._now()
        if online is not None:
            operator["online"] = online
        await self.store.put_record("operator", login, operator)
        return True

    # The queue and live conversations

    async def enqueue(self, citizen_key: str, agency_id: str) -> int:
        """Put the citizen in the agency's queue (once); returns their place in it."""
        if await self.store.get_record(QUEUE, citizen_key) is None:
            await self.store.put_record(QUEUE, citizen_key, {
                "citizen_key": citizen_key, "agency_id": agency_id, "since": self._now(),
                "state": "waiting", "operator": None,
            })
        return await self.position(citizen_key)

    async def position(self, citizen_key: str) -> int:
        mine = await self.store.get_record(QUEUE, citizen_key)
        if mine is None or mine["state"] != "waiting":
            return 0
        queue = [w for w in await self.store.records(QUEUE)
                 if w["state"] == "waiting" and w["agency_id"] == mine["agency_id"]]
        return 1 + sum(w["since"] < mine["since"] for w in queue)

    async def live_operator(self, citizen_key: str) -> str | None:
        return live_operator(await self.store.get_record(QUEUE, citizen_key))

    async def conversations(self, operator: dict[str, Any]) -> list[dict[str, Any]]:
        """What this operator may see: the agencies' queue, oldest first, and their own live chats."""
        mine = [w for w in await self.store.records(QUEUE) if serves(operator, w["agency_id"])
                and (w["state"] == "waiting" or w["operator"] == operator["login"])]
        return sorted(mine, key=lambda w: w["since"])

    async def take(self, operator: dict[str, Any], citizen_key: str) -> bool:
        record = await self.store.get_record(QUEUE, citizen_key)
        if record is None or record["state"] != "waiting" or not serves(operator, record["agency_id"]):
            return False
        # Two operators pressing "take" at once: the store's atomic first_time picks one.
        if not await self.store.first_time(f"take:{citizen_key}:{record['since']}", 86_400):
            return False
        record.update(state="live", operator=operator["login"])
        await self.store.put_record(QUEUE, citizen_key, record)
        await self.audit(operator["login"], "take", citizen_key)
        await self.tell(citizen_key, Reply("handover.joined", {"name": operator["name"]},
                                           choices=(Choice("end_chat", Text("choice.end_chat")),)))
        return True

    async def say(self, operator: dict[str, Any], citizen_key: str, text: str) -> bool:
        if await self.live_operator(citizen_key) != operator["login"]:
            return False
        await self.audit(operator["login"], "say", citizen_key, text)
        event = {"type": "operator", "name": operator["name"]}
        await self.tell(citizen_key, Reply("operator.message", {"text": text}, event=event))
        return True

    async def release(self, operator: dict[str, Any], citizen_key: str, action: str) -> bool:
        """`hand_back` (the bot continues) or `close` (the conversation is over)."""
        if await self.live_operator(citizen_key) != operator["login"]:
            return False
        await self.store.delete_record(QUEUE, citizen_key)
        await self.audit(operator["login"], action, citizen_key)
        key = "handover.back_to_bot" if action == "hand_back" else "handover.closed"
        await self.tell(citizen_key, Reply(key, choices=(Choice("menu", Text("choice.menu")),)))
        return True

    async def leave(self, citizen_key: str) -> None:
        """The citizen stops waiting, or ends the chat with the person."""
        await self.store.delete_record(QUEUE, citizen_key)

    # Tickets: messages left when no one could answer

    async def open_ticket(self, citizen_key: str, agency_id: str, message: str, contact: str) -> str:
        number = f"T-{uuid.uuid4().int % 10**10:010d}"  # digits: readable aloud in any language
        await self.store.put_record("ticket", number, {
            "number": number, "citizen_key": citizen_key, "agency_id": agency_id, "message": message,
            "contact": contact, "created_at": self._now(), "state": "open",
        })
        return number

    async def tickets(self, operator: dict[str, Any]) -> list[dict[str, Any]]:
        found = [t for t in await self.store.records("ticket") if t["state"] == "open" and serves(operator, t["agency_id"])]
        return sorted(found, key=lambda t: t["created_at"])

    async def close_ticket(self, operator: dict[str, Any], number: str) -> bool:
        ticket = await self.store.get_record("ticket", number)
        if ticket is None or not serves(operator, ticket["agency_id"]):
            return False
        ticket["state"], ticket["closed_at"] = "closed", self._now()
        await self.store.put_record("ticket", number, ticket)
        await self.audit(operator["login"], "close_ticket", ticket["citizen_key"])
        return True

    async def forget_closed_tickets(self, before: float) -> int:
        """Deletes the tickets closed before `before` (unix seconds): the citizen's message and
        contact are not kept once handled; the audit log keeps that it was. How many went."""
        gone = 0
        for t in await self.store.records("ticket"):
            if t["state"] == "closed" and t.get("closed_at", t["created_at"]) < before:
                await self.store.delete_record("ticket", t["number"])
                gone += 1
        return gone

    # Delivery and audit

    async def tell(self, citizen_key: str, reply: Reply) -> None:
        citizen = await self.store.get_citizen(citizen_key)
        if citizen is None:
            return
        await self.store.enqueue(Notification(
            key=f"desk:{uuid.uuid4().hex}", channel=citizen.channel, address=citizen.address,
            lang=citizen.lang or "ka", reply=reply_to_json(reply), due_at=self._now(),
        ))

    async def audit(self, login: str, action: str, citizen_key: str = "", text: str | None = None) -> None:
        entry = {"at": self.clock.now().isoformat(), "operator": login, "action": action, "conversation": citizen_key}
        if text is not None:
            entry["text"] = text
        await self.store.append_log(AUDIT_LOG, entry)


def live_operator(queue_entry: dict[str, Any] | None) -> str | None:
    """The operator talking with the citizen whose queue entry this is, if one is."""
    return queue_entry["operator"] if queue_entry and queue_entry["state"] == "live" else None
