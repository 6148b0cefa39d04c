"""Liveness (/healthz: the process answers) and readiness (/readyz: it can do its work)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter()


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """200 when the store and the portal both answer; else 503, naming what is down and why."""
    checks = await request.app.state.kavshiri.readiness()
    ready = all(result == "ok" for result in checks.values())
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks},
                        status_code=200 if ready else 503)
