"""Shared test helpers: real servers on free loopback ports."""
from __future__ import annotations

import socket
import threading
import time

import uvicorn
from fastapi import FastAPI


def bound_socket() -> socket.socket:
    """Bound but not listening: reserves a free port, and refuses connections until served."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
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
