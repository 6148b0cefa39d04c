"""Web chat round trips: the widget's WebSocket against the HTTP JSON API, one run.

Starts `kavshiri serve` on embedded defaults in a temporary home, sends the same messages both
ways and prints the median and 95th-percentile round trip of each and their ratio.

    .venv/bin/python bench/webchat.py [--messages 200]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import websockets

KAVSHIRI = shutil.which("kavshiri", path=os.path.dirname(sys.executable)) or "kavshiri"
TEXTS = ("hello", "help", "my requests", "status", "menu")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def over_websocket(url: str, origin: str, n: int) -> list[float]:
    # A connection may send a burst of 10 and then 1 a second: each citizen here sends 5.
    times = []
    for i in range(n):
        if i % len(TEXTS) == 0:
            ws = await websockets.connect(url, origin=origin)
            await ws.send(json.dumps({"type": "hello", "token": None, "lang": "en"}))
            await ws.recv(), await ws.recv()
        start = time.perf_counter()
        await ws.send(json.dumps({"type": "message", "id": str(i), "text": TEXTS[i % len(TEXTS)]}))
        while json.loads(await ws.recv())["type"] != "reply":
            pass
        times.append(time.perf_counter() - start)
        if i % len(TEXTS) == len(TEXTS) - 1:
            await ws.close()
    return times


async def over_http(base: str, n: int) -> list[float]:
    async with httpx.AsyncClient(base_url=base) as client:
        times = []
        for i in range(n):
            if i % len(TEXTS) == 0:
                token = (await client.post("/api/chat/sessions", json={"lang": "en"})).json()["token"]
                headers = {"Authorization": f"Bearer {token}"}
            start = time.perf_counter()
            body = {"text": TEXTS[i % len(TEXTS)], "message_id": str(i)}
            (await client.post("/api/chat/messages", json=body, headers=headers)).raise_for_status()
            times.append(time.perf_counter() - start)
        return times


def summary(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95) - 1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=200)
    n = parser.parse_args().messages
    home, port, sim = Path(tempfile.mkdtemp()), free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "KAVSHIRI_HOME": str(home), "PORT": str(port), "PORTAL_SIM_PORT": str(sim),
           "WIDGET_MESSAGES_PER_MINUTE": "100000", "WIDGET_CONNECTIONS_PER_MINUTE": "100000", "RUN_WORKER": "false"}
    env.pop("REDIS_URL", None)
    server = subprocess.Popen([KAVSHIRI, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        ws = asyncio.run(over_websocket(base.replace("http", "ws") + "/api/chat/ws?agency=mia", base, n))
        http = asyncio.run(over_http(base, n))
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(home, ignore_errors=True)
    (ws_med, ws_p95), (http_med, http_p95) = summary(ws), summary(http)
    print(f"{n} messages each way, 5 per citizen, embedded SQLite store")
    print(f"websocket  median {ws_med:6.2f} ms  p95 {ws_p95:6.2f} ms")
    print(f"http json  median {http_med:6.2f} ms  p95 {http_p95:6.2f} ms")
    print(f"http/websocket median ratio {http_med / ws_med:.2f}")


if __name__ == "__main__":
    main()
