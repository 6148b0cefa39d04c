"""The deadline watch at scale: one sweep over 100,000 open requests of 1,000 citizens, a tenth of
them past their deadline, on SQLite and on Redis (when REDIS_URL answers). Prints, per backend,
the seconds and the peak memory (the process's resident high-water mark, and how far the sweep
raised it) of the first sweep, which alerts the overdue ones, and of the next day's sweep, which
finds nothing new; then the Redis/SQLite ratios, from one run. Each backend runs in its own
process, so one's memory cannot hide the other's.

    .venv/bin/python bench/deadlines.py [--requests N]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

from bot.deadline import TBILISI, WorkCalendar
from bot.models import Citizen, Submission
from bot.watch import Watch
from nlu.directory import Directory

AS_OF = date(2026, 12, 3)
CITIZENS = 1_000
SEED_BATCH = 50  # requests saved concurrently while seeding (the store's own calls, no shortcuts)


class FixedClock:
    def now(self) -> datetime:
        return datetime(AS_OF.year, AS_OF.month, AS_OF.day, 10, 0, tzinfo=TBILISI)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


async def seed(store, requests: int, agencies: list[str]) -> int:
    for c in range(CITIZENS):
        await store.save_citizen(Citizen(f"console:bench-{c}", "console", f"bench-{c}", lang="ka" if c % 2 else "en"))
    overdue = 0
    for start in range(0, requests, SEED_BATCH):
        batch = []
        for i in range(start, min(start + SEED_BATCH, requests)):
            late = i % 10 == 0
            overdue += late
            deadline = AS_OF - timedelta(days=5) if late else AS_OF + timedelta(days=1 + i % 20)
            registered = datetime(2026, 11, 1, 10, 0, tzinfo=TBILISI)
            batch.append(store.save_submission(Submission(
                f"E-2026-{i:07d}", f"console:bench-{i % CITIZENS}", f"test-{i % CITIZENS}",
                agencies[i % len(agencies)], "information_request", "Bench", registered, deadline)))
        await asyncio.gather(*batch)
    return overdue


async def open_backend(backend: str, home: Path):
    if backend == "redis":
        from connectors.redis_store import RedisStore

        url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
        return RedisStore.from_url(url, prefix=f"bench-{uuid.uuid4().hex[:8]}:")
    from connectors.sqlite_store import SqliteStore

    return await SqliteStore.open(home / "kavshiri.sqlite3")


async def drop(store) -> None:
    if hasattr(store, "_r"):  # Redis: the bench's keys go with it
        keys = [k async for k in store._r.scan_iter(match=store._p + "*", count=10_000)]
        for i in range(0, len(keys), 10_000):
            await store._r.delete(*keys[i:i + 10_000])


async def run(backend: str, requests: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as home:
        store = await open_backend(backend, Path(home))
        try:
            directory = Directory.load()
            started = time.perf_counter()
            overdue = await seed(store, requests, [a.id for a in directory])
            seeded = time.perf_counter() - started
            watch = Watch(store, directory, WorkCalendar(), FixedClock())
            figures = {"seed_s": seeded}
            for name, day in (("first", AS_OF), ("next_day", AS_OF + timedelta(days=1))):
                before = peak_mb()
                started = time.perf_counter()
                report = await watch.sweep(day)
                figures[f"{name}_s"] = time.perf_counter() - started
                figures[f"{name}_peak_mb"] = peak_mb()
                figures[f"{name}_rise_mb"] = peak_mb() - before
                assert report.checked == requests
                assert len(report.alerted) == (overdue if name == "first" else 0)
            figures["alerted"] = overdue
            return figures
        finally:
            await drop(store)
            await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "redis"), help=argparse.SUPPRESS)  # the child's part
    args = parser.parse_args()
    if args.backend:
        print(json.dumps(asyncio.run(run(args.backend, args.requests))))
        return
    results = {}
    for backend in ("sqlite", "redis"):
        done = subprocess.run([sys.executable, __file__, "--backend", backend, "--requests", str(args.requests)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            print(f"{backend}: not measured ({done.stderr.strip().splitlines()[-1:]})")
            continue
        results[backend] = json.loads(done.stdout.splitlines()[-1])
    print(f"{args.requests} open requests, {CITIZENS} citizens")
    for backend, f in results.items():
        print(f"{backend:>6}: seeded in {f['seed_s']:.1f} s; first sweep {f['first_s']:.2f} s "
              f"({int(f['alerted'])} alerted), peak {f['first_peak_mb']:.0f} MB (+{f['first_rise_mb']:.0f}); "
              f"next day {f['next_day_s']:.2f} s, peak {f['next_day_peak_mb']:.0f} MB")
    if len(results) == 2:
        r, s = results["redis"], results["sqlite"]
        print(f"redis/sqlite: first sweep {r['first_s'] / s['first_s']:.2f}x, next day {r['next_day_s'] / s['next_day_s']:.2f}x")


if __name__ == "__main__":
    main()
