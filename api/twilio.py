"""Twilio's webhooks: inbound SMS/WhatsApp and delivery status, each signature-checked.

Twilio signs the exact public URL it called, so the URL is rebuilt from PUBLIC_URL (the address
seen outside any proxy), not from what reached this process.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request, Response

MAX_BODY = 64 * 1024
router = APIRouter(prefix="/webhooks/twilio", max_body_size=MAX_BODY)
MEDIA_MAX = 10  # Twilio's most media items on one message
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
# A message's id as Twilio makes it. Twilio signs the parameters run together ("key value key
# value…"), so one captured signature also fits the same characters cut into other parameters
# ("MessageSid=SM…NumMedia0" with no NumMedia): a well-formed id keeps the replay guard's key honest.
MESSAGE_SID = re.compile(r"(?:SM|MM)[0-9a-f]{32}")


async def verified_form(request: Request) -> dict[str, str]:
    kv = request.app.state.kavshiri
    if kv.sms is None:
        raise HTTPException(404, "twilio is not configured")
    # Twilio posts form-encoded fields; read within the router's limit before anything is parsed.
    body = await request.body()
    form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    url = kv.settings.own_url.rstrip("/") + request.url.path
    if request.url.query:
        url += f"?{request.url.query}"
    if not kv.sms.verify(url, form, request.headers.get("X-Twilio-Signature", "")):
        raise HTTPException(403, "bad signature")
    return form


@router.post("/sms")
async def inbound(request: Request, background: BackgroundTasks) -> Response:
    form = await verified_form(request)
    sender, sid = form.get("From", ""), form.get("MessageSid", "")
    account = request.app.state.kavshiri.settings.twilio_account_sid
    if not sender or not MESSAGE_SID.fullmatch(sid) or form.get("AccountSid") != account:
        raise HTTPException(400, "not a Twilio message")
    count = form.get("NumMedia", "0")
    media = [(form.get(f"MediaUrl{n}", ""), form.get(f"MediaContentType{n}", ""))
             for n in range(min(int(count), MEDIA_MAX) if count.isdigit() else 0)]
    background.add_task(request.app.state.kavshiri.sms.receive, sender, form.get("Body", ""), sid, media)
    return Response(EMPTY_TWIML, media_type="text/xml")


@router.post("/status", status_code=204)
async def status(request: Request) -> Response:
    form = await verified_form(request)
    sid, state = form.get("MessageSid", ""), form.get("MessageStatus", "")
    if not sid or not state:
        raise HTTPException(400, "not a Twilio status callback")
    kv = request.app.state.kavshiri
    if failure := await kv.sms.status(sid, state, form.get("ErrorCode", ""), form.get("To", "")):
        await kv.outbox.undelivered(sid, failure.error, failure.permanent)
    return Response(status_code=204)
