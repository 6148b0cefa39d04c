"""The website widget: its static files, its labels, and its WebSocket.

Protocol (JSON text frames). The page opens `/api/chat/ws?agency=ID`; only origins configured
for that agency get in. The first frame is `{"type": "hello", "token": ..., "lang": ...}` (the
token rides in a frame, never in a URL that could be logged). The server answers `session`
(with a new token when the old one is unknown) and `history` (the whole transcript), then
`typing` and `reply` for each `message` frame, and `push` whenever an alert or an operator's
words arrive (the store wakes the socket: nothing is polled). Every `message` carries a client id; a
resent id is acknowledged, not handled again. A socket silent for WIDGET_IDLE_SECONDS is closed
with IDLE; the page reconnects at once while someone looks at it, else when they come back.
"""
from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, JSONResponse

from api.limits import Bucket, PerKey

router = APIRouter()
STATIC = Path(__file__).parent / "static"
# Characters of JSON: room for a text past the engine's limit even when \uXXXX-escaped, so the engine
# answers an over-long text itself; a larger frame closes the socket.
MAX_FRAME = 256 * 1024
HELLO_SECONDS = 10
POLICY_VIOLATION, TOO_BIG, IDLE = 1008, 1009, 4000


class Limits:
    """Per-IP limits of this process, from settings."""

    def __init__(self, settings) -> None:
        self.connections = PerKey(settings.widget_connections_per_minute)
        self.messages = PerKey(settings.widget_messages_per_minute)
        self.sockets, self.open = settings.widget_sockets_per_ip, Counter[str]()
        self.idle_seconds = settings.widget_idle_seconds


@router.get("/widget.js")
async def widget_js() -> FileResponse:
    # Any page may load the script; the WebSocket decides who may talk.
    return FileResponse(STATIC / "widget.js", media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=300"})


@router.get("/demo")
async def demo() -> FileResponse:
    return FileResponse(STATIC / "demo.html", media_type="text/html")


@router.get("/api/widget/ui")
async def ui(request: Request) -> JSONResponse:
    return JSONResponse(request.app.state.kavshiri.webchat.ui_strings(),
                        headers={"Access-Control-Allow-Origin": "*"})


class Socket:
    """One widget connection; sends are serialised because replies and pushes interleave."""

    def __init__(self, ws: WebSocket) -> None:
        self.ws, self.lock = ws, asyncio.Lock()

    async def send(self, frame: dict[str, Any]) -> None:
        async with self.lock:
            await self.ws.send_text(json.dumps(frame, ensure_ascii=False))


@router.websocket("/api/chat/ws")
async def chat_socket(ws: WebSocket) -> None:
    kv = ws.app.state.kavshiri
    ip = ws.client.host if ws.client else "?"
    agency = ws.query_params.get("agency", "")[:64]
    limits = ws.app.state.limits
    # A browser cannot forge Origin; what it is compared with comes from settings, not the request.
    if (not kv.origins.allows(agency, ws.headers.get("origin")) or limits.open[ip] >= limits.sockets
            or not limits.connections.allow(ip)):
        await ws.close(POLICY_VIOLATION)  # before accept: the handshake is refused with 403
        return
    await ws.accept()
    sock = Socket(ws)
    limits.open[ip] += 1
    try:
        opened = await _hello(kv.webchat, sock, agency)
        if opened is None:
            return
        token, address = opened
        pusher = asyncio.create_task(_push(kv.webchat, sock, address))
        try:
            await _converse(kv.webchat, sock, token, address, lambda: limits.messages.allow(ip), limits.idle_seconds)
        finally:
            pusher.cancel()
    except WebSocketDisconnect:
        pass
    finally:
        limits.open[ip] -= 1
        if not limits.open[ip]:
            del limits.open[ip]


async def _hello(web, sock: Socket, agency: str) -> tuple[str, str] | None:
    """(token, address) of the conversation the page continues, or of a new one."""
    try:
        hello = json.loads(await asyncio.wait_for(sock.ws.receive_text(), HELLO_SECONDS))
        token, lang = str(hello.get("token") or ""), hello.get("lang")
    # KeyError: a binary frame; RecursionError: JSON nested thousands deep
    except (asyncio.TimeoutError, ValueError, AttributeError, KeyError, RecursionError):
        await sock.ws.close(POLICY_VIOLATION)
        return None
    address = await web.resume(token) if token else None
    if address is None:
        token, address = await web.open(lang if lang in ("ka", "en") else None, agency)
    await sock.send({"type": "session", "token": token})
    await sock.send({"type": "history", "messages": await web.history(address)})
    return token, address


async def _converse(web, sock: Socket, token: str, address: str, ip_allows, idle_seconds: float) -> None:
    bucket = Bucket(rate=1.0, burst=10)  # a burst for messages queued while offline
    begun = False
    while True:
        try:
            message = await asyncio.wait_for(sock.ws.receive(), idle_seconds)
        except asyncio.TimeoutError:
            await sock.ws.close(IDLE)
            return
        if message["type"] == "websocket.disconnect":
            return
        raw = message.get("text") or ""  # a binary frame is not part of the protocol: malformed
        if len(raw) > MAX_FRAME:
            await sock.ws.close(TOO_BIG)
            return
        try:
            frame = json.loads(raw)
            mid, text, choice = str(frame["id"])[:64], frame.get("text"), frame.get("choice")
            assert frame.get("type") == "message" and (text is None or isinstance(text, str))
            assert choice is None or (isinstance(choice, str) and len(choice) <= 64)
        except (ValueError, KeyError, TypeError, AssertionError, RecursionError):
            await sock.send({"type": "error", "reason": "malformed"})
            continue
        if not bucket.take() or not ip_allows():
            await sock.send({"type": "error", "reason": "slow_down", "id": mid})
            continue
        await sock.send({"type": "typing"})
        if not begun:  # the citizen is created with the first message, not the connection
            begun = bool(await web.begin(token))
        replies = await web.handle(address, text, choice, mid)
        if replies is None:  # a resend: answer with what the first delivery was answered
            await sock.send({"type": "reply", "id": mid, "messages": await web.replies_to(address, mid),
                             "duplicate": True})
            continue
        await sock.send({"type": "reply", "id": mid, "messages": replies})


async def _push(web, sock: Socket, address: str) -> None:
    # What is drained here is in the transcript too, so a send lost to a closing socket
    # reappears in the history the next connection gets.
    try:
        async with web.watch(address) as pushed:
            while True:
                pushed.clear()  # before draining: a push meanwhile sets it again
                if messages := await web.pending(address):
                    await sock.send({"type": "push", "messages": messages})
                await pushed.wait()
    except (WebSocketDisconnect, RuntimeError, OSError):
        return
