"""The HTTP surface: web chat and its widget, the operator console, the portal's completion
callback, health, metrics. Routes stay short."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from api import callback, chat, health, metrics, operators, published, receipts, stats, telegram, twilio, widget


async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    # Name the fields only: echoing the input back breaks on binary and leaks what was sent.
    fields = sorted({".".join(str(p) for p in e.get("loc", ())) for e in exc.errors()})
    return JSONResponse({"detail": "invalid request", "fields": fields}, status_code=422)


# Request bodies, refused with 413 before anything is parsed (Starlette's body limit): this much
# unless a route allows more (messages, webhooks, the register import).
SMALL_BODY = 8 * 1024


def create_app(kavshiri) -> FastAPI:
    """`kavshiri` is the composition root's `Kavshiri` (engine, store, catalog, alerts)."""
    docs = kavshiri.settings.api_docs
    app = FastAPI(title="Kavshiri", version="0.1.0", max_body_size=SMALL_BODY, docs_url="/docs" if docs else None,
                  redoc_url="/redoc" if docs else None, openapi_url="/openapi.json" if docs else None)
    app.state.kavshiri = kavshiri
    app.state.limits = widget.Limits(kavshiri.settings)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.include_router(telegram.router)  # the channels' webhooks carry the traffic: matched first
    app.include_router(twilio.router)
    app.include_router(chat.router)
    app.include_router(callback.router)
    app.include_router(widget.router)
    app.include_router(operators.router)
    app.include_router(published.router)
    app.include_router(stats.router)
    app.include_router(receipts.router)
    app.include_router(health.router)
    if kavshiri.settings.metrics_token:
        app.include_router(metrics.router)
    app.add_middleware(metrics.Instrumented)  # added last: the outermost, sees every refusal
    return app
