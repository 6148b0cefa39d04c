"""Connections cost the server only while they are useful (security review, finding 4): silent,
half-sent and trickling requests are cut off, there is a ceiling on connections at once, widget
sockets time out when silent and are capped per address, and an idle widget costs the store
nothing: what is pushed to its inbox wakes it, from whichever process pushed it."""
from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import pytest
import redis.asyncio as redis
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from api.app import create_app
from bot.messages import Reply, reply_to_json
from connectors.redis_store import RedisStore
from connectors.webchat import address_of
from kavshiri.server import uvicorn_options
from tests.channels import serve
from tests.conftest import REDIS_URL
from tests.support import delete_keys
from tests.widget_support import WidgetDeployment

OWN = "http://127.0.0.1:8000"  # the own origin of settings_for's deployments (HOST and PORT's defaults)


async def closed_by_server(reader: asyncio.StreamReader, seconds: float = 15) -> bool:
    """True once the server closes the connection (an EOF), False if it still holds it after `seconds`."""
    try:
        while await asyncio.wait_for(reader.read(1024), seconds):
            pass
        return True
    except asyncio.TimeoutError:
        return False


async def test_silent_half_sent_and_trickling_requests_are_cut_off(kv):
    kv.settings.request_read_seconds = 0.5
    async with serve(create_app(kv), **uvicorn_options(kv.settings)) as url:
        port = int(url.rsplit(":", 1)[1])
        silent, half, trickle = [await asyncio.open_connection("127.0.0.1", port) for _ in range(3)]
        half[1].write(b"POST /api/chat/sessions HTTP/1.1\r\nHost: x\r\n")
        trickle[1].write(b"POST /api/chat/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 100\r\n\r\n{")
        outcomes = [await closed_by_server(reader) for reader, _ in (silent, half, trickle)]
        async with httpx.AsyncClient(base_url=url) as client:
            assert (await client.get("/healthz")).status_code == 200  # whole requests are served
        for _, writer in (silent, half, trickle):
            writer.close()
    assert outcomes == [True, True, True]


async def statuses(client: httpx.AsyncClient, until: int, tries: int = 30) -> list[int]:
    """/healthz's answers until one is `until` (the server may not have seen a change yet)."""
    seen: list[int] = []
    while len(seen) < tries and until not in seen:
        client.headers["Connection"] = "close"  # a new connection each time, counted anew
        seen.append((await client.get("/healthz")).status_code)
        await asyncio.sleep(0.1)
    return seen


async def test_past_the_ceiling_new_connections_get_503(kv):
    kv.settings.max_connections = 3
    async with serve(create_app(kv), **uvicorn_options(kv.settings)) as url:
        port = int(url.rsplit(":", 1)[1])
        held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(3)]
        async with httpx.AsyncClient(base_url=url) as client:
            refused = await statuses(client, 503)
            for _, writer in held:
                writer.close()
            served = await statuses(client, 200)
    assert refused[-1] == 503 and served[-1] == 200


async def hello(url: str) -> websockets.ClientConnection:
    ws = await websockets.connect(url.replace("http", "ws") + "/api/chat/ws?agency=mia", origin=OWN)
    await ws.send(json.dumps({"type": "hello", "token": None, "lang": "en"}))
    assert json.loads(await ws.recv())["type"] == "session"
    assert json.loads(await ws.recv())["type"] == "history"
    return ws


async def test_widget_sockets_are_capped_per_address_and_close_when_silent(kv):
    kv.settings.widget_sockets_per_ip, kv.settings.widget_idle_seconds = 2, 1.0
    async with serve(create_app(kv), **uvicorn_options(kv.settings)) as url:
        first, second = await hello(url), await hello(url)
        with pytest.raises(InvalidStatus) as refused:
            await hello(url)
        assert refused.value.response.status_code == 403
        for ws in (first, second):  # nobody says anything
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 15)
            assert closed.value.rcvd.code == 4000
        third = await hello(url)  # the closed ones no longer count
        await third.close()


@pytest.fixture
def redis_deployment(tmp_path):
    """`kavshiri serve` on Redis with no worker of its own: only the widget touches the store."""
    deployment = WidgetDeployment(tmp_path)
    prefix = f"test-{uuid.uuid4().hex[:12]}:"
    deployment.env.update(REDIS_URL=REDIS_URL, REDIS_PREFIX=prefix, RUN_WORKER="false")
    deployment.prefix = prefix
    with deployment:
        yield deployment
    asyncio.run(delete_keys(REDIS_URL, prefix))


async def test_an_idle_widget_costs_redis_nothing_and_a_push_from_another_process_arrives(redis_deployment):
    d = redis_deployment
    ws = await websockets.connect(d.api_url.replace("http", "ws") + "/api/chat/ws?agency=mia", origin=d.page.url)
    await ws.send(json.dumps({"type": "hello", "token": None, "lang": "en"}))
    token = json.loads(await ws.recv())["token"]
    await ws.recv()  # the history
    await ws.send(json.dumps({"type": "message", "id": "m1", "text": "hello"}))
    while json.loads(await ws.recv())["type"] != "reply":
        pass
    await asyncio.sleep(0.5)  # the push loop is waiting now

    monitor_client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    seen: list[str] = []
    async with monitor_client.monitor() as monitor:
        async def watch() -> None:
            while True:
                command = await monitor.next_command()
                if d.prefix in command["command"]:
                    seen.append(command["command"])
        watching = asyncio.create_task(watch())
        await asyncio.sleep(3)  # three polls' worth of silence
        idle = list(seen)
        # This test's process is the other one: it pushes as a worker elsewhere would.
        other = RedisStore.from_url(REDIS_URL, prefix=d.prefix)
        reply = reply_to_json(Reply("handover.joined", {"name": "Nino"}))
        await other.push_inbox(f"web:{address_of(token)}", {"lang": "en", "reply": reply})
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        watching.cancel()
        await other.close()
    await monitor_client.aclose()
    await ws.close()
    assert idle == [], idle
    assert frame["type"] == "push" and "Nino" in frame["messages"][0]["text"]
