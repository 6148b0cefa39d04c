"""The web chat over HTTP JSON (the widget's transport).

`POST /api/chat/sessions` hands out a random bearer token; the conversation's address is a hash
of it, so the token alone proves whose conversation it is and nothing stored reveals it.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, HTTPException, Request
from pydantic import BaseModel, Field

from bot.messages import Inbound, reply_from_json
from connectors.i18n import message_json

router = APIRouter(prefix="/api/chat")
CHANNEL = "web"
MAX_TEXT = 100_000  # beyond the engine's own limit, so it answers the citizen; larger is refused


class NewSession(BaseModel):
    lang: Literal["ka", "en"] | None = None


class Message(BaseModel):
    text: str | None = Field(None, max_length=MAX_TEXT)
    choice: str | None = Field(None, max_length=64)
    message_id: str | None = Field(None, max_length=64)


def address_of(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or len(token) < 32:
        raise HTTPException(401, "missing or malformed token")
    return hashlib.sha256(token.encode()).hexdigest()[:32]


Auth = Annotated[str | None, Header()]


@router.post("/sessions", status_code=201)
async def new_session(request: Request, body: NewSession) -> dict[str, str]:
    kv = request.app.state.kavshiri
    token = secrets.token_urlsafe(32)
    await kv.engine.citizen(CHANNEL, address_of(f"Bearer {token}"), body.lang)
    return {"token": token}


@router.post("/messages")
async def post_message(request: Request, body: Message, authorization: Auth = None) -> dict[str, Any]:
    kv = request.app.state.kavshiri
    address = address_of(authorization)
    if await kv.store.get_citizen(f"{CHANNEL}:{address}") is None:
        raise HTTPException(401, "unknown conversation")
    if body.message_id and not await kv.store.first_time(f"web-msg:{address}:{body.message_id}", 86_400):
        return {"messages": [], "duplicate": True}
    inbound = Inbound(CHANNEL, address, text=body.text, choice=body.choice,
                      message_id=body.message_id or "", at=datetime.now(timezone.utc))
    outcome = await kv.engine.handle(inbound)
    messages = await _inbox(kv, address)
    messages += [message_json(kv.catalog, outcome.lang, r) for r in outcome.replies]
    return {"messages": messages}


@router.get("/messages")
async def get_messages(request: Request, authorization: Auth = None) -> dict[str, Any]:
    """Alerts that arrived since the last call."""
    kv = request.app.state.kavshiri
    return {"messages": await _inbox(kv, address_of(authorization))}


async def _inbox(kv, address: str) -> list[dict[str, Any]]:
    items = await kv.store.drain_inbox(f"{CHANNEL}:{address}")
    return [message_json(kv.catalog, i["lang"], reply_from_json(i["reply"])) for i in items]
