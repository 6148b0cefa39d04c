"""Telegram's webhook: verify the secret, answer with the reply (or at once) and work after."""
from __future__ import annotations

import json

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request, Response
from fastapi.responses import JSONResponse

from connectors.telegram import SECRET_HEADER

router = APIRouter()
MAX_BODY = 1024 * 1024


@router.post("/webhooks/telegram", max_body_size=MAX_BODY)
async def telegram_webhook(request: Request, background: BackgroundTasks) -> Response:
    channel = request.app.state.kavshiri.telegram
    if channel is None:
        raise HTTPException(404, "telegram is not configured")
    if not channel.verify(request.headers.get(SECRET_HEADER)):
        raise HTTPException(401, "bad secret token")
    body = await request.body()  # read only now, after the secret, and within MAX_BODY
    try:
        data = json.loads(body)
        int(data["update_id"])
    # OverflowError: 1e999 reads as infinity; RecursionError: "[[[[…" nested thousands deep
    except (ValueError, KeyError, TypeError, OverflowError, RecursionError):
        raise HTTPException(400, "not a Telegram update") from None
    answer, later = await channel.receive(data)
    if later is not None:
        background.add_task(later)
    # Telegram runs a Bot API method given in the webhook's answer: the reply (or a button's
    # acknowledgement) reaches the citizen without a request of our own.
    return JSONResponse(answer) if answer else Response(status_code=200)
