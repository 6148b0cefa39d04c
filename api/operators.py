"""The operator console: its page, sign-in, presence, the desk, and the actions on a conversation.

The session cookie is HttpOnly and SameSite=Strict (Secure over https); every state-changing
request but sign-in must carry the session's CSRF token in `X-CSRF-Token`.
"""
from __future__ import annotations

import hmac
import math
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from api.limits import Backoff, PerKey
from api.widget import STATIC
from bot.desk import transcript_key
from connectors.accounts import public

router = APIRouter()
COOKIE = "kavshiri_operator"
TRANSCRIPT = 100
logins_per_ip = PerKey(limit=10)
sign_in_backoff = Backoff()  # per login name, whichever addresses the guesses come from


class Login(BaseModel):
    login: str = Field(max_length=64)
    password: str = Field(max_length=256)


class Presence(BaseModel):
    online: bool


OPERATOR_TEXT = 4000


class Act(BaseModel):
    conversation: str = Field(max_length=80)
    action: Literal["take", "say", "hand_back", "close"]
    text: str | None = Field(None, min_length=1, max_length=OPERATOR_TEXT)


class CloseTicket(BaseModel):
    number: str = Field(max_length=20)


@router.get("/operators")
async def console_page() -> FileResponse:
    return FileResponse(STATIC / "operator.html", media_type="text/html",
                        headers={"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'"})


ASSETS = {"operator.js": "text/javascript", "operator.css": "text/css"}


@router.get("/operators/{name}")
async def console_asset(name: str) -> FileResponse:
    if name not in ASSETS:
        raise HTTPException(404)
    return FileResponse(STATIC / name, media_type=ASSETS[name])


async def signed_in(request: Request, change: bool = True) -> dict[str, Any]:
    kv = request.app.state.kavshiri
    found = await kv.accounts.session(request.cookies.get(COOKIE))
    if found is None:
        raise HTTPException(401, "sign in")
    operator, csrf = found
    if change and not hmac.compare_digest(request.headers.get("x-csrf-token", ""), csrf):
        raise HTTPException(403, "missing or wrong CSRF token")
    await kv.desk.seen(operator["login"])
    return operator


@router.post("/api/operators/login")
async def login(request: Request, body: Login, response: Response) -> dict[str, Any]:
    kv = request.app.state.kavshiri
    account, ip = body.login.casefold(), request.client.host if request.client else "?"
    if (wait := sign_in_backoff.wait(account)) or not logins_per_ip.allow(ip):
        raise HTTPException(429, "too many attempts", headers={"Retry-After": str(math.ceil(wait) or 60)})
    result = await kv.accounts.login(body.login, body.password)
    if result is None:
        sign_in_backoff.failed(account)
        await kv.desk.audit(body.login, "login_failed")
        raise HTTPException(401, "wrong login or password")
    sign_in_backoff.succeeded(account)
    session_id, csrf = result
    # Secure also behind a TLS proxy that speaks plain HTTP to us: PUBLIC_URL says how browsers come.
    secure = request.url.scheme == "https" or kv.settings.own_url.startswith("https:")
    response.set_cookie(COOKIE, session_id, httponly=True, samesite="strict", path="/", secure=secure)
    await kv.desk.audit(body.login, "login")
    return {"csrf": csrf}


@router.post("/api/operators/logout", status_code=204)
async def logout(request: Request) -> Response:
    operator = await signed_in(request)
    kv = request.app.state.kavshiri
    await kv.desk.set_presence(operator["login"], False)
    await kv.accounts.logout(request.cookies[COOKIE])
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/api/operators/me")
async def me(request: Request) -> dict[str, Any]:
    operator = await signed_in(request, change=False)
    _, csrf = await request.app.state.kavshiri.accounts.session(request.cookies.get(COOKIE))
    return {**public(operator), "csrf": csrf}


@router.post("/api/operators/presence", status_code=204)
async def presence(request: Request, body: Presence) -> Response:
    operator = await signed_in(request)
    await request.app.state.kavshiri.desk.set_presence(operator["login"], body.online)
    return Response(status_code=204)


@router.get("/api/operators/desk")
async def desk(request: Request) -> dict[str, Any]:
    """The queue and this operator's live chats (each with its transcript), and open tickets."""
    operator = await signed_in(request, change=False)
    kv = request.app.state.kavshiri
    conversations = []
    for item in await kv.desk.conversations(operator):
        transcript = await kv.store.read_log(transcript_key(item["citizen_key"]), TRANSCRIPT)
        conversations.append({**item, "transcript": transcript})
    return {"me": public(operator), "conversations": conversations, "tickets": await kv.desk.tickets(operator)}


@router.post("/api/operators/act", status_code=204, max_body_size=6 * OPERATOR_TEXT + 4096)
async def act(request: Request, body: Act) -> Response:
    operator = await signed_in(request)
    desk = request.app.state.kavshiri.desk
    if body.action == "take":
        done = await desk.take(operator, body.conversation)
    elif body.action == "say":
        done = bool(body.text) and await desk.say(operator, body.conversation, body.text or "")
    else:
        done = await desk.release(operator, body.conversation, body.action)
    if not done:
        raise HTTPException(409, "not possible on this conversation now")
    return Response(status_code=204)


@router.post("/api/operators/tickets/close", status_code=204)
async def close_ticket(request: Request, body: CloseTicket) -> Response:
    operator = await signed_in(request)
    if not await request.app.state.kavshiri.desk.close_ticket(operator, body.number):
        raise HTTPException(404, "no such ticket")
    return Response(status_code=204)
