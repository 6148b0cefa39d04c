"""Helpers for the channel tests: Kavshiri's API served on loopback inside the test's own event
loop (so it shares the test's store connections), and waiting for what a stand-in receives."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

import uvicorn
from fastapi import FastAPI

from tests.support import bound_socket


@contextlib.asynccontextmanager
async def serve(app: FastAPI, **options) -> AsyncIterator[str]:
    """`app` on a real uvicorn in this event loop; `options`: more of uvicorn.Config's (those
    `kavshiri serve` sets come from kavshiri/server.py)."""
    sock = bound_socket()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=1, **options))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        assert not task.done(), "server did not start"
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()


async def until(check: Callable[[], object], seconds: float = 20) -> None:
    """Wait until `check()` is truthy; fail loudly if it never is."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not check():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)
