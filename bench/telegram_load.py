"""Load benchmark of the Telegram path, end to end on loopback.

Many distinct chats post real Update JSON to `kavshiri serve`'s webhook (Redis store, a separate
process); the stand-in Bot API (in this process) takes the replies and times each one from the
moment its update was posted. The same load then goes to a bare FastAPI echo endpoint (also a
separate process), and the ratio of the two is printed. Every figure comes from this one run.

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python -m bench.telegram_load [--chats 400]
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter

import aiohttp
import httpx
import uvicorn

from standins.telegram_api import BotApi, callback_update, message_update
from tests.support import KAVSHIRI, bound_socket, delete_keys, free_port

TOKEN, SECRET = "4242:bench-token", "bench-secret"
SCRIPT = ("/start", "help", ("press", "new_request"))  # what each chat does, one step at a time


class Load:
    """Who is waiting for a reply, and how many replies each chat got."""

    def __init__(self) -> None:
        self.update_ids = itertools.count(1)
        self.waiting: dict[int, asyncio.Future] = {}
        self.replies: Counter[int] = Counter()

    def on_send(self, chat_id: int, text: str) -> None:
        self.replies[chat_id] += 1
        future = self.waiting.pop(chat_id, None)
        if future and not future.done():
            future.set_result(time.perf_counter())


async def run_kavshiri(client: aiohttp.ClientSession, api: BotApi, load: Load, chats: range,
                       concurrency: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for chat in chats:
        queue.put_nowait(chat)

    async def chat_worker() -> None:
        while not queue.empty():
            chat = queue.get_nowait()
            for step in SCRIPT:
                uid = next(load.update_ids)
                update = (callback_update(uid, chat, step[1], 1) if isinstance(step, tuple)
                          else message_update(uid, chat, step))
                future = asyncio.get_running_loop().create_future()
                load.waiting[chat] = future
                started = time.perf_counter()
                async with client.post("/webhooks/telegram", json=update,
                                       headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
                    response.raise_for_status()
                    if response.content_type == "application/json":  # a method for Telegram to run
                        await api.run_webhook_answer(await response.json())
                latencies.append(await asyncio.wait_for(future, 30) - started)

    started = time.perf_counter()
    await asyncio.gather(*(chat_worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies


async def run_echo(client: aiohttp.ClientSession, requests: int, concurrency: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    body = message_update(1, 1, "hello")
    remaining = iter(range(requests))

    async def worker() -> None:
        for _ in remaining:
            started = time.perf_counter()
            async with client.post("/echo", json=body) as response:
                response.raise_for_status()
                await response.read()
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies


def wait_ready(url: str, proc: subprocess.Popen) -> None:
    for _ in range(300):
        assert proc.poll() is None, f"{url} exited"
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux)."""
    fields = open(f"/proc/{pid}/stat").read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def figures(name: str, seconds: float, latencies: list[float]) -> float:
    rate = len(latencies) / seconds
    cuts = statistics.quantiles(latencies, n=100)
    print(f"{name:>9}: {len(latencies)} in {seconds:.2f}s = {rate:,.0f}/s; "
          f"p50 {cuts[49] * 1000:.1f} ms, p99 {cuts[98] * 1000:.1f} ms")
    return rate


async def main(chats: int, concurrency: int) -> int:
    load = Load()
    api = BotApi(TOKEN, on_send=load.on_send)
    sock = bound_socket()
    api_server = uvicorn.Server(uvicorn.Config(api.app(), log_level="warning", access_log=False))
    api_task = asyncio.create_task(api_server.serve(sockets=[sock]))
    port, echo_port = free_port(), free_port()
    home = tempfile.mkdtemp(prefix="kavshiri-bench-")
    env = {**os.environ, "KAVSHIRI_HOME": home, "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
           "REDIS_PREFIX": f"bench-{uuid.uuid4().hex[:8]}:", "PORT": str(port), "PORTAL_SIM_PORT": str(free_port()),
           "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": SECRET, "RUN_WORKER": "false",
           "TELEGRAM_API_URL": f"http://127.0.0.1:{sock.getsockname()[1]}", "TELEGRAM_RATE": "0",
           "TELEGRAM_CHAT_INTERVAL": "0"}
    with open(os.path.join(home, "serve.log"), "wb") as log:
        kavshiri = subprocess.Popen([KAVSHIRI, "serve"], env=env, stdout=log, stderr=log)
    echo = subprocess.Popen([sys.executable, "-m", "uvicorn", "bench.echo_app:app", "--port", str(echo_port),
                             "--log-level", "warning", "--no-access-log"])
    try:
        await asyncio.to_thread(wait_ready, f"http://127.0.0.1:{port}/healthz", kavshiri)
        await asyncio.to_thread(wait_ready, f"http://127.0.0.1:{echo_port}/docs", echo)
        # aiohttp as the load generator: httpx's pool costs more CPU than the servers under test.
        def client(port: int) -> aiohttp.ClientSession:
            return aiohttp.ClientSession(f"http://127.0.0.1:{port}", connector=aiohttp.TCPConnector(limit=concurrency))

        async with client(port) as kavshiri_client:
            await run_kavshiri(kavshiri_client, api, load, range(1, 21), 4)  # warm-up: imports, connections, first citizens
            load.replies.clear()
            cpu_before, own_before = cpu_seconds(kavshiri.pid), time.process_time()
            seconds, latencies = await run_kavshiri(kavshiri_client, api, load, range(100_000, 100_000 + chats),
                                                    concurrency)
            cpu, own = cpu_seconds(kavshiri.pid) - cpu_before, time.process_time() - own_before
        async with client(echo_port) as echo_client:
            await run_echo(echo_client, 200, concurrency)
            echo_before = cpu_seconds(echo.pid)
            echo_seconds, echo_latencies = await run_echo(echo_client, len(latencies), concurrency)
            echo_cpu = cpu_seconds(echo.pid) - echo_before
        await asyncio.sleep(0.5)  # late duplicates would show up now
        print(f"{chats} chats x {len(SCRIPT)} updates, {concurrency} at a time, Redis store, loopback")
        rate = figures("kavshiri", seconds, latencies)
        echo_rate = figures("bare echo", echo_seconds, echo_latencies)
        expected = len(SCRIPT)
        wrong = {c: n for c, n in load.replies.items() if n != expected}
        lost = chats - len(load.replies)
        print(f"    CPU per update: kavshiri {cpu / len(latencies) * 1000:.2f} ms, this process (load and "
              f"stand-in Bot API, one core at most) {own / len(latencies) * 1000:.2f} ms; "
              f"bare echo per request {echo_cpu / len(echo_latencies) * 1000:.2f} ms")
        print(f"    server CPU ratio (echo per request / kavshiri per update): {echo_cpu / cpu:.1%} "
              "(steadier than the rate ratio when the machine is busy)")
        print(f"    ratio: {rate / echo_rate:.1%} of the bare echo; replies lost: {lost}, "
              f"chats with a wrong reply count: {len(wrong)}")
        return 0 if not wrong and not lost else 1
    finally:
        for proc in (kavshiri, echo):
            proc.terminate()
            proc.wait(10)
        api_server.should_exit = True
        await api_task
        await delete_keys(env["REDIS_URL"], env["REDIS_PREFIX"])
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.chats, args.concurrency)))
