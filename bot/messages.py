"""What flows in and out of the engine: channel-neutral, transport-free values.

A `Reply` names a catalog message and its parameters; the connector renders it in the
citizen's language at the edge. Parameters stay JSON-friendly through `encode`/`decode`,
so a reply can wait in the outbox and be rendered later.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Inbound:
    """One thing a citizen did: typed `text` or pressed `choice` (a stable ASCII id)."""

    channel: str
    address: str
    text: str | None = None
    choice: str | None = None
    message_id: str = ""
    at: datetime | None = None
    lang_hint: str | None = None  # the language the channel reports (Telegram's), for a new citizen
    once: str | None = None  # a delivery id the channel may repeat: the turn happens the first time only

    @property
    def citizen_key(self) -> str:
        return f"{self.channel}:{self.address}"


@dataclass(frozen=True, slots=True)
class Localized:
    """A value that exists in both languages (an agency's name), picked at render time."""

    ka: str
    en: str

    def pick(self, lang: str) -> str:
        return self.ka if lang == "ka" else self.en


@dataclass(frozen=True, slots=True)
class Text:
    """A catalog message id with its parameters."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Choice:
    """A button: `id` is what comes back (Telegram callback_data, SMS menu number, web JSON)."""

    id: str
    label: Text | Localized


@dataclass(frozen=True, slots=True)
class Reply:
    key: str
    params: dict[str, Any] = field(default_factory=dict)
    choices: tuple[Choice, ...] = ()
    event: dict[str, Any] | None = None


def encode(value: Any) -> Any:
    """Turn reply parameters into JSON-safe data (tagged, so `decode` restores them)."""
    if isinstance(value, Text):
        return {"$text": value.key, "params": encode(value.params)}
    if isinstance(value, Localized):
        return {"$l": {"ka": value.ka, "en": value.en}}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    return value


def decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "$text" in value:
            return Text(value["$text"], decode(value.get("params", {})))
        if "$l" in value:
            return Localized(**value["$l"])
        if "$datetime" in value:
            return datetime.fromisoformat(value["$datetime"])
        if "$date" in value:
            return date.fromisoformat(value["$date"])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def reply_to_json(reply: Reply) -> dict[str, Any]:
    return {
        "key": reply.key,
        "params": encode(reply.params),
        "choices": [{"id": c.id, "label": encode(c.label)} for c in reply.choices],
        "event": reply.event,
    }


def reply_from_json(data: dict[str, Any]) -> Reply:
    return Reply(
        key=data["key"],
        params=decode(data["params"]),
        choices=tuple(Choice(c["id"], decode(c["label"])) for c in data["choices"]),
        event=data.get("event"),
    )
