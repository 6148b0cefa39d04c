"""/metrics in Prometheus' text format, and what only the HTTP surface sees: webhook calls
refused, and WebSockets open.

On the API's port the page exists only when METRICS_TOKEN is set, and needs it as a bearer
token; on METRICS_PORT (`metrics_app`, also the worker's) it needs the token only if one is set.
"""
from __future__ import annotations

import hmac

from fastapi import APIRouter, FastAPI, HTTPException, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot import metrics
from connectors.portal import CALLBACK_PATH

router = APIRouter()

WEBHOOKS = {"/webhooks/telegram": "telegram", "/webhooks/twilio/sms": "twilio_sms",
            "/webhooks/twilio/status": "twilio_status", CALLBACK_PATH: "portal_callback"}
REASONS = {400: "malformed", 401: "unauthenticated", 403: "unauthenticated", 404: "not_configured",
           405: "wrong_method", 413: "too_large", 415: "malformed", 422: "malformed", 429: "too_many"}


@router.get("/metrics", include_in_schema=False)
async def metrics_page(request: Request) -> Response:
    kv = request.app.state.kavshiri
    if token := kv.settings.metrics_token:
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, f"Bearer {token}".encode()):
            raise HTTPException(401, "bearer token required", headers={"WWW-Authenticate": "Bearer"})
    await kv.count_store()
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def metrics_app(kavshiri) -> FastAPI:
    """The page alone, for METRICS_PORT."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state.kavshiri = kavshiri
    app.include_router(router)
    return app


class Instrumented:
    """ASGI middleware, outermost, so that it sees refusals made before any route runs."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        webhook = WEBHOOKS.get(scope.get("path", "")) if scope["type"] == "http" else None
        if webhook is None:
            await self.app(scope, receive, send)
            return

        async def watched(message) -> None:
            if message["type"] == "http.response.start" and 400 <= message["status"] < 500:
                metrics.WEBHOOK_REJECTIONS.labels(webhook, REASONS.get(message["status"], "refused")).inc()
            await send(message)

        await self.app(scope, receive, watched)

    async def _websocket(self, scope, receive, send) -> None:
        accepted = False

        async def watched(message) -> None:
            nonlocal accepted
            if message["type"] == "websocket.accept":
                accepted = True
                metrics.WEBSOCKETS_OPEN.inc()
            await send(message)

        try:
            await self.app(scope, receive, watched)
        finally:
            if accepted:
                metrics.WEBSOCKETS_OPEN.dec()
