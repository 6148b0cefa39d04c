"""Delivers queued notifications through the channel senders, with a fixed retry schedule.

A sender that hands a message to a provider which reports on it later (Twilio's status callbacks)
returns the provider's message id; the notification is linked to it, so that a later report of a
temporary failure queues it again and a permanent one gives it up (and lets another channel of
the citizen's stand in, through the `on_dead` hooks).
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from bot import metrics
from bot.messages import Reply, reply_from_json
from bot.models import UNDELIVERED, Notification
from bot.ports import Clock, Store

log = logging.getLogger(__name__)

# Seconds to wait before each retry; after the last one the notification is dead-lettered.
RETRY_SCHEDULE = (10, 60, 300, 1800, 7200)


class DeliveryError(Exception):
    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Sender(Protocol):
    # The provider's message id when it reports delivery later, else None.
    async def send(self, address: str, lang: str, reply: Reply) -> str | None: ...


GiveUp = Callable[[Notification], Awaitable[None]]


class Outbox:
    def __init__(self, store: Store, senders: dict[str, Sender], clock: Clock, batch: int = 20,
                 on_dead: Sequence[GiveUp] = ()) -> None:
        self.store, self.senders, self.clock, self.batch = store, senders, clock, batch
        self.on_dead = on_dead  # each is told of every notification given up

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
            message_id = await sender.send(n.address, n.lang, reply_from_json(n.reply))
        except DeliveryError as error:
            await self._failed(n, str(error), error.permanent)
            return False
        except Exception as error:  # a sender bug must not stop the other deliveries
            log.exception("sender failed")
            await self._failed(n, type(error).__name__, permanent=False)
            return False
        if message_id:  # before completing: a report may come back at once
            await self.store.link_delivery(message_id, n)
        await self.store.complete(n)
        metrics.alert(n.channel, "sent")
        if ids := [c["id"] for c in n.reply.get("choices", ())]:
            await self._offer(f"{n.channel}:{n.address}", ids)
        if message_id and await self.store.delivery(message_id) in UNDELIVERED:
            # Reported before the link or the completion, the failure found nothing to act on. Its
            # code is not kept: it counts as temporary (the retries are bounded), and acts once.
            await self.undelivered(message_id, "reported undelivered as it was sent", permanent=False)
        return True

    async def _offer(self, conversation: str, ids: list[str]) -> None:
        """An alert's choices become the conversation's offered ones: a numbered menu (SMS) is
        answered by position, so "1" must pick what the alert, the last message, listed first."""
        async with self.store.conversation(conversation) as held:
            if held.session is not None:
                held.session.offered = ids

    async def undelivered(self, message_id: str, error: str, permanent: bool) -> bool:
        """The provider reports that a message it took never arrived. False: no notification
        of ours (a conversation reply) or one already acted on."""
        n = await self.store.linked_delivery(message_id)
        if n is None:
            return False
        if not permanent and n.attempts < len(RETRY_SCHEDULE):
            due = self.clock.now().timestamp() + RETRY_SCHEDULE[n.attempts]
            if reopened := await self.store.reopen(n, due, error):
                metrics.alert(n.channel, "failed")
            return reopened
        log.warning("notification undelivered after %d attempts: %s", n.attempts + 1, error)
        if not await self.store.undelivered(n, error):
            return False
        metrics.alert(n.channel, "given_up")
        await self._gave_up(n)
        return True

    async def _failed(self, n: Notification, error: str, permanent: bool) -> None:
        if permanent or n.attempts >= len(RETRY_SCHEDULE):
            log.warning("notification dead-lettered after %d attempts: %s", n.attempts + 1, error)
            await self.store.dead_letter(n, error)
            metrics.alert(n.channel, "given_up")
            await self._gave_up(n)
            return
        due = self.clock.now().timestamp() + RETRY_SCHEDULE[n.attempts]
        await self.store.retry(n, due, error)
        metrics.alert(n.channel, "failed")

    async def _gave_up(self, n: Notification) -> None:
        for hook in self.on_dead:
            try:
                await hook(n)
            except Exception:  # best effort: the outbox keeps going
                log.exception("a hook for a dead notification failed")
