"""The HTTP surface: web chat, the portal's completion callback, health. Routes stay short."""
from __future__ import annotations

from fastapi import FastAPI

from api import callback, chat


def create_app(kavshiri) -> FastAPI:
    """`kavshiri` is the composition root's `Kavshiri` (engine, store, catalog, alerts)."""
    app = FastAPI(title="Kavshiri", version="0.1.0")
    app.state.kavshiri = kavshiri
    app.include_router(chat.router)
    app.include_router(callback.router)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
