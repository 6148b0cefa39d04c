"""What the stand-in portal's routes share: its configuration and live state, the contract's
error shape, and the authentication dependencies."""
from __future__ import annotations

import asyncio
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Depends, Header, Request

from connectors.portal import PORTAL_TZ as TBILISI
from portal_sim.callbacks import CallbackSender
from portal_sim.db import SimDB

FAULT_NAMES = ("fail_next", "fail_after_commit", "delay_seconds", "reject_next")


def tbilisi_now() -> datetime:
    return datetime.now(TBILISI)


class ApiError(Exception):
    """An error answer in the contract's shape: {code, detail}."""

    def __init__(self, status: int, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.status, self.code, self.detail = status, code, detail


@dataclass
class SimState:
    db_path: Path
    client_token: str
    agencies: dict[str, dict[str, Any]]
    callback_url: str | None
    callback_secret: str
    faults_enabled: bool
    public_url: str | None
    clock: Callable[[], datetime]
    callback_attempts: int
    callback_backoff: float
    faults: dict[str, float] = field(default_factory=lambda: dict.fromkeys(FAULT_NAMES, 0))
    db: SimDB | None = None
    sender: CallbackSender | None = None

    def take_fault(self, name: str) -> bool:
        """Consumes one injected fault of this kind, if any is armed."""
        if self.faults_enabled and self.faults[name] > 0:
            self.faults[name] -= 1
            return True
        return False

    async def delay(self) -> None:
        if self.faults_enabled and self.faults["delay_seconds"] > 0:
            await asyncio.sleep(self.faults["delay_seconds"])


def sim_state(request: Request) -> SimState:
    return request.app.state.sim


def require_client(
    authorization: str | None = Header(None), state: SimState = Depends(sim_state)
) -> None:
    expected = f"Bearer {state.client_token}".encode()
    if not authorization or not hmac.compare_digest(authorization.encode(), expected):
        raise ApiError(401, "unauthorized", "missing or wrong client token")


def require_citizen(x_citizen_id: str | None = Header(None)) -> str:
    # Only test identities exist until real MY.GOV.GE identity linking is built.
    if not x_citizen_id or not x_citizen_id.startswith("test-"):
        raise ApiError(401, "unknown_citizen", "X-Citizen-Id is missing or unknown")
    return x_citizen_id
