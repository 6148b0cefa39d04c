"""Shared test helpers: real servers on free loopback ports."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time

import httpx
import redis.asyncio
import uvicorn
from fastapi import FastAPI


def bound_socket() -> socket.socket:
    """Bound but not listening: reserves a free port, and refuses connections until served."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Accepted connections inherit this; without it every response waits ~40 ms for a delayed ACK
    # (uvicorn sets it only on sockets it creates itself).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class ThreadServer:
    """A real uvicorn server with its own event loop in a background thread."""

    def __init__(self, app: FastAPI) -> None:
        self.socket = bound_socket()
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )

    def __enter__(self) -> ThreadServer:
        self.thread.start()
        deadline = time.monotonic() + 5
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "server did not start"
            time.sleep(0.01)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.should_exit = True
        self.thread.join(5)
        self.socket.close()


KAVSHIRI = shutil.which("kavshiri", path=os.path.dirname(sys.executable)) or "kavshiri"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Service:
    """A `kavshiri` subcommand as a real process, ready once `ready_url` answers."""

    def __init__(self, args: list[str], env: dict[str, str], ready_url: str, log_path: str,
                 headers: dict | None = None) -> None:
        self.args, self.env, self.ready_url, self.headers = [KAVSHIRI, *args], env, ready_url, headers or {}
        self.log_path = log_path
        self.popen: subprocess.Popen | None = None

    def start(self) -> Service:
        with open(self.log_path, "ab") as log:
            self.popen = subprocess.Popen(self.args, env=self.env, stdout=log, stderr=log)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            assert self.popen.poll() is None, open(self.log_path).read()
            try:
                if httpx.get(self.ready_url, headers=self.headers, timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{self.args} did not become ready")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash."""
        if self.popen and self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(10)

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> Service:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


async def delete_keys(url: str, prefix: str) -> None:
    """Remove a test's keys from a shared Redis (tests work under a private prefix)."""
    client = redis.asyncio.Redis.from_url(url)
    keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()
