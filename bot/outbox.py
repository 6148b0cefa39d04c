"""Delivers queued notifications through the channel senders, with a fixed retry schedule."""
from __future__ import annotations

import logging
from typing import Protocol

from bot.messages import Reply, reply_from_json
from bot.models import Notification
from bot.ports import Clock, Store

log = logging.getLogger(__name__)

# Seconds to wait before each retry; after the last one the notification is dead-lettered.
RETRY_SCHEDULE = (10, 60, 300, 1800, 7200)


class DeliveryError(Exception):
    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Sender(Protocol):
    async def send(self, address: str, lang: str, reply: Reply) -> None: ...


class Outbox:
    def __init__(self, store: Store, senders: dict[str, Sender], clock: Clock, batch: int = 20) -> None:
        self.store, self.senders, self.clock, self.batch = store, senders, clock, batch

    async def deliver_due(self) -> int:
        delivered = 0
        for notification in await self.store.claim_due(self.clock.now().timestamp(), self.batch):
            if await self._deliver(notification):
                delivered += 1
        return delivered

    async def _deliver(self, n: Notification) -> bool:
        sender = self.senders.get(n.channel)
        try:
            if sender is None:
                raise DeliveryError(f"no sender for channel {n.channel}", permanent=True)
            await sender.send(n.address, n.lang, reply_from_json(n.reply))
        except DeliveryError as error:
            await self._failed(n, str(error), error.permanent)
            return False
        except Exception as error:  # a sender bug must not stop the other deliveries
            log.exception("sender failed")
            await self._failed(n, type(error).__name__, permanent=False)
            return False
        await self.store.complete(n)
        return True

    async def _failed(self, n: Notification, error: str, permanent: bool) -> None:
        if permanent or n.attempts >= len(RETRY_SCHEDULE):
            log.warning("notification dead-lettered after %d attempts: %s", n.attempts + 1, error)
            await self.store.dead_letter(n, error)
            return
        due = self.clock.now().timestamp() + RETRY_SCHEDULE[n.attempts]
        await self.store.retry(n, due, error)
