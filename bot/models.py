"""The records Kavshiri keeps. Plain dataclasses; every backend stores them as JSON."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

REQUEST_TYPES = ("information_request", "application", "complaint", "letter")

# Submission statuses as the portal reports them.
OPEN_STATUSES = ("registered", "in_progress")
FINAL_STATUSES = ("completed", "refused")

# Outgoing-message delivery statuses (Twilio's), in the order they can follow one another:
# a status is kept only when it ranks above the stored one, so a late "sent" never overwrites
# "delivered", and one final status (delivered, undelivered, failed) never replaces another.
DELIVERY_RANK = {"queued": 0, "accepted": 0, "sending": 1, "sent": 2, "delivered": 3, "undelivered": 3,
                 "failed": 3, "read": 4}
UNDELIVERED = ("undelivered", "failed")


@dataclass(slots=True)
class Session:
    """Where a conversation is: flow step, the draft's slots, what was last offered."""

    key: str  # "<channel>:<address>"
    step: str = "start"
    draft: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    offered: list[str] = field(default_factory=list)
    updated_at: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Session:
        return cls(**data)


@dataclass(slots=True)
class Citizen:
    key: str  # "<channel>:<address>"
    channel: str
    address: str
    lang: str | None = None
    portal_id: str | None = None
    created_at: str = ""
    agency: str | None = None  # the agency whose website they came from (web chat)
    # Where else alerts go, as "<channel>:<address>" ("email:a@example.ge", "sms:+995555123456").
    notify: list[str] = field(default_factory=list)
    sms_script: str = "geo"  # "geo" (Mkhedruli) or "latin" (national romanisation) on SMS
    silenced: bool = False  # nothing is sent on this channel (SMS STOP, Telegram bot blocked)
    # When they last wrote to us on WhatsApp (ISO): free-form messages only within 24 hours of it.
    last_inbound_at: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Citizen:
        return cls(**data)


@dataclass(slots=True)
class Submission:
    registration_number: str
    citizen_key: str
    portal_id: str
    agency_id: str
    request_type: str
    subject: str
    registered_at: datetime
    deadline: date
    status: str = "registered"
    answer_url: str | None = None
    completed_at: datetime | None = None
    alerted: bool = False
    linked_to: str | None = None  # the request a reminder or complaint follows up
    rights_explained: bool | None = None  # a refusal came with the written explanation of rights

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["registered_at"] = self.registered_at.isoformat()
        data["deadline"] = self.deadline.isoformat()
        data["completed_at"] = self.completed_at.isoformat() if self.completed_at else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Submission:
        data = dict(data)
        data["registered_at"] = datetime.fromisoformat(data["registered_at"])
        data["deadline"] = date.fromisoformat(data["deadline"])
        if data.get("completed_at"):
            data["completed_at"] = datetime.fromisoformat(data["completed_at"])
        return cls(**data)


@dataclass(slots=True)
class Notification:
    """An alert waiting in the outbox. `key` makes enqueueing idempotent."""

    key: str
    channel: str
    address: str
    lang: str
    reply: dict[str, Any]  # bot.messages.reply_to_json(...)
    attempts: int = 0
    due_at: float = 0.0  # unix seconds
    last_error: str | None = None
    citizen_key: str | None = None  # whose alert it is: another channel of theirs may stand in

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Notification:
        return cls(**data)
