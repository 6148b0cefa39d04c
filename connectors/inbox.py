"""Pull channels (the console and the web chat): a notification waits in the citizen's inbox
until their client next asks, and is rendered there in their language."""
from __future__ import annotations

from bot.messages import Reply, reply_to_json
from bot.ports import Store


class InboxSender:
    def __init__(self, store: Store, channel: str) -> None:
        self.store, self.channel = store, channel

    async def send(self, address: str, lang: str, reply: Reply) -> None:
        await self.store.push_inbox(f"{self.channel}:{address}", {"lang": lang, "reply": reply_to_json(reply)})
