"""Full citizen journeys through the engine, on SQLite and on Redis, against the stand-in portal
over real HTTP. Prints turns per second, p50/p99 latency per turn, and the Redis/SQLite ratio.

    .venv/bin/python -m bench.journey [--citizens 200] [--concurrency 20]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

from bot.messages import Inbound
from kavshiri.app import Kavshiri
from kavshiri.settings import Settings
from portal_sim.cli import build_server
from tests.support import delete_keys

TOKEN, SECRET = "bench-token", "bench-secret"
JOURNEY = [
    {"text": "გამარჯობა"},
    {"choice": "new_request"},
    {"text": "შსს"},
    {"choice": "type:information_request"},
    {"text": "2025 წლის ხელფასები"},
    {"text": "გთხოვთ, მომაწოდოთ 2025 წელს გაცემული პრემიების ჯამური ოდენობა."},
    {"choice": "submit"},
]


def start_portal(home: Path) -> tuple[str, object]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = build_server("127.0.0.1", port, home / "sim.sqlite3", TOKEN, None, SECRET)
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return f"http://127.0.0.1:{port}", server


async def run(kv: Kavshiri, citizens: int, concurrency: int) -> tuple[float, list[float], list[float]]:
    latencies: list[float] = []  # every turn
    submits: list[float] = []  # the turns that call the portal
    gate = asyncio.Semaphore(concurrency)

    async def journey(n: int) -> None:
        async with gate:
            for step in JOURNEY:
                started = time.perf_counter()
                outcome = await kv.engine.handle(Inbound("bench", f"c{n}", **step))
                latencies.append(time.perf_counter() - started)
                if step.get("choice") == "submit":
                    submits.append(latencies[-1])
            assert any(r.event and r.event["type"] == "submitted" for r in outcome.replies)

    started = time.perf_counter()
    await asyncio.gather(*(journey(n) for n in range(citizens)))
    return time.perf_counter() - started, latencies, submits


def percentiles(values: list[float]) -> str:
    q = statistics.quantiles(values, n=100)
    return f"p50 {q[49] * 1000:6.1f} ms  p99 {q[98] * 1000:6.1f} ms"


async def bench(backend: str, portal_url: str, home: Path, args: argparse.Namespace) -> float:
    prefix = f"bench-{uuid.uuid4().hex[:8]}:"
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0") if backend == "redis" else None
    settings = Settings(kavshiri_home=home / backend, redis_url=redis_url, redis_prefix=prefix,
                        portal_url=portal_url, portal_token=TOKEN, portal_callback_secret=SECRET,
                        identity_secret="bench-identity-secret")
    kv = await Kavshiri.build(settings, portal_url)
    try:
        elapsed, latencies, submits = await run(kv, args.citizens, args.concurrency)
    finally:
        await kv.close()
        if redis_url:
            await delete_keys(redis_url, prefix)
    rate = len(latencies) / elapsed
    print(f"{backend:7} {rate:6.0f} turns/s | every turn {percentiles(latencies)} | "
          f"submit (portal) {percentiles(submits)}")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    print(f"{args.citizens} journeys of {len(JOURNEY)} turns, {args.concurrency} citizens at a time")
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        portal_url, server = start_portal(home)
        sqlite = asyncio.run(bench("sqlite", portal_url, home, args))
        redis_rate = asyncio.run(bench("redis", portal_url, home, args))
        server.should_exit = True
    print(f"ratio redis/sqlite: {redis_rate / sqlite:.2f}")


if __name__ == "__main__":
    main()
