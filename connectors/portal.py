"""Kavshiri's client for the MY.GOV.GE correspondence API (contract: connectors/portal_api.yaml).

Also the one implementation of the callback signature, used by Kavshiri to verify the portal's
completion events and by the stand-in portal (portal_sim) to sign them.

Nothing personal reaches the log: no citizen ids, subjects, bodies or idempotency keys (a key may
be derived from a channel address). Operations are logged by name, status and attempt.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx

from bot import metrics
from bot.ports import (
    Attachment,
    AttachmentTooLarge,
    AttachmentTypeRefused,
    Correspondence,
    Draft,
    NotFound,
    PortalError,
    PortalRejected,
    PortalTimeout,
    PortalUnavailable,
    Registration,
)

log = logging.getLogger("kavshiri.portal")

CALLBACK_PATH = "/portal/callback"
TIMESTAMP_HEADER = "X-Portal-Timestamp"
SIGNATURE_HEADER = "X-Portal-Signature"
IDEMPOTENCY_CONFLICT = "idempotency_conflict"  # the 409 code: same key, different request
PORTAL_TZ = ZoneInfo("Asia/Tbilisi")


class HttpPortal:
    """`bot.ports.Portal` over HTTP.

    Connect errors, timeouts, 429 and 5xx are retried `retries` times with exponential backoff
    (`backoff`, 2×backoff, 4×backoff …). A submit retry re-sends the same Idempotency-Key, so a
    response lost after the portal registered the request yields the same registration, never
    a second one. 4xx answers are final and never retried."""

    def __init__(
        self,
        base_url: str,
        client_token: str,
        *,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._retries = max(0, retries)
        self._backoff = backoff
        self._sleep = sleep
        self._client = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout),
            headers={"Authorization": f"Bearer {client_token}", "User-Agent": "kavshiri"},
        )

    async def submit(self, citizen: str, draft: Draft, idempotency_key: str) -> Registration:
        payload = {
            "agency_id": draft.agency_id,
            "request_type": draft.request_type,
            "subject": draft.subject,
            "body": draft.body,
        }
        if draft.attachments:  # left out when empty, as a request without files always was
            payload["attachments"] = list(draft.attachments)
        if draft.linked_to:
            payload["linked_to"] = draft.linked_to
        data = await self._call(
            "submit", "POST", "/v1/correspondence", citizen,
            json=payload, extra_headers={"Idempotency-Key": idempotency_key},
        )
        return _parse(_registration, data)

    async def status(self, citizen: str, registration_number: str) -> Correspondence:
        path = f"/v1/correspondence/{quote(registration_number, safe='')}"
        return _parse(_correspondence, await self._call("status", "GET", path, citizen))

    async def list(self, citizen: str) -> list[Correspondence]:
        data = await self._call("list", "GET", "/v1/correspondence", citizen)
        return _parse(lambda items: [_correspondence(item) for item in items], data)

    async def upload(self, citizen: str, name: str, content_type: str, data: bytes) -> Attachment:
        """Hold a file at the portal for the citizen; a retry after a lost answer at worst leaves
        an unused copy, which the portal drops when it expires."""
        files = {"file": (name, data, content_type)}
        return _parse(_attachment, await self._call("upload", "POST", "/v1/attachments", citizen, files=files))

    async def agencies(self) -> list[dict[str, Any]]:
        """The bodies connected to the e-chancellery: id, name_ka, name_en, accepts."""
        return await self._call("agencies", "GET", "/v1/agencies", None)

    async def check(self, timeout: float) -> None:
        """Readiness: one call, no retries, within `timeout`; raises PortalError when the portal
        does not answer or refuses Kavshiri's token."""
        try:
            response = await self._client.get("/v1/agencies", timeout=timeout)
        except httpx.TimeoutException as exc:
            raise PortalTimeout("timeout") from exc
        except httpx.TransportError as exc:
            raise PortalUnavailable("unreachable") from exc
        if response.status_code != 200:
            raise PortalUnavailable(f"HTTP {response.status_code}")

    async def close(self) -> None:
        await self._client.aclose()

    async def _call(
        self,
        op: str,
        method: str,
        path: str,
        citizen: str | None,
        *,
        json: dict[str, Any] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> Any:
        headers = dict(extra_headers or {})
        if citizen is not None:
            headers["X-Citizen-Id"] = citizen
        attempt = 0
        while True:
            started = time.monotonic()
            try:
                response = await self._client.request(method, path, json=json, files=files, headers=headers)
            except httpx.ConnectTimeout as exc:
                # Nothing reached the portal: unavailable, not "outcome unknown".
                failure: PortalError = PortalUnavailable(f"{op}: connect timeout")
                cause: Exception | None = exc
                metrics.portal_request(op, "unreachable", time.monotonic() - started)
            except httpx.TimeoutException as exc:
                failure, cause = PortalTimeout(f"{op}: {type(exc).__name__}"), exc
                metrics.portal_request(op, "timeout", time.monotonic() - started)
            except httpx.TransportError as exc:
                failure, cause = PortalUnavailable(f"{op}: {type(exc).__name__}"), exc
                metrics.portal_request(op, "unreachable", time.monotonic() - started)
            else:
                metrics.portal_request(op, _outcome(response.status_code), time.monotonic() - started)
                elapsed_ms = (time.monotonic() - started) * 1000
                log.info("portal %s -> %s in %.0f ms (attempt %d)",
                         op, response.status_code, elapsed_ms, attempt + 1)
                if not _retryable(response.status_code):
                    return _body_or_raise(op, response)
                failure, cause = PortalUnavailable(f"{op}: HTTP {response.status_code}"), None
            if attempt == self._retries:
                raise failure from cause
            delay = self._backoff * 2**attempt
            attempt += 1
            log.warning("portal %s failed (%s), retry %d/%d in %.2fs",
                        op, failure, attempt, self._retries, delay)
            await self._sleep(delay)


def _outcome(status: int) -> str:
    return "ok" if status < 400 else "error" if _retryable(status) else "refused"


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


def _body_or_raise(op: str, response: httpx.Response) -> Any:
    status = response.status_code
    if 200 <= status < 300:
        try:
            return response.json()
        except ValueError as exc:
            raise PortalError(f"{op}: response is not JSON") from exc
    if status == 404:
        raise NotFound(op)
    if status == 413:
        raise AttachmentTooLarge(op)
    if status == 415:
        raise AttachmentTypeRefused(op)
    if status in (409, 422):
        # 422: the portal refused the content; 409: the key was already used for another
        # request. Both are final answers about this request, with a code saying why.
        error = _error_body(response)
        code = error.get("code") or (IDEMPOTENCY_CONFLICT if status == 409 else "rejected")
        raise PortalRejected(str(code), str(error.get("detail", "")))
    # 400, 401, 403 … are Kavshiri's own mistakes (bad token, unknown citizen, malformed call).
    raise PortalError(f"{op}: HTTP {status} {_error_body(response).get('code', '')}".rstrip())


def _error_body(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _parse(build: Callable[[Any], Any], data: Any) -> Any:
    """Turns a contract violation in a 2xx body into a PortalError, not a crash in the engine."""
    try:
        return build(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PortalError(f"malformed portal response: {type(exc).__name__}") from exc


def _registration(data: dict[str, Any]) -> Registration:
    return Registration(
        registration_number=str(data["registration_number"]),
        registered_at=parse_time(data["registered_at"]),
        status=str(data["status"]),
    )


def _correspondence(data: dict[str, Any]) -> Correspondence:
    completed_at = data.get("completed_at")
    return Correspondence(
        registration_number=str(data["registration_number"]),
        agency_id=str(data["agency_id"]),
        request_type=str(data["request_type"]),
        subject=str(data["subject"]),
        registered_at=parse_time(data["registered_at"]),
        status=str(data["status"]),
        answer_url=data.get("answer_url"),
        completed_at=parse_time(completed_at) if completed_at else None,
        attachments=tuple(_attachment(item) for item in data.get("attachments") or ()),
        linked_to=data.get("linked_to"),
        rights_explained=None if data.get("rights_explained") is None else bool(data["rights_explained"]),
    )


def _attachment(data: dict[str, Any]) -> Attachment:
    expires_at = data.get("expires_at")
    return Attachment(
        id=str(data["id"]),
        name=str(data["name"]),
        content_type=str(data["content_type"]),
        size=int(data["size"]),
        expires_at=parse_time(expires_at) if expires_at else None,
    )


def parse_time(text: str) -> datetime:
    """ISO 8601 to an aware datetime. The contract requires an offset; a time without one is
    read as Tbilisi time, the portal's own zone, rather than guessed as UTC."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=PORTAL_TZ)


def sign_callback(secret: str, timestamp: int, body: bytes) -> str:
    """The X-Portal-Signature value: sha256=<hex HMAC-SHA256(secret, f"{timestamp}.{body}")>."""
    return _signature(secret, str(timestamp), body)


def verify_callback(
    secret: str,
    timestamp_header: str | None,
    signature_header: str | None,
    body: bytes,
    now: float,
    tolerance_seconds: int,
) -> bool:
    """True only for a well-formed, fresh timestamp and a matching signature over the raw body.
    The timestamp is inside the MAC, so a captured callback cannot be replayed later."""
    if not timestamp_header or not signature_header:
        return False
    digits = timestamp_header.isascii() and timestamp_header.isdigit()
    if not digits or len(timestamp_header) > 12:
        return False
    if abs(now - int(timestamp_header)) > tolerance_seconds:
        return False
    expected = _signature(secret, timestamp_header, body)
    return hmac.compare_digest(expected.encode(), signature_header.strip().encode())


def _signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()
