"""Telegram's webhook: verify the secret, drop replays, answer at once, work after the 200."""
from __future__ import annotations

import json

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request, Response
from fastapi.responses import JSONResponse

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
    if not await channel.first_time(update_id):
        return Response(status_code=200)
    background.add_task(channel.process, data)
    query = data.get("callback_query") if isinstance(data, dict) else None
    if isinstance(query, dict) and isinstance(query.get("id"), str):
        # Telegram runs a method given in the webhook's answer: the button stops spinning at
        # once, and a Bot API call is saved.
        return JSONResponse({"method": "answerCallbackQuery", "callback_query_id": query["id"]})
    return Response(status_code=200)
