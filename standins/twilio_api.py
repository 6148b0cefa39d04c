"""A stand-in of Twilio's Messages REST API, and Twilio's signed webhooks towards Kavshiri.

Magic numbers, as GOV.UK Notify's stand-ins do: a recipient ending in 0002 has opted out
(400, code 21610, permanent); one ending in 0003 meets a server error (500, temporary).
A message is free text (`Body`) or an approved template (`ContentSid` with `ContentVariables`
JSON), as the Content API has it; `status_callback` gives the form Twilio posts back later.

Inbound media (MMS, WhatsApp) is served as Twilio does with "HTTP Auth on media URLs": the
MediaUrl needs the account's credentials and redirects to the stored content elsewhere.
"""
from __future__ import annotations

import base64
import itertools
import secrets
from datetime import datetime, timezone
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from twilio.request_validator import RequestValidator

from connectors.sms_text import cost


class TwilioApi:
    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.account_sid, self.auth_token = account_sid, auth_token
        self.messages: list[dict[str, Any]] = []
        self.media: dict[str, tuple[str, bytes]] = {}  # media sid -> (content type, content)
        self.media_fetches: list[str] = []  # media sids opened with the right credentials
        self.url = ""  # set once served
        self._sids = itertools.count(1)
        self._stored: dict[str, str] = {}  # storage token -> media sid
        # Twilio's stored media live at another origin: serve this app there too and name it here.
        self.storage_url = ""  # "": this server
        self.storage_auth: list[str | None] = []  # the Authorization header each storage fetch carried

    def add_media(self, data: bytes, content_type: str) -> str:
        """Media a citizen sent; returns its MediaUrl."""
        sid = f"ME{secrets.token_hex(16)}"
        self.media[sid] = (content_type, data)
        return f"{self.url}/2010-04-01/Accounts/{self.account_sid}/Messages/MM{secrets.token_hex(16)}/Media/{sid}"

    def to(self, number: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["to"] == number]

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/2010-04-01/Accounts/{sid}/Messages.json")
        async def create(sid: str, request: Request) -> JSONResponse:
            if not self._authenticated(sid, request):
                return _error(401, 20003, "Authenticate")
            form = dict((await request.form()).items())
            to = str(form.get("To", ""))
            if to.endswith("0002"):
                return _error(400, 21610, "Attempt to send to unsubscribed recipient")
            if to.endswith("0003"):
                return _error(500, 20500, "Internal Server Error")
            if not form.get("Body") and not form.get("ContentSid"):
                return _error(400, 21602, "Message body is required")
            return JSONResponse(self._record(form), status_code=201)

        @app.get("/2010-04-01/Accounts/{sid}/Messages/{message_sid}/Media/{media_sid}")
        async def media(sid: str, message_sid: str, media_sid: str, request: Request) -> Response:
            if not self._authenticated(sid, request):
                return _error(401, 20003, "Authenticate")
            if media_sid not in self.media:
                return _error(404, 20404, "The requested resource was not found")
            self.media_fetches.append(media_sid)
            token = secrets.token_urlsafe(12)
            self._stored[token] = media_sid
            return RedirectResponse(f"{self.storage_url}/storage/{token}", status_code=307)

        @app.get("/storage/{token}")
        async def stored(token: str, request: Request) -> Response:
            self.storage_auth.append(request.headers.get("authorization"))
            if token not in self._stored:  # a storage link works once, as a short-lived signed URL
                return Response(status_code=403)
            content_type, data = self.media[self._stored.pop(token)]
            return Response(data, media_type=content_type)

        return app

    def _authenticated(self, sid: str, request: Request) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return sid == self.account_sid and request.headers.get("authorization") == f"Basic {expected}"

    def _record(self, form: dict[str, Any]) -> dict[str, Any]:
        body = str(form.get("Body", ""))
        message = {
            "sid": f"SM{next(self._sids):032x}", "account_sid": self.account_sid, "to": form.get("To"),
            "from": form.get("From"), "body": body, "status": "queued", "direction": "outbound-api",
            "num_segments": str(cost(body).segments), "status_callback": form.get("StatusCallback"),
            "date_created": datetime.now(timezone.utc).strftime("%a, %d %b %Y %H:%M:%S +0000"),
            "error_code": None, "error_message": None, "price": None, "api_version": "2010-04-01",
        }
        # What the stand-in received, for tests to check; not part of Twilio's answer.
        self.messages.append({**message, "content_sid": form.get("ContentSid"), "media_url": form.get("MediaUrl"),
                              "content_variables": form.get("ContentVariables")})
        return message

    def status_callback(self, sid: str, status: str, error_code: int | None = None) -> dict[str, str]:
        """The form Twilio posts to a message's StatusCallback when its status changes."""
        message = next(m for m in self.messages if m["sid"] == sid)
        form = {"MessageSid": sid, "SmsSid": sid, "MessageStatus": status, "SmsStatus": status,
                "AccountSid": self.account_sid, "From": message["from"], "To": message["to"],
                "ApiVersion": "2010-04-01"}
        if error_code is not None:
            form["ErrorCode"] = str(error_code)
        return form


def _error(status: int, code: int, message: str) -> JSONResponse:
    more = f"https://www.twilio.com/docs/errors/{code}"
    return JSONResponse({"code": code, "message": message, "more_info": more, "status": status}, status_code=status)


async def signed_post(client: httpx.AsyncClient, url: str, params: dict[str, str], auth_token: str,
                      signature: str | None = None, public_url: str | None = None) -> httpx.Response:
    """POST a form as Twilio does, signed with the real validator over `public_url` (the address
    Twilio was given, when a proxy sits in front), or with a given, forged signature."""
    validator = RequestValidator(auth_token)
    signature = signature if signature is not None else validator.compute_signature(public_url or url, params)
    return await client.post(url, data=params, headers={"X-Twilio-Signature": signature})
