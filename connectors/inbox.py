"""Pull channels (the console and the web chat): a notification waits in the citizen's inbox
until their client next asks, and is rendered there in their language. A client that stays
connected (the widget's socket) is woken when something is pushed, instead of asking again and
again: `InboxWatchers` are the stores' in-process half of that."""
from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.messages import Reply, reply_to_json
from bot.ports import Store


class InboxSender:
    def __init__(self, store: Store, channel: str) -> None:
        self.store, self.channel = store, channel

    async def send(self, address: str, lang: str, reply: Reply) -> None:
        await self.store.push_inbox(f"{self.channel}:{address}", {"lang": lang, "reply": reply_to_json(reply)})


class InboxWatchers:
    """The events of this process's clients waiting on an inbox, set when it is pushed to."""

    def __init__(self) -> None:
        self.events: dict[str, set[asyncio.Event]] = defaultdict(set)

    @asynccontextmanager
    async def watch(self, address: str) -> AsyncIterator[asyncio.Event]:
        event = asyncio.Event()
        self.events[address].add(event)
        try:
            yield event
        finally:
            self.events[address].discard(event)
            if not self.events[address]:
                del self.events[address]

    def pushed(self, address: str) -> None:
        for event in self.events.get(address, ()):
            event.set()

    def all_pushed(self) -> None:
        """Wake everyone (after a lost subscription: a push may have been missed)."""
        for events in self.events.values():
            for event in events:
                event.set()
