"""The publication register at the size of the whole directory: every agency, every periodic
item, eight quarters and two years each. Prints, per backend (SQLite; Redis when REDIS_URL
answers), the seconds to import it, to read it back, and to compute the overdue report over
it, and the Redis/SQLite ratios, from one run.

    .venv/bin/python bench/register.py
"""
from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

import redis.asyncio

from connectors.redis_register import RedisRegister
from connectors.sqlite_register import SqliteRegister
from nlu.directory import Directory
from published.annex import Annex
from published.compliance import overdue
from published.register import Entry
from published.rules import CADENCES, Period

AS_OF = date(2026, 11, 23)


def entries(annex: Annex, agencies: list[str]) -> list[Entry]:
    periods = [Period(y, q) for y in (2024, 2025) for q in (1, 2, 3, 4)] + [Period(2024), Period(2025)]
    made = []
    for agency in agencies:
        for item in annex:
            cadences = CADENCES.get(item.rule, ())
            for period in periods if cadences else [None]:
                if period and ("quarter" if period.quarter else "year") not in cadences:
                    continue
                made.append(Entry(agency, item.number, "ანგარიში", f"Report {period or ''}",
                                  f"https://example.org/{agency}/{item.number}/{period}", str(period) if period else None,
                                  date(2026, 1, 10), date(2026, 1, 10), "pdf"))
    return made


async def measure(register, data: list[Entry], annex: Annex) -> dict[str, float]:
    started = time.perf_counter()
    await register.put_entries(data)
    imported = time.perf_counter()
    everything = await register.entries()
    read = time.perf_counter()
    late = overdue(annex, everything, None, AS_OF)
    reported = time.perf_counter()
    assert len(everything) == len(data) and late
    return {"import": imported - started, "read": read - imported, "overdue": reported - read}


async def redis_up(url: str) -> bool:
    client = redis.asyncio.Redis.from_url(url)
    try:
        return bool(await client.ping())
    except (OSError, redis.exceptions.ConnectionError):
        return False
    finally:
        await client.aclose()


async def main() -> None:
    annex = Annex.load()
    data = entries(annex, [a.id for a in Directory.load()])
    print(f"{len(data)} entries")
    results = {}
    with tempfile.TemporaryDirectory() as home:
        sqlite = await SqliteRegister.open(Path(home) / "kavshiri.sqlite3")
        results["sqlite"] = await measure(sqlite, data, annex)
        await sqlite.close()
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    if await redis_up(url):
        prefix = f"bench-{uuid.uuid4().hex[:8]}:"
        client = redis.asyncio.Redis.from_url(url, decode_responses=True)
        results["redis"] = await measure(RedisRegister(client, prefix), data, annex)
        keys = [k async for k in client.scan_iter(match=prefix + "*")]
        await client.delete(*keys)
        await client.aclose()
    for backend, figures in results.items():
        print(f"{backend:>6}: " + ", ".join(f"{k} {v:.3f} s" for k, v in figures.items()))
    if len(results) == 2:
        ratios = {k: results["redis"][k] / results["sqlite"][k] for k in results["sqlite"]}
        print("redis/sqlite: " + ", ".join(f"{k} {v:.2f}x" for k, v in ratios.items()))


if __name__ == "__main__":
    asyncio.run(main())
