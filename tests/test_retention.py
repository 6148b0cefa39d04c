"""The retention policy as deployed: read from the environment, checked at start, and run by the
worker. What each store keeps and forgets is in tests/test_store_contract.py."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from bot.retention import Retention
from connectors.redis_store import RedisStore
from connectors.sqlite_store import SqliteStore
from kavshiri.app import open_store
from kavshiri.settings import Settings


class DaysAgo:
    def __init__(self, days: float) -> None:
        self.at = datetime.now(timezone.utc) - timedelta(days=days)

    def now(self) -> datetime:
        return self.at


def test_retention_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("RETENTION_SESSION_DAYS", "7")
    monkeypatch.setenv("RETENTION_AUDIT_DAYS", "730")
    retention = Settings(kavshiri_home=tmp_path).retention
    assert (retention.sessions, retention.audit, retention.outbox_sent) == (7, 730, 90)


@pytest.mark.parametrize("wrong", [{"sessions": 0}, {"transcripts": -1}, {"outbox_sent": 10}])
def test_a_policy_that_would_lose_what_is_needed_is_refused(wrong):
    with pytest.raises(ValueError):
        Retention(**wrong)  # a sent key must outlive the delivery statuses that can reopen it


async def test_the_store_refuses_to_open_on_a_wrong_policy(monkeypatch, tmp_path):
    monkeypatch.setenv("RETENTION_OUTBOX_SENT_DAYS", "7")
    with pytest.raises(ValueError, match="delivery"):
        await open_store(Settings(kavshiri_home=tmp_path, redis_url=None))


async def test_the_worker_sweeps_what_is_past_its_time(kv):  # on both backends
    """Another process wrote the audit a year and a day ago and yesterday; the running worker
    drops the old entry (on Redis too: list items do not expire by themselves)."""
    settings = kv.settings
    for days in (366, 1):
        if settings.redis_url:
            writer = RedisStore.from_url(settings.redis_url, settings.redis_prefix, clock=DaysAgo(days))
        else:
            writer = await SqliteStore.open(settings.sqlite_path, clock=DaysAgo(days))
        await writer.append_log("audit", {"operator": "nino", "days": days})
        await writer.close()
    worker = asyncio.create_task(kv.run_worker())
    try:
        for _ in range(200):
            if len(await kv.store.read_log("audit", 10)) == 1:
                break
            await asyncio.sleep(0.05)
    finally:
        worker.cancel()
    assert await kv.store.read_log("audit", 10) == [{"operator": "nino", "days": 1}]
