"""Delivers the stand-in portal's signed completion callbacks from the `callbacks` table.

Status changes write their event in the same transaction as the change; this background task
sends what is pending, `attempts` times at most with exponential backoff, and records each
attempt. A callback counts as delivered on any 2xx answer."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import httpx

from connectors.portal import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_callback
from portal_sim.db import SimDB

log = logging.getLogger("portal_sim.callbacks")


class CallbackSender:
    def __init__(
        self,
        db: SimDB,
        url: str,
        secret: str,
        *,
        attempts: int = 5,
        backoff: float = 1.0,
        timeout: float = 5.0,
    ) -> None:
        self._db = db
        self._url = url
        self._secret = secret
        self._attempts = attempts
        self._backoff = backoff
        self._client = httpx.AsyncClient(timeout=timeout)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="portal-sim-callbacks")

    def wake(self) -> None:
        """Called after a status change so its callback goes out now, not at the next poll."""
        self._wake.set()

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._client.aclose()

    async def _run(self) -> None:
        await self._db.make_pending_due()
        while True:
            self._wake.clear()  # before reading, so a change made meanwhile wakes us again
            try:
                for callback in await self._db.due_callbacks(time.time()):
                    await self._deliver(callback)
                due = await self._db.next_callback_due()
            except Exception:
                log.exception("callback loop failed; trying again shortly")
                due = time.time() + self._backoff
            wait = None if due is None else max(0.0, due - time.time())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)

    async def _deliver(self, callback: dict[str, Any]) -> None:
        body = callback["body"].encode()
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign_callback(self._secret, timestamp, body),
        }
        attempt = callback["attempts"] + 1
        try:
            response = await self._client.post(self._url, content=body, headers=headers)
            error = None if response.is_success else f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            error = type(exc).__name__
        if error is None:
            state, next_at = "delivered", 0.0
        elif attempt >= self._attempts:
            state, next_at = "abandoned", 0.0
        else:
            state, next_at = "pending", time.time() + self._backoff * 2 ** (attempt - 1)
        log.info("callback %s attempt %d: %s", callback["event_id"], attempt, error or "delivered")
        await self._db.record_attempt(callback["id"], state, next_at, error)
