"""The contract every chat connector fills: what it can carry, as data, and one way to send.

Flows ask "can this channel carry files?" or "how long may one message be?", never "is this SMS?".
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.messages import Reply


@dataclass(frozen=True, slots=True)
class Capabilities:
    files: bool = False  # citizens can send photos and documents through it
    # The most characters one reply may hold and still arrive whole (an SMS reply's segment budget);
    # None: any length, the connector splits it (Telegram's 4,096) or shows it whole (web, console).
    max_chars: int | None = None


@runtime_checkable
class Channel(Protocol):
    capabilities: Capabilities

    async def send(self, address: str, lang: str, reply: Reply) -> str | None: ...
