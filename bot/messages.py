"""What flows in and out of the engine: channel-neutral, transport-free values.

A `Reply` names a catalog message and its parameters; the connector renders it in the
citizen's language at the edge. Parameters stay JSON-friendly through `encode`/`decode`,
so a reply can wait in the outbox and be rendered later.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


class FileTooLarge(Exception):
    """The file turned out larger than the limit it was fetched with."""


class FileUnavailable(Exception):
    """The channel could not hand the file over."""


@dataclass(frozen=True, slots=True)
class InboundFile:
    """A photo or document sent with a message. The connector only describes it; the engine
    fetches it when it will keep it: `fetch(limit)` returns the bytes, or raises FileTooLarge
    past `limit` bytes, or FileUnavailable."""

    name: str
    content_type: str  # as the channel declares it; "" when it does not
    size: int | None  # as the channel declares it; None when unknown before fetching
    fetch: Callable[[int], Awaitable[bytes]] = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Inbound:
    """One thing a citizen did: typed `text` or pressed `choice` (a stable ASCII id), perhaps
    with files (then `text` is their caption)."""

    channel: str
    address: str
    text: str | None = None
    choice: str | None = None
    message_id: str = ""
    at: datetime | None = None
    lang_hint: str | None = None  # the language the channel reports (Telegram's), for a new citizen
    once: str | None = None  # a delivery id the channel may repeat: the turn happens the first time only
    files: tuple[InboundFile, ...] = ()

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
class Size:
    """A number of bytes, written in the citizen's language when rendered."""

    bytes: int


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
    if isinstance(value, Size):
        return {"$bytes": value.bytes}
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
        if "$bytes" in value:
            return Size(value["$bytes"])
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
