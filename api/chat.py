"""The web chat over HTTP JSON (the WebSocket in api/widget.py is the widget's transport).

`POST /api/chat/sessions` hands out a random bearer token (see connectors/webchat.py).
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, HTTPException, Request
from pydantic import BaseModel, Field

from bot.engine import MAX_INPUT
from connectors.webchat import address_of

router = APIRouter(prefix="/api/chat")
MAX_TEXT = MAX_INPUT + 5_000  # beyond the engine's own limit, so it answers the citizen; larger is refused
MESSAGE_BODY = 6 * MAX_TEXT + 4096  # every character may come \uXXXX-escaped


class NewSession(BaseModel):
    lang: Literal["ka", "en"] | None = None
    agency: str | None = Field(None, max_length=64)


class Message(BaseModel):
    text: str | None = Field(None, max_length=MAX_TEXT)
    choice: str | None = Field(None, max_length=64)
    message_id: str | None = Field(None, max_length=64)


Auth = Annotated[str | None, Header()]


async def conversation(request: Request, authorization: str | None, begin: bool = False) -> str:
    """The token's conversation; `begin`: a message is coming, so its citizen must exist."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or address_of(token) is None:
        raise HTTPException(401, "missing or malformed token")
    web = request.app.state.kavshiri.webchat
    address = await (web.begin(token) if begin else web.resume(token))
    if address is None:
        raise HTTPException(401, "unknown conversation")
    return address


def within_limit(request: Request, kind: str) -> None:
    """The widget's per-IP limits (new conversations, messages) hold for the JSON API too."""
    limits = request.app.state.limits
    if not getattr(limits, kind).allow(request.client.host if request.client else "?"):
        raise HTTPException(429, "too many requests")


@router.post("/sessions", status_code=201)
async def new_session(request: Request, body: NewSession) -> dict[str, str]:
    within_limit(request, "connections")
    token, _ = await request.app.state.kavshiri.webchat.open(body.lang, body.agency)
    return {"token": token}


@router.post("/messages", max_body_size=MESSAGE_BODY)
async def post_message(request: Request, body: Message, authorization: Auth = None) -> dict[str, Any]:
    web = request.app.state.kavshiri.webchat
    address = await conversation(request, authorization, begin=True)
    within_limit(request, "messages")
    replies = await web.handle(address, body.text, body.choice, body.message_id or "")
    if replies is None:
        return {"messages": [], "duplicate": True}
    return {"messages": await web.pending(address) + replies}


@router.get("/messages")
async def get_messages(request: Request, authorization: Auth = None) -> dict[str, Any]:
    """Alerts and operator messages that arrived since the last call."""
    address = await conversation(request, authorization)
    return {"messages": await request.app.state.kavshiri.webchat.pending(address)}
