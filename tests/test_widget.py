"""The widget's WebSocket and the operator console's API, over real HTTP to `kavshiri serve`:
origins, resume, replays, limits, sign-in, CSRF and session fixation, and the handover itself."""
from __future__ import annotations

import asyncio
import gzip
import json
import os
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from connectors.sqlite_store import SqliteStore
from tests.support import KAVSHIRI
from tests.widget_support import ELSEWHERE, OPERATOR, PASSWORD, WidgetDeployment

STATIC = Path(__file__).resolve().parents[1] / "api" / "static"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    with WidgetDeployment(tmp_path_factory.mktemp("widget-api")) as d:
        yield d


class Citizen:
    """A widget connection as the browser makes it."""

    def __init__(self, deployment: WidgetDeployment, origin: str | None = "page", agency: str = "mia") -> None:
        self.url = deployment.api_url.replace("http", "ws") + f"/api/chat/ws?agency={agency}"
        self.origin = deployment.page.url if origin == "page" else origin
        self.ws = None
        self.count = 0

    async def connect(self, token: str | None = None, lang: str = "en") -> list[dict]:
        self.ws = await websockets.connect(self.url, origin=self.origin)
        await self.ws.send(json.dumps({"type": "hello", "token": token, "lang": lang}))
        self.token = (await self.frame())["token"]
        return (await self.frame())["messages"]

    async def frame(self) -> dict:
        return json.loads(await self.ws.recv())

    async def say(self, text: str | None = None, choice: str | None = None, id: str | None = None) -> dict:
        self.count += 1
        await self.ws.send(json.dumps({"type": "message", "id": id or f"m{self.count}", "text": text, "choice": choice}))
        while (frame := await self.frame())["type"] not in ("reply", "error"):
            pass
        return frame

    async def pushed(self, seconds: float = 10) -> list[dict]:
        import asyncio

        while True:
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), seconds))
            if frame["type"] == "push":
                return frame["messages"]

    async def close(self) -> None:
        await self.ws.close()


def texts(messages: list[dict]) -> str:
    return "\n".join(m["text"] for m in messages)


@pytest.mark.parametrize("origin,agency", [("http://evil.test", "mia"), ("page", "moj"), (None, "mia")])
async def test_only_configured_origins_of_the_agency_get_in(deployment, origin, agency):
    citizen = Citizen(deployment, origin=origin, agency=agency)
    with pytest.raises(InvalidStatus) as refused:
        await citizen.connect()
    assert refused.value.response.status_code == 403


async def test_the_own_origin_comes_from_settings_not_the_host_header(deployment):
    """A DNS-rebinding page at evil.example reaches the server with its own name as Host."""
    port = int(deployment.api_url.rsplit(":", 1)[1])
    evil = f"evil.example:{port}"
    with socket.create_connection(("127.0.0.1", port)) as sock, pytest.raises(InvalidStatus) as refused:
        await websockets.connect(f"ws://{evil}/api/chat/ws?agency=mia", origin=f"http://{evil}", sock=sock)
    assert refused.value.response.status_code == 403


async def test_kavshiris_own_demo_page_may_host_the_widget(deployment):
    citizen = Citizen(deployment, origin=deployment.api_url, agency="mof")
    assert await citizen.connect() == []
    await citizen.close()
    demo = httpx.get(deployment.api_url + "/demo")
    assert demo.status_code == 200 and 'src="/widget.js"' in demo.text


async def test_reconnecting_with_the_token_brings_back_the_whole_conversation(deployment):
    citizen = Citizen(deployment)
    assert await citizen.connect() == []
    first = await citizen.say("hello")
    await citizen.say(choice="new_request")
    await citizen.close()

    again = Citizen(deployment)
    history = await again.connect(token=citizen.token)
    assert again.token == citizen.token
    assert [m["from"] for m in history][:2] == ["citizen", "bot"] and history[0]["text"] == "hello"
    assert first["messages"][0]["text"] in texts(history)
    assert "New request" in texts(history)  # the pressed button, as its label
    stranger = Citizen(deployment)
    assert await stranger.connect(token="x" * 43) == []  # an unknown token starts afresh
    assert stranger.token != citizen.token
    await again.close()
    await stranger.close()


async def test_a_resent_message_is_handled_once(deployment):
    citizen = Citizen(deployment)
    await citizen.connect()
    first = await citizen.say("hello", id="same")
    resent = await citizen.say("hello", id="same")
    # Handled once; the resend gets the first answer again, since its sender may have missed it.
    assert resent["duplicate"] and resent["messages"] == first["messages"] and first["messages"]
    await citizen.close()
    history = await Citizen(deployment).connect(token=citizen.token)
    assert [m["text"] for m in history if m["from"] == "citizen"] == ["hello"]


async def test_deeply_nested_json_is_malformed_not_a_crash(deployment):
    nested = "[" * 20_000
    citizen = Citizen(deployment)
    await citizen.connect()
    await citizen.ws.send(json.dumps({"type": "message", "id": "n", "text": "x"})[:-1] + f', "x": {nested}}}')
    assert (await citizen.frame()) == {"type": "error", "reason": "malformed"}
    assert (await citizen.say("hello"))["messages"]  # the conversation goes on
    await citizen.close()
    hello = Citizen(deployment)
    hello.ws = await websockets.connect(hello.url, origin=hello.origin)
    await hello.ws.send(nested)
    with pytest.raises(ConnectionClosed) as closed:
        await hello.frame()
    assert closed.value.rcvd.code == 1008  # refused as a bad hello, not an error of the server
    assert "RecursionError" not in (deployment.root / "api.log").read_text()


async def test_bad_frames_are_rejected_and_the_conversation_survives(deployment):
    citizen = Citizen(deployment)
    await citizen.connect()
    await citizen.ws.send(b"\x00\xffbinary")
    assert (await citizen.frame()) == {"type": "error", "reason": "malformed"}
    await citizen.ws.send("{not json")
    assert (await citizen.frame())["reason"] == "malformed"
    await citizen.ws.send(json.dumps({"type": "message", "id": "x", "text": 42}))
    assert (await citizen.frame())["reason"] == "malformed"
    long = await citizen.say("ა" * 30_000)
    assert "too long" in texts(long["messages"])  # translated answer, not a dropped socket
    await citizen.ws.send(json.dumps({"type": "message", "id": "big", "text": "x" * 300_000}))
    with pytest.raises(ConnectionClosed) as closed:
        await citizen.frame()
    assert closed.value.rcvd.code == 1009
    history = await Citizen(deployment).connect(token=citizen.token)
    assert any(m["from"] == "citizen" for m in history)  # what was said before is still there


async def test_a_flood_is_slowed_down(deployment):
    citizen = Citizen(deployment)
    await citizen.connect()
    answers = [await citizen.say("hello") for _ in range(16)]
    assert any(a["type"] == "error" and a["reason"] == "slow_down" for a in answers)
    await citizen.close()


def test_widget_script_is_small_and_inserts_no_markup():
    source = (STATIC / "widget.js").read_bytes()
    assert len(gzip.compress(source)) < 50 * 1024
    assert b"innerHTML" not in source and b"insertAdjacentHTML" not in source


# The operator console's API


def console(deployment) -> httpx.Client:
    return httpx.Client(base_url=deployment.api_url, timeout=10)


def sign_in(client: httpx.Client, login: str = OPERATOR) -> str:
    response = client.post("/api/operators/login", json={"login": login, "password": PASSWORD})
    assert response.status_code == 200
    return response.json()["csrf"]


def test_sign_in_sets_a_strict_httponly_cookie_and_rotates_the_session(deployment):
    planted = {"kavshiri_operator": "planted-by-an-attacker"}
    with httpx.Client(base_url=deployment.api_url, cookies=planted) as client:
        assert client.post("/api/operators/login", json={"login": OPERATOR, "password": "wrong"}).status_code == 401
        assert client.post("/api/operators/login", json={"login": "nobody", "password": PASSWORD}).status_code == 401
        login = {"login": OPERATOR, "password": PASSWORD}
        first = client.post("/api/operators/login", json=login)
        cookie = first.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
        second = client.post("/api/operators/login", json=login)
        ids = {first.cookies["kavshiri_operator"], second.cookies["kavshiri_operator"], planted["kavshiri_operator"]}
        assert len(ids) == 3  # a new session id at every sign-in, never the one the browser brought
    with httpx.Client(base_url=deployment.api_url, cookies=planted) as other:
        assert other.get("/api/operators/me").status_code == 401


def test_state_changes_need_the_csrf_token(deployment):
    with console(deployment) as client:
        csrf = sign_in(client)
        assert client.post("/api/operators/presence", json={"online": True}).status_code == 403
        bad = {"X-CSRF-Token": "guess"}
        assert client.post("/api/operators/presence", json={"online": True}, headers=bad).status_code == 403
        assert client.get("/api/operators/me").json()["online"] is False
        ok = client.post("/api/operators/presence", json={"online": True}, headers={"X-CSRF-Token": csrf})
        assert ok.status_code == 204 and client.get("/api/operators/me").json()["online"] is True
        assert "password" not in client.get("/api/operators/me").json()
        client.post("/api/operators/logout", headers={"X-CSRF-Token": csrf})
        assert client.get("/api/operators/desk").status_code == 401


async def test_handover_to_an_operator_and_back(deployment):
    with console(deployment) as nino, console(deployment) as giorgi:
        csrf = sign_in(nino)
        nino.post("/api/operators/presence", json={"online": True}, headers={"X-CSRF-Token": csrf})
        other_csrf = sign_in(giorgi, ELSEWHERE)
        citizen = Citizen(deployment)
        await citizen.connect()
        await citizen.say("hello")
        queued = await citizen.say(choice="human")
        assert "Your place in the queue: 1" in texts(queued["messages"])

        waiting = [c for c in nino.get("/api/operators/desk").json()["conversations"] if c["state"] == "waiting"]
        key = waiting[-1]["citizen_key"]
        assert any(m["text"] == "hello" for m in waiting[-1]["transcript"])
        assert giorgi.get("/api/operators/desk").json()["conversations"] == []  # another agency's operator
        take = {"conversation": key, "action": "take"}
        assert giorgi.post("/api/operators/act", json=take, headers={"X-CSRF-Token": other_csrf}).status_code == 409
        assert nino.post("/api/operators/act", json=take, headers={"X-CSRF-Token": csrf}).status_code == 204
        assert "has joined" in texts(await citizen.pushed())

        assert (await citizen.say("Is my passport ready?"))["messages"] == []  # for the person, not the bot
        say = {"conversation": key, "action": "say", "text": "<b>Yes</b>, come tomorrow."}
        assert nino.post("/api/operators/act", json=say, headers={"X-CSRF-Token": csrf}).status_code == 204
        words = await citizen.pushed()
        assert words[0]["text"] == "<b>Yes</b>, come tomorrow." and words[0]["from"] == "operator"
        back = {"conversation": key, "action": "hand_back"}
        assert nino.post("/api/operators/act", json=back, headers={"X-CSRF-Token": csrf}).status_code == 204
        assert "handed the chat back" in texts(await citizen.pushed())
        assert (await citizen.say("help"))["messages"]  # the bot answers again
        await citizen.close()

    store = await SqliteStore.open(deployment.root / "home" / "kavshiri.sqlite3")
    audit = [(a["operator"], a["action"], a.get("text")) for a in await store.read_log("audit", 100)
             if a["conversation"] == key]
    await store.close()
    assert audit == [(OPERATOR, "take", None), (OPERATOR, "say", "<b>Yes</b>, come tomorrow."),
                     (OPERATOR, "hand_back", None)]
    log = (deployment.root / "api.log").read_text()
    assert "passport" not in log and "come tomorrow" not in log and '"WebSocket' not in log  # no texts, no addresses


async def probe(http: httpx.AsyncClient) -> float:
    start = time.perf_counter()
    (await http.get("/healthz")).raise_for_status()
    return time.perf_counter() - start


async def test_a_backtracking_contact_does_not_stall_the_server(deployment):
    """The review's ReDoS input at the "leave a message" step, while another request is timed."""
    citizen = Citizen(deployment, origin=deployment.api_url, agency="moj")  # no MoJ operator is online
    await citizen.connect()
    await citizen.say("hello")
    await citizen.say(choice="human")
    await citizen.say(choice="leave_message")
    await citizen.say("Please call me back about my passport.")
    async with httpx.AsyncClient(base_url=deployment.api_url) as http:
        unloaded = max([await probe(http) for _ in range(20)])
        attack = asyncio.create_task(citizen.say("a@" + "." * 19_990 + "@"))
        loaded = [await probe(http)]
        while not attack.done():
            loaded.append(await probe(http))
        answer = await attack
    await citizen.close()
    assert "does not look like a phone number" in texts(answer["messages"])
    assert max(loaded) < 200 * unloaded, (max(loaded), unloaded)  # a stall is thousands of times


def test_operator_add_refuses_a_short_password(tmp_path):
    env = {**os.environ, "KAVSHIRI_HOME": str(tmp_path)}
    env.pop("REDIS_URL", None)
    done = subprocess.run([KAVSHIRI, "operator", "add", "x", "--name", "X", "--password-stdin"], input="short\n",
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "12 characters" in done.stderr
