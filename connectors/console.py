"""The console channel, for people and scripts.

Text mode prints replies with numbered choices (type the number to choose); `--json` mode reads
one message per line (free text, or `/choose ID`) and writes one JSON object per bot message.
Alerts waiting in the citizen's inbox are shown first and after every message.
"""
from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

from bot.engine import Engine
from bot.messages import Inbound, Reply, reply_from_json
from bot.ports import Store
from connectors.i18n import Catalog, message_json

CHANNEL = "console"
ReadLine = Callable[[], Awaitable[str | None]]
Write = Callable[[str], None]


class Console:
    def __init__(self, engine: Engine, store: Store, catalog: Catalog, user: str, as_json: bool,
                 write: Write) -> None:
        self.engine, self.store, self.catalog = engine, store, catalog
        self.user, self.as_json, self.write = user, as_json, write
        self.choices: list[str] = []
        self.count = 0

    async def run(self, read_line: ReadLine, lang: str | None = None) -> None:
        await self.engine.citizen(CHANNEL, self.user, lang)
        await self.flush_inbox()
        while (line := await read_line()) is not None:
            line = line.rstrip("\r\n")
            outcome = await self.engine.handle(self.inbound(line))
            for reply in outcome.replies:
                self.show(outcome.lang, reply)
            await self.flush_inbox()

    def inbound(self, line: str) -> Inbound:
        self.count += 1
        common = {"channel": CHANNEL, "address": self.user, "message_id": str(self.count),
                  "at": datetime.now(timezone.utc)}
        if line.startswith("/choose "):
            return Inbound(choice=line.removeprefix("/choose ").strip(), **common)
        if not self.as_json and line.strip().isdigit() and 1 <= int(line) <= len(self.choices):
            return Inbound(choice=self.choices[int(line) - 1], **common)
        return Inbound(text=line, **common)

    async def flush_inbox(self) -> None:
        for item in await self.store.drain_inbox(f"{CHANNEL}:{self.user}"):
            self.show(item["lang"], reply_from_json(item["reply"]))

    def show(self, lang: str, reply: Reply) -> None:
        message = message_json(self.catalog, lang, reply)
        if self.as_json:
            self.write(json.dumps(message, ensure_ascii=False))
            return
        self.choices = [c["id"] for c in message["choices"]] or self.choices
        lines = [message["text"]]
        lines += [f"  [{n}] {c['label']}" for n, c in enumerate(message["choices"], 1)]
        self.write("\n".join(lines) + "\n")
