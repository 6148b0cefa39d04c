"""A receipt for every submission: what was sent, to whom, when it was registered and when the
answer is due, with a SHA-256 of the text exactly as the portal received it.

Kept as a record beside the submission (as long as the request is listed), under a random key
that makes its download link unguessable: the link is the citizen's, on any channel.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from bot.messages import Localized, Reply, reply_to_json
from bot.models import Citizen, Notification
from bot.ports import Clock, Store

KIND = "receipt"


@dataclass(frozen=True, slots=True)
class Receipt:
    registration_number: str
    lang: str
    agency_id: str
    request_type: str
    subject: str
    text: str
    registered_at: datetime
    deadline: date
    key: str  # the download links' secret
    attachments: tuple[str, ...] = ()  # file names

    @property
    def sha256(self) -> str:
        return digest(self.text)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(registered_at=self.registered_at.isoformat(), deadline=self.deadline.isoformat(),
                    attachments=list(self.attachments))
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Receipt:
        return cls(**{**data, "registered_at": datetime.fromisoformat(data["registered_at"]),
                      "deadline": date.fromisoformat(data["deadline"]), "attachments": tuple(data["attachments"])})


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


async def keep(store: Store, receipt_fields: dict[str, Any]) -> Receipt:
    receipt = Receipt(key=secrets.token_urlsafe(16), **receipt_fields)
    await store.put_record(KIND, receipt.registration_number, receipt.to_json())
    return receipt


async def find(store: Store, registration_number: str, key: str) -> Receipt | None:
    """The receipt, only for the holder of its key."""
    data = await store.get_record(KIND, registration_number)
    if data is None or not hmac.compare_digest(data["key"].encode(), key.encode()):
        return None
    return Receipt.from_json(data)


async def load(store: Store, registration_number: str) -> Receipt | None:
    """The receipt, for a channel sending it to its own citizen."""
    data = await store.get_record(KIND, registration_number)
    return Receipt.from_json(data) if data else None


async def confirm_by_email(store: Store, clock: Clock, citizen: Citizen, receipt: Receipt, agency: Localized | str) -> None:
    """A citizen who gets alerts by e-mail gets the receipt there too, once, as attachments."""
    for target in citizen.notify:
        channel, _, address = target.partition(":")
        if channel != "email":
            continue
        event = {"type": "receipt", "registration_number": receipt.registration_number, "receipt": receipt.key}
        reply = Reply("receipt.email", {"number": receipt.registration_number, "agency": agency,
                                        "deadline": receipt.deadline}, event=event)
        await store.enqueue(Notification(
            key=f"receipt:{receipt.registration_number}:email", channel=channel, address=address,
            lang=receipt.lang, reply=reply_to_json(reply), due_at=clock.now().timestamp(), citizen_key=citizen.key))
