"""How `kavshiri serve` runs uvicorn: which proxies are believed, how long idle or slow clients
may hold a connection, how many are served at once, the widget's largest frame, and HSTS when
browsers come over https."""
from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from api.widget import MAX_FRAME
from kavshiri.settings import Settings


class ReadDeadline(HttpToolsProtocol):
    """uvicorn's HTTP protocol, with a deadline on reading: a request must arrive whole (headers
    and body) within `seconds` of the connection opening or of the previous response, else the
    connection is closed. uvicorn alone keeps a silent or trickling client's socket forever."""

    seconds = 20.0
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and (self.cycle is None or self.cycle.response_complete):
            self._arm()  # waiting for the next request (a pipelined one is already read)

    def handle_websocket_upgrade(self) -> None:
        self._disarm()  # the socket is the widget's now, with its own idle timeout
        super().handle_websocket_upgrade()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        if not self.transport.is_closing():
            self.transport.close()


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments of `uvicorn.Config` beyond the app, address and logging."""
    https = settings.own_url.startswith("https:")
    return {
        "http": type("ReadDeadline", (ReadDeadline,), {"seconds": settings.request_read_seconds}),
        "timeout_keep_alive": settings.keep_alive_seconds,
        "limit_concurrency": settings.max_connections or None,  # past it: 503 at once
        # uvicorn would believe X-Forwarded-For from 127.0.0.1 by default; only the proxies named here are.
        "proxy_headers": bool(settings.forwarded_allow_ips),
        "forwarded_allow_ips": settings.forwarded_allow_ips or None,
        "ws_max_size": MAX_FRAME,  # a larger widget frame is refused before it is buffered
        "headers": [("Strict-Transport-Security", "max-age=31536000")] if https else [],
    }
