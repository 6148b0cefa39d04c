"""A stand-in of Telegram's Bot API: `/bot<token>/<method>`, form or JSON in, `{"ok": …}` out.

It records every call (and runs a method named in a webhook's answer when `run_webhook_answer`
is given that answer, as Telegram does), answers like Telegram (Message objects, `True`), serves
the files put in `files` as the real one does (`getFile`, then GET `/file/bot<token>/<file_path>`,
recorded in `downloads`), and can misbehave on request: a chat in `blocked` gets 403 "bot was
blocked by the user"; `flood` answers that many sendMessage calls with 429 and `retry_after`;
`send_delay` holds each sendMessage's answer back.
`on_send` lets a benchmark time each reply.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

JSON_FIELDS = ("reply_markup", "commands", "allowed_updates", "scope")
DOWNLOAD_MAX = 20 * 1024 * 1024  # getFile refuses bigger files: bots cannot download them
BOT_USER = {"id": 7000000001, "is_bot": True, "first_name": "Kavshiri", "username": "kavshiri_test_bot"}


class BotApi:
    def __init__(self, token: str, on_send: Callable[[int, str], None] | None = None) -> None:
        self.token, self.on_send = token, on_send
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.webhook_calls: list[tuple[str, dict[str, Any]]] = []  # the subset run from webhook answers
        self.blocked: set[int] = set()
        self.flood = 0
        self.send_delay = 0.0  # seconds sendMessage takes to answer once recorded (a slow network)
        self.updates: list[dict[str, Any]] = []  # served by getUpdates
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
        self.downloads: list[str] = []  # file paths fetched
        self.documents: list[tuple[int, str, bytes, str]] = []  # (chat_id, file name, content, caption) sent to chats
        self._ids = itertools.count(1000)

    def add_file(self, data: bytes, file_path: str) -> str:
        """Hold a file as if a citizen had sent it; returns its file_id."""
        file_id = f"BQACAgIAAxkBAAI{len(self.files):04d}"
        self.files[file_id] = (file_path, data)
        return file_id

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        return [p for m, p in self.calls if m == "sendMessage" and (chat_id is None or int(p["chat_id"]) == chat_id)]

    def called(self, method: str) -> list[dict[str, Any]]:
        return [p for m, p in self.calls if m == method]

    async def run_webhook_answer(self, answer: dict[str, Any]) -> None:
        """What Telegram does with a webhook's answer that names a method: runs it, result unseen."""
        params = dict(answer)
        method = params.pop("method")
        self.calls.append((method, params))
        self.webhook_calls.append((method, params))
        await self._answer(method, params)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/bot{token}/{method}")
        async def call(token: str, method: str, request: Request) -> JSONResponse:
            if token != self.token:
                return _error(401, "Unauthorized")
            params = await _params(request)
            self.calls.append((method, params))
            return await self._answer(method, params)

        @app.get("/file/bot{token}/{file_path:path}")
        async def download(token: str, file_path: str) -> Response:
            held = {path: data for path, data in self.files.values()}
            if token != self.token or file_path not in held:
                return _error(404, "Not Found")
            self.downloads.append(file_path)
            return Response(held[file_path], media_type="application/octet-stream")

        return app

    async def _answer(self, method: str, p: dict[str, Any]) -> JSONResponse:
        if method == "getMe":
            return _ok(BOT_USER)
        if method == "sendMessage":
            chat_id = int(p["chat_id"])
            await asyncio.sleep(self.send_delay)
            if chat_id in self.blocked:
                return _error(403, "Forbidden: bot was blocked by the user")
            if self.flood > 0:
                self.flood -= 1
                return _error(429, "Too Many Requests: retry after 1", {"retry_after": 1})
            if self.on_send:
                self.on_send(chat_id, p.get("text", ""))
            message = {"message_id": next(self._ids), "date": int(time.time()),
                       "chat": {"id": chat_id, "type": "private"}, "text": p.get("text", "")}
            return _ok(message)
        if method == "sendDocument":
            chat_id, document = int(p["chat_id"]), p["document"]
            name, data = getattr(document, "filename", "") or "", await document.read()
            self.documents.append((chat_id, name, data, p.get("caption", "")))
            return _ok({"message_id": next(self._ids), "date": int(time.time()), "chat": {"id": chat_id, "type": "private"},
                        "document": {"file_id": f"BQACAgIAAxkBAAJ{len(self.documents):04d}",
                                     "file_unique_id": f"d{len(self.documents):07d}", "file_name": name,
                                     "file_size": len(data)}})
        if method == "getFile":
            if p.get("file_id") not in self.files:
                return _error(400, "Bad Request: invalid file_id")
            file_path, data = self.files[p["file_id"]]
            if len(data) > DOWNLOAD_MAX:
                return _error(400, "Bad Request: file is too big")
            return _ok({"file_id": p["file_id"], "file_unique_id": f"u{p['file_id'][-8:]}",
                        "file_size": len(data), "file_path": file_path})
        if method == "getUpdates":
            if not self.updates:
                await asyncio.sleep(min(float(p.get("timeout", 0) or 0), 0.2))
            served, self.updates = self.updates, []
            return _ok(served)
        return _ok(True)  # answerCallbackQuery, editMessageReplyMarkup, sendChatAction, set*/delete*


async def _params(request: Request) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        return await request.json()
    if content_type.startswith("multipart/"):
        params: dict[str, Any] = dict((await request.form()).items())
    else:  # url-encoded, parsed directly: cheap, as the benchmark shares a core with it
        params = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
    for name in JSON_FIELDS:
        if isinstance(params.get(name), str):
            params[name] = json.loads(params[name])
    return params


def _ok(result: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


def _error(code: int, description: str, parameters: dict | None = None) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return JSONResponse(body, status_code=code)


# Real Update JSON, as Telegram posts it to a webhook.

def _user(chat_id: int, lang: str | None) -> dict[str, Any]:
    user = {"id": chat_id, "is_bot": False, "first_name": "Citizen"}
    return {**user, "language_code": lang} if lang else user


def message_update(update_id: int, chat_id: int, text: str | None = None, lang: str | None = "en",
                   **extra: Any) -> dict[str, Any]:
    message = {"message_id": update_id, "date": int(time.time()), "from": _user(chat_id, lang),
               "chat": {"id": chat_id, "type": "private", "first_name": "Citizen"}, **extra}
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": message}


def callback_update(update_id: int, chat_id: int, data: str, message_id: int, lang: str | None = "en") -> dict:
    message = {"message_id": message_id, "date": int(time.time()), "from": BOT_USER,
               "chat": {"id": chat_id, "type": "private", "first_name": "Citizen"}, "text": "…"}
    query = {"id": f"cq{update_id}", "from": _user(chat_id, lang), "chat_instance": str(chat_id),
             "message": message, "data": data}
    return {"update_id": update_id, "callback_query": query}
