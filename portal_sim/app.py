"""The stand-in MY.GOV.GE portal: the contract in connectors/portal_api.yaml over its own SQLite
file, plus operator endpoints under /sim/ that move correspondence along its lifecycle and,
when built with `faults=True`, inject failures for tests."""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from portal_sim.agencies import load_agencies
from portal_sim.callbacks import CallbackSender
from portal_sim.db import SimDB
from portal_sim.routes import answers, operator, v1
from portal_sim.state import ApiError, SimState, tbilisi_now


def create_app(
    db_path: Path,
    client_token: str,
    callback_url: str | None,
    callback_secret: str,
    faults: bool = False,
    *,
    agencies: dict[str, dict[str, Any]] | None = None,
    public_url: str | None = None,
    clock: Callable[[], datetime] = tbilisi_now,
    callback_attempts: int = 5,
    callback_backoff: float = 1.0,
) -> FastAPI:
    """`public_url` is where citizens reach the answer pages (default: the address the operator
    used to complete); `clock` must return aware datetimes."""
    state = SimState(
        db_path=Path(db_path), client_token=client_token,
        agencies=agencies if agencies is not None else load_agencies(),
        callback_url=callback_url, callback_secret=callback_secret, faults_enabled=faults,
        public_url=public_url.rstrip("/") if public_url else None, clock=clock,
        callback_attempts=callback_attempts, callback_backoff=callback_backoff,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.db = await SimDB.open(state.db_path)
        if state.callback_url:
            state.sender = CallbackSender(
                state.db, state.callback_url, state.callback_secret,
                attempts=state.callback_attempts, backoff=state.callback_backoff,
            )
            state.sender.start()
        try:
            yield
        finally:
            if state.sender:
                await state.sender.stop()
            await state.db.close()

    app = FastAPI(title="MY.GOV.GE stand-in portal", lifespan=lifespan)
    app.state.sim = state
    app.include_router(v1)
    app.include_router(operator)
    app.include_router(answers)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _invalid_field)
    return app


async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
    return JSONResponse({"code": exc.code, "detail": exc.detail}, status_code=exc.status)


async def _invalid_field(request: Request, exc: RequestValidationError) -> JSONResponse:
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(part) for part in first.get("loc", ())[1:]) or "request"
    detail = f"{where}: {first.get('msg', 'invalid')}"
    return JSONResponse({"code": "invalid_field", "detail": detail}, status_code=422)
