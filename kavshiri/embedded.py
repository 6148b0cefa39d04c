"""On embedded defaults the stand-in portal runs inside Kavshiri's own process."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx

from connectors.portal import CALLBACK_PATH
from kavshiri.settings import Settings


async def _answers(url: str, token: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=1.0) as client:
            response = await client.get(f"{url}/v1/agencies", headers={"Authorization": f"Bearer {token}"})
            return response.status_code == 200
    except httpx.HTTPError:
        return False


@contextlib.asynccontextmanager
async def portal(settings: Settings) -> AsyncIterator[str]:
    """Yield the portal's base URL: the configured one, a stand-in already running on this
    machine (another `kavshiri` process started it), or one started here for our lifetime."""
    if settings.portal_url:
        yield settings.portal_url
        return
    url = f"http://127.0.0.1:{settings.portal_sim_port}"
    if await _answers(url, settings.portal_token):
        yield url
        return
    from portal_sim.cli import build_server

    server = build_server(
        "127.0.0.1",
        settings.portal_sim_port,
        db_path=settings.kavshiri_home / "portal-sim.sqlite3",
        client_token=settings.portal_token,
        callback_url=settings.own_url + CALLBACK_PATH,
        callback_secret=settings.portal_callback_secret,
    )
    task = asyncio.create_task(server.serve())
    while not server.started and not task.done():
        await asyncio.sleep(0.02)
    try:
        yield url
    finally:
        server.should_exit = True
        await task
