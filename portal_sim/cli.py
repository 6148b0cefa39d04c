"""What the project's CLI calls to run the stand-in portal and to act as its operator."""
from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import uvicorn

from portal_sim.app import create_app


def build_server(
    host: str,
    port: int,
    db_path: Path,
    client_token: str,
    callback_url: str | None,
    callback_secret: str,
    faults: bool = False,
    public_url: str | None = None,
) -> uvicorn.Server:
    """A server to `await server.serve()` inside an already running event loop (in-process)."""
    app = create_app(db_path, client_token, callback_url, callback_secret, faults,
                     public_url=public_url or f"http://{host}:{port}")
    # Our own logging (stderr), and no access log: answer URLs carry their secret key.
    config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False)
    return uvicorn.Server(config)


async def progress(base_url: str, client_token: str, registration_number: str) -> dict[str, Any]:
    return await _operate(base_url, client_token, registration_number, "progress", None)


async def complete(
    base_url: str,
    client_token: str,
    registration_number: str,
    answer: str,
    outcome: str = "completed",
    rights_explained: bool = True,
) -> dict[str, Any]:
    """Completes (or, with outcome="refused", refuses) a correspondence; the portal then sends
    its signed callback. Returns the correspondence as the citizen would now see it.
    `rights_explained=False`: a refusal without the written explanation of rights."""
    payload = {"answer": answer, "outcome": outcome, "rights_explained": rights_explained}
    return await _operate(base_url, client_token, registration_number, "complete", payload)


async def _operate(
    base_url: str,
    client_token: str,
    registration_number: str,
    action: str,
    payload: dict[str, Any] | None,
) -> dict[str, Any]:
    """Raises httpx.HTTPStatusError on an error answer; its JSON body has {code, detail}."""
    async with httpx.AsyncClient(base_url=base_url, timeout=10.0) as client:
        response = await client.post(
            f"/sim/correspondence/{quote(registration_number, safe='')}/{action}", json=payload,
            headers={"Authorization": f"Bearer {client_token}"},
        )
        response.raise_for_status()
        return response.json()
