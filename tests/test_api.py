"""The HTTP surface's defences: tokens, replays, sizes, and the portal callback's signature."""
from __future__ import annotations

import json
import time
import uuid

import httpx
import pytest

from api.app import create_app
from bot.desk import transcript_key
from connectors.portal import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_callback
from connectors.webchat import address_of
from kavshiri.server import uvicorn_options
from tests.channels import serve
from tests.conftest import SECRET, Chat, event


@pytest.fixture
async def api(kv):
    transport = httpx.ASGITransport(app=create_app(kv))
    async with httpx.AsyncClient(transport=transport, base_url="http://kavshiri.test") as client:
        yield client


async def new_token(api: httpx.AsyncClient, lang: str = "en") -> dict[str, str]:
    response = await api.post("/api/chat/sessions", json={"lang": lang})
    assert response.status_code == 201
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer short"}, {"Authorization": "Basic " + "x" * 43},
                                     {"Authorization": "Bearer " + "x" * 43}])
async def test_messages_need_a_token_that_was_issued(api, headers):
    response = await api.post("/api/chat/messages", json={"text": "hello"}, headers=headers)
    assert response.status_code == 401


async def test_a_replayed_message_is_not_handled_twice(api, kv):
    auth = await new_token(api)
    first = await api.post("/api/chat/messages", json={"text": "hello", "message_id": "m1"}, headers=auth)
    again = await api.post("/api/chat/messages", json={"choice": "new_request", "message_id": "m1"}, headers=auth)
    assert first.json()["messages"] and again.json() == {"messages": [], "duplicate": True}


async def test_oversized_and_malformed_bodies_are_refused_cleanly(api):
    auth = await new_token(api)
    too_long = await api.post("/api/chat/messages", json={"text": "x" * 30_000}, headers=auth)
    assert too_long.status_code == 422
    huge = await api.post("/api/chat/messages", json={"text": "x" * 200_000}, headers=auth)
    assert huge.status_code == 413
    binary = await api.post("/api/chat/messages", content=b"\xff\xfe\x00binary", headers=auth)
    assert binary.status_code == 422
    still_fine = await api.post("/api/chat/messages", json={"text": "hello"}, headers=auth)
    assert still_fine.status_code == 200


async def test_a_message_refused_as_too_long_is_kept_shortened_with_a_note(api, kv):
    response = await api.post("/api/chat/sessions", json={"lang": "en"})
    token = response.json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    answer = await api.post("/api/chat/messages", json={"text": "word " * 4_800}, headers=auth)  # 24,000
    assert "too long" in answer.json()["messages"][0]["text"]
    [said] = [m for m in await kv.store.read_log(transcript_key(f"web:{address_of(token)}"), 10)
              if m["from"] == "citizen"]
    assert said["refused"] == "too_long" and said["length"] == 24_000
    assert said["text"].startswith("word word") and len(said["text"]) <= 501


async def test_a_conversation_that_says_nothing_leaves_no_citizen_behind(api, kv):
    tokens = [(await api.post("/api/chat/sessions", json={"lang": "ka", "agency": "mia"})).json()["token"]
              for _ in range(3)]
    for token in tokens:
        assert await kv.store.get_citizen(f"web:{address_of(token)}") is None
        assert (await api.get("/api/chat/messages", headers={"Authorization": f"Bearer {token}"})).status_code == 200
    assert await kv.store.get_citizen(f"web:{address_of(tokens[0])}") is None
    said = await api.post("/api/chat/messages", json={"text": "hello"},
                          headers={"Authorization": f"Bearer {tokens[0]}"})
    assert said.json()["messages"][0]["lang"] == "ka"  # the language the conversation was opened in
    citizen = await kv.store.get_citizen(f"web:{address_of(tokens[0])}")
    assert citizen.lang == "ka" and citizen.agency == "mia"
    forged = tokens[1][:-1] + ("0" if tokens[1][-1] != "0" else "1")
    assert (await api.get("/api/chat/messages", headers={"Authorization": f"Bearer {forged}"})).status_code == 401


async def test_georgian_session_answers_in_georgian(api):
    auth = await new_token(api, "ka")
    messages = (await api.post("/api/chat/messages", json={"text": "help"}, headers=auth)).json()["messages"]
    assert all(m["lang"] == "ka" for m in messages) and "დაგეხმარებით" in messages[0]["text"]


def signed(body: bytes, secret: str = SECRET, age: int = 0) -> dict[str, str]:
    timestamp = int(time.time()) - age
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign_callback(secret, timestamp, body),
            "Content-Type": "application/json"}


async def submitted_number(kv) -> tuple[Chat, str]:
    chat = Chat(kv)
    await chat.start("en")
    await chat.draft("MIA", "letter", "Subject", "Body")
    return chat, event(await chat.choose("submit"), "submitted")["registration_number"]


async def test_portal_callback_is_verified_and_replays_are_ignored(api, kv):
    chat, number = await submitted_number(kv)
    body = json.dumps({"event_id": str(uuid.uuid4()), "type": "correspondence.completed",
                       "registration_number": number, "citizen_id": "x", "status": "completed",
                       "answer_url": "http://portal.test/answers/1", "completed_at": None}).encode()
    for bad in (signed(body, secret="wrong"), signed(body, age=3600), {"Content-Type": "application/json"}):
        assert (await api.post("/portal/callback", content=body, headers=bad)).status_code == 401
    assert (await api.post("/portal/callback", content=body + b" ", headers=signed(body))).status_code == 401
    assert (await kv.store.get_submission(number)).status == "registered"  # nothing forged got in

    assert (await api.post("/portal/callback", content=body, headers=signed(body))).status_code == 204
    assert (await api.post("/portal/callback", content=body, headers=signed(body))).status_code == 204
    await kv.outbox.deliver_due()
    alerts = await chat.inbox()
    assert len(alerts) == 1 and "http://portal.test/answers/1" in alerts[0]["text"]


async def test_a_refusal_callback_without_the_explanation_of_rights_says_so_in_the_alert(api, kv):
    chat, number = await submitted_number(kv)
    body = json.dumps({"event_id": str(uuid.uuid4()), "type": "correspondence.refused",
                       "registration_number": number, "citizen_id": "x", "status": "refused",
                       "answer_url": "http://portal.test/answers/2", "completed_at": "2026-12-03T10:00:00+04:00",
                       "rights_explained": False}).encode()
    assert (await api.post("/portal/callback", content=body, headers=signed(body))).status_code == 204
    assert (await kv.store.get_submission(number)).rights_explained is False
    await kv.outbox.deliver_due()
    [alert] = await chat.inbox()
    assert "did not explain your rights" in alert["text"]
    assert f"late:complain:{number}" in [c["id"] for c in alert["choices"]]


async def test_deeply_nested_json_is_a_clean_client_error(api, kv):
    nested = b"[" * 5_000 + b"]" * 5_000
    assert (await api.post("/portal/callback", content=nested, headers=signed(nested))).status_code == 422
    auth = await new_token(api)
    assert (await api.post("/api/chat/messages", content=nested, headers=auth)).status_code in (400, 422)
    kv.settings.register_token = "register-token"
    imported = await api.post("/api/published/register", content=nested,
                              headers={"Authorization": "Bearer register-token", "Content-Type": "application/json"})
    assert imported.status_code == 422 and "nested" in imported.text


async def test_an_oversized_callback_is_refused_before_it_is_read_whole(api):
    async def chunks():
        for _ in range(200):  # 200 × 1 KiB, sent chunked: no Content-Length to trust
            yield b"x" * 1024

    chunked = await api.post("/portal/callback", content=chunks())
    assert chunked.status_code == 413
    lying = await api.post("/portal/callback", content=b"{}", headers={"Content-Length": "nope"})
    assert lying.status_code in (400, 401, 413)  # a non-number is no length: the tiny body is read, unsigned


@pytest.mark.parametrize("path", ["/api/chat/sessions", "/api/operators/login", "/api/chat/messages",
                                  "/api/operators/act"])
async def test_an_oversized_body_is_refused_before_it_is_read(api, path):
    sent = 0

    async def chunks():
        nonlocal sent
        for _ in range(1000):  # 1000 × 1 KiB of JSON whitespace, chunked: no Content-Length to trust
            sent += 1
            yield b" " * 1024

    streamed = await api.post(path, content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413 and sent < 300
    declared = await api.post(path, content=b"{}", headers={"Content-Type": "application/json",
                                                              "Content-Length": str(64 * 1024 * 1024)})
    assert declared.status_code == 413


async def test_sign_in_backs_off_per_account_whatever_the_address_and_failures_are_audited(kv):
    login = f"op-{uuid.uuid4().hex[:8]}"
    await kv.accounts.add(login, "Nino", "a long test password", ["mia"])
    app = create_app(kv)

    async def sign_in(password: str, n: int) -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=(f"10.9.0.{n}", 4000))  # a new address each time
        async with httpx.AsyncClient(transport=transport, base_url="http://kavshiri.test") as client:
            return await client.post("/api/operators/login", json={"login": login, "password": password})

    statuses = [(await sign_in(f"guess {n}", n)).status_code for n in range(7)]
    assert statuses[:5] == [401] * 5 and statuses[-1] == 429
    locked = await sign_in("a long test password", 99)  # even the right password waits now
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) >= 1
    failed = [a for a in await kv.store.read_log("audit", 100) if a["operator"] == login]
    assert [a["action"] for a in failed] == ["login_failed"] * 5 and all("password" not in a for a in failed)


@pytest.mark.parametrize("believed", ["", "127.0.0.1"])
async def test_x_forwarded_for_counts_only_from_the_configured_proxies(kv, believed):
    """Every test client is 127.0.0.1: uvicorn's default would let each spoofed header be a new client."""
    kv.settings.widget_connections_per_minute = 2
    kv.settings.forwarded_allow_ips = believed
    async with serve(create_app(kv), **uvicorn_options(kv.settings)) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            statuses = [(await client.post("/api/chat/sessions", json={},
                                           headers={"X-Forwarded-For": f"198.51.100.{n}"})).status_code
                        for n in range(3)]
    assert statuses == ([201, 201, 429] if not believed else [201, 201, 201])


async def test_behind_a_tls_proxy_the_cookie_is_secure_and_browsers_are_told_to_keep_to_https(kv):
    """The proxy speaks plain HTTP to us (and is not 127.0.0.1); PUBLIC_URL says browsers use https."""
    kv.settings.public_url = "https://kavshiri.example.ge"
    login = f"op-{uuid.uuid4().hex[:8]}"
    await kv.accounts.add(login, "Nino", "a long test password", ["mia"])
    async with serve(create_app(kv), **uvicorn_options(kv.settings)) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            signed_in = await client.post("/api/operators/login",
                                          json={"login": login, "password": "a long test password"})
            health = await client.get("/healthz")
    assert signed_in.status_code == 200 and "secure" in signed_in.headers["set-cookie"].lower()
    assert health.headers["strict-transport-security"].startswith("max-age=")


async def test_the_api_documentation_is_off_unless_asked_for(kv):
    for asked in (False, True):
        kv.settings.api_docs = asked
        transport = httpx.ASGITransport(app=create_app(kv))
        async with httpx.AsyncClient(transport=transport, base_url="http://kavshiri.test") as client:
            statuses = {(await client.get(path)).status_code for path in ("/docs", "/redoc", "/openapi.json")}
        assert statuses == ({200} if asked else {404})


async def test_the_json_chat_shares_the_widget_limits_per_ip(api, kv):
    kv.settings.widget_connections_per_minute = 2
    limited = httpx.ASGITransport(app=create_app(kv))
    async with httpx.AsyncClient(transport=limited, base_url="http://kavshiri.test") as client:
        statuses = [(await client.post("/api/chat/sessions", json={})).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
