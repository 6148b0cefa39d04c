"""The portal's signed completion callback (HMAC-SHA256 over timestamp and body)."""
from __future__ import annotations

import json
import time
from datetime import datetime

from fastapi import APIRouter, HTTPException, Request, Response

from connectors.portal import CALLBACK_PATH, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_callback

router = APIRouter()
MAX_BODY = 64 * 1024


@router.post(CALLBACK_PATH, status_code=204, max_body_size=MAX_BODY)
async def portal_callback(request: Request) -> Response:
    kv = request.app.state.kavshiri
    body = await request.body()
    settings = kv.settings
    if not verify_callback(
        settings.portal_callback_secret,
        request.headers.get(TIMESTAMP_HEADER),
        request.headers.get(SIGNATURE_HEADER),
        body,
        now=time.time(),
        tolerance_seconds=settings.callback_tolerance_seconds,
    ):
        raise HTTPException(401, "bad signature")
    try:
        event = json.loads(body)
        number, status, event_id = event["registration_number"], event["status"], event["event_id"]
        completed_at = datetime.fromisoformat(event["completed_at"]) if event.get("completed_at") else None
        rights = event.get("rights_explained")
        rights_explained = None if rights is None else bool(rights)
    except (ValueError, KeyError, TypeError, RecursionError):  # RecursionError: nested thousands deep
        raise HTTPException(422, "malformed event") from None
    # A replayed (validly signed) event is acknowledged and ignored.
    if await kv.store.first_time(f"portal-event:{event_id}", settings.callback_tolerance_seconds * 2):
        await kv.alerts.on_update(number, status, event.get("answer_url"), completed_at, rights_explained)
    return Response(status_code=204)
