"""Telegram's webhook: verify the secret, drop replays, answer at once, work after the 200."""
from __future__ import annotations

import json

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request, Response

from connectors.telegram import SECRET_HEADER

router = APIRouter()
MAX_BODY = 1024 * 1024


@router.post("/webhooks/telegram")
async def telegram_webhook(request: Request, background: BackgroundTasks) -> Response:
    channel = request.app.state.kavshiri.telegram
    if channel is None:
        raise HTTPException(404, "telegram is not configured")
    if not channel.verify(request.headers.get(SECRET_HEADER)):
        raise HTTPException(401, "bad secret token")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise HTTPException(413, "update too large")
    try:
        data = json.loads(body)
        update_id = int(data["update_id"])
    except (ValueError, KeyError, TypeError):
        raise HTTPException(400, "not a Telegram update") from None
    if await channel.first_time(update_id):
        background.add_task(channel.process, data)
    return Response(status_code=200)
