"""The contract every `bot.ports.Register` keeps; each test runs on SQLite and on Redis.

- `put_entries` stores entries; an entry with the same key (agency, item, period, url) replaces
  the stored one; putting [] changes nothing.
- `entries(agency_id)` returns only that agency's entries, `entries()` every agency's, both in
  key order, equal to what was put (dates, Georgian text, the sample mark and the act's date survive).
- Two registers on the same data (two processes) see each other's writes, and what was
  written stays after `close()` for the next register that opens.
"""
from __future__ import annotations

import os
import uuid
from dataclasses import replace
from datetime import date

import pytest

from connectors.redis_register import RedisRegister
from connectors.sqlite_register import SqliteRegister
from published.register import Entry
from tests.support import delete_keys

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(params=["sqlite", "redis"])
async def open_register(request, tmp_path):
    prefix = f"kvtest:{uuid.uuid4().hex}:"
    opened = []

    async def open_():
        if request.param == "sqlite":
            register = await SqliteRegister.open(tmp_path / "data" / "kavshiri.sqlite3")
        else:
            register = RedisRegister.from_url(REDIS_URL, prefix)
        opened.append(register)
        return register

    yield open_
    for register in opened:
        await register.close()
    if request.param == "redis":
        await delete_keys(REDIS_URL, prefix)


def entry(agency: str = "mof", item: str = "5.3", period: str | None = "2026-Q2", **changes) -> Entry:
    base = Entry(agency, item, "ხელფასები და პრემიები", "Salaries and bonuses",
                 f"https://example.org/{agency}/{item}/{period}.xlsx", period,
                 date(2026, 7, 28), date(2026, 8, 3), "xlsx", sample=True, enacted=date(2026, 7, 20))
    return replace(base, **changes)


async def test_put_then_read_back_equal_entries(open_register):
    register = await open_register()
    stored = [entry(), entry(period="2026-Q1"), entry("rs", "2.1", None)]
    await register.put_entries(stored)
    assert await register.entries("mof") == sorted(stored[:2], key=lambda e: e.key)
    assert await register.entries("rs") == [stored[2]]
    assert await register.entries() == sorted(stored, key=lambda e: e.key)
    assert await register.entries("nobody") == []


async def test_same_key_replaces_and_empty_put_changes_nothing(open_register):
    register = await open_register()
    await register.put_entries([entry()])
    updated = entry(updated=date(2026, 9, 1), title_en="Salaries, increments and bonuses")
    await register.put_entries([updated])
    await register.put_entries([])
    assert await register.entries() == [updated]


async def test_two_registers_share_data_and_it_outlives_close(open_register):
    first, second = await open_register(), await open_register()
    await first.put_entries([entry()])
    assert await second.entries("mof") == [entry()]
    await first.close()
    await second.close()
    third = await open_register()
    assert await third.entries() == [entry()]
