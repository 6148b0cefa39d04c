"""The small interfaces the engine receives. Implementations live in connectors/."""
from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bot.models import Citizen, Notification, Session, Submission
from published.register import Entry


class Clock(Protocol):
    def now(self) -> datetime: ...  # timezone-aware


ONCE_SECONDS = 2 * 86_400  # how long a turn's `once` key is remembered (Telegram retries for a day)
# A transcript ("transcript:…" log) keeps its newest items within this many bytes of JSON, so no
# conversation can fill the store; a reloaded page shows 500 messages, far less than this.
TRANSCRIPT_BYTES = 2_000_000


@dataclass(slots=True)
class Held:
    """A conversation held for one turn: read as its lock is taken, and on a normal exit its
    session (and the citizen, if `citizen_changed`) written back as the lock is released, so
    a turn costs two store round trips. `records` maps each asked-for kind to the record filed
    under the conversation's key (the desk's queue entry), or None. `seen`: the turn's `once`
    key was saved by an earlier turn (a channel's re-delivery)."""

    citizen: Citizen | None
    session: Session | None
    records: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    seen: bool = False
    citizen_changed: bool = False


class Store(Protocol):
    """Sessions, citizens, submissions, the outbox and pull-channel inboxes."""

    async def load_session(self, key: str) -> Session | None: ...
    async def save_session(self, session: Session) -> None: ...

    async def get_citizen(self, key: str) -> Citizen | None: ...
    async def save_citizen(self, citizen: Citizen) -> None: ...

    async def save_submission(self, submission: Submission) -> None: ...  # upsert by number
    async def get_submission(self, registration_number: str) -> Submission | None: ...
    async def list_submissions(self, citizen_key: str) -> list[Submission]: ...  # newest first
    async def open_submissions(self) -> list[Submission]: ...
    async def all_submissions(self) -> list[Submission]: ...  # every citizen's, for figures per body

    async def enqueue(self, notification: Notification) -> bool: ...  # False: key seen before
    async def claim_due(self, now: float, limit: int) -> list[Notification]: ...
    async def complete(self, notification: Notification) -> None: ...
    async def retry(self, notification: Notification, due_at: float, error: str) -> None: ...
    async def dead_letter(self, notification: Notification, error: str) -> None: ...
    # How many notifications are queued (retries included), and how long (seconds before `now`)
    # the longest-waiting due one has been due: 0.0 when none is.
    async def outbox_backlog(self, now: float) -> tuple[int, float]: ...

    async def push_inbox(self, address: str, item: dict[str, Any]) -> None: ...
    async def drain_inbox(self, address: str) -> list[dict[str, Any]]: ...
    # An event set whenever something is pushed to `address`'s inbox, by any process sharing the
    # store, while the context lasts: a client clears it, drains, and waits on it.
    def watch_inbox(self, address: str) -> AbstractAsyncContextManager[asyncio.Event]: ...

    async def first_time(self, key: str, ttl_seconds: int) -> bool: ...  # replay guard

    # Small keyed records (kind, id) and append-only logs: the operator desk keeps its state here.
    async def put_record(self, kind: str, id: str, data: dict[str, Any]) -> None: ...
    async def get_record(self, kind: str, id: str) -> dict[str, Any] | None: ...
    async def records(self, kind: str) -> list[dict[str, Any]]: ...  # ordered by id
    async def delete_record(self, kind: str, id: str) -> None: ...
    async def append_log(self, key: str, item: dict[str, Any]) -> None: ...
    async def read_log(self, key: str, last: int) -> list[dict[str, Any]]: ...  # oldest first

    # One turn at a time per conversation, across every process sharing the store; `once`, if
    # given, is marked (for `ONCE_SECONDS`) together with the turn's save.
    def conversation(self, key: str, records: tuple[str, ...] = (),
                     once: str | None = None) -> AbstractAsyncContextManager[Held]: ...

    # Delivery status of an outgoing message (by the provider's id); never moves backwards.
    # True when this status moved it on: a repeated or late callback is False.
    async def record_delivery(self, message_id: str, status: str) -> bool: ...
    async def delivery(self, message_id: str) -> str | None: ...
    # Which outbox notification a message carried, so a later failure report can act on it.
    async def link_delivery(self, message_id: str, notification: Notification) -> None: ...
    async def linked_delivery(self, message_id: str) -> Notification | None: ...
    # A completed notification that turned out not delivered: queued again (a copy with
    # attempts + 1, due at due_at), or moved to the dead letters. False: it is not completed.
    async def reopen(self, notification: Notification, due_at: float, error: str) -> bool: ...
    async def undelivered(self, notification: Notification, error: str) -> bool: ...

    # Retention (bot/retention.py): removes what is past its time at `now` (unix seconds) and
    # says how many of each kind went; a store may let some kinds expire by themselves instead.
    async def purge(self, now: float) -> dict[str, int]: ...
    async def close(self) -> None: ...


# The portal's limits on attached files (connectors/portal_api.yaml): per file, per correspondence,
# and the types it keeps, by content type with the name citizens know each by.
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENTS_MAX = 5
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ATTACHMENT_TYPES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG", DOCX: "DOCX"}


@dataclass(frozen=True, slots=True)
class Draft:
    agency_id: str
    request_type: str
    subject: str
    body: str
    attachments: tuple[str, ...] = ()  # ids of files uploaded by the same citizen
    linked_to: str | None = None  # the citizen's earlier request this one follows up


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file the portal holds: for the citizen until `expires_at`, or as part of a correspondence."""

    id: str
    name: str
    content_type: str
    size: int
    expires_at: datetime | None = None  # None once it belongs to a correspondence


@dataclass(frozen=True, slots=True)
class Registration:
    registration_number: str
    registered_at: datetime
    status: str


@dataclass(frozen=True, slots=True)
class Correspondence:
    registration_number: str
    agency_id: str
    request_type: str
    subject: str
    registered_at: datetime
    status: str
    answer_url: str | None = None
    completed_at: datetime | None = None
    attachments: tuple[Attachment, ...] = ()
    linked_to: str | None = None
    rights_explained: bool | None = None  # a refusal: did it explain the citizen's rights in writing


class PortalError(Exception):
    """Base of what the portal can do wrong; `reason` picks the citizen's sentence."""

    reason = "portal.error"


class PortalUnavailable(PortalError):
    reason = "portal.unavailable"


class PortalTimeout(PortalError):
    reason = "portal.timeout"


class PortalRejected(PortalError):
    reason = "portal.rejected"

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


class NotFound(PortalError):
    reason = "portal.not_found"


class AttachmentTooLarge(PortalError):
    reason = "attachment.too_large"


class AttachmentTypeRefused(PortalError):
    reason = "attachment.wrong_type"


class Portal(Protocol):
    """The MY.GOV.GE correspondence API as Kavshiri expects it (see connectors/portal_api.yaml).

    `citizen` is the citizen's portal identity; every call acts on their behalf only."""

    async def submit(self, citizen: str, draft: Draft, idempotency_key: str) -> Registration: ...
    async def status(self, citizen: str, registration_number: str) -> Correspondence: ...
    async def list(self, citizen: str) -> list[Correspondence]: ...
    async def upload(self, citizen: str, name: str, content_type: str, data: bytes) -> Attachment: ...
    async def close(self) -> None: ...


class Identity(Protocol):
    """Maps a channel identity to a portal identity. Real MY.GOV.GE linking slots in here."""

    async def portal_id(self, citizen: Citizen) -> str | None: ...


class Register(Protocol):
    """The publication register (Ordinance 219, Annex): what each agency has published."""

    async def put_entries(self, entries: list[Entry]) -> None: ...  # all or none; same key replaces
    async def entries(self, agency_id: str | None = None) -> list[Entry]: ...  # None: every agency
    async def close(self) -> None: ...


class Wording(Protocol):
    """Catalog sentences in a language, for text Kavshiri drafts on a citizen's behalf."""

    def text(self, lang: str, key: str, params: dict[str, Any] | None = None) -> str: ...
