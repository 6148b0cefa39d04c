"""The portal client against the stand-in portal over real HTTP, and the callback signature.

The stand-in and a callback receiver run on uvicorn in background threads, each on a socket
bound to a free port on 127.0.0.1."""
from __future__ import annotations

import asyncio
import json
import re
import ssl
import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
import yaml
from fastapi import FastAPI, Request, Response

from bot.ports import (
    ATTACHMENT_MAX_BYTES,
    ATTACHMENT_TYPES,
    ATTACHMENTS_MAX,
    AttachmentTooLarge,
    AttachmentTypeRefused,
    Draft,
    NotFound,
    PortalError,
    PortalRejected,
    PortalTimeout,
    PortalUnavailable,
)
from connectors.portal import (
    CALLBACK_PATH,
    IDEMPOTENCY_CONFLICT,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    HttpPortal,
    sign_callback,
    verify_callback,
)
from portal_sim import cli
from portal_sim.app import create_app
from tests import files
from tests.support import ThreadServer, bound_socket

TOKEN = "test-client-token"
SECRET = "test-callback-secret"
TOLERANCE = 300
AGENCIES = {
    "moj": {"name_ka": "იუსტიციის სამინისტრო", "name_en": "Ministry of Justice",
            "accepts": ["information_request", "application", "complaint", "letter"]},
    "psh": {"name_ka": "საჯარო მომსახურების დარბაზი", "name_en": "Public Service Hall",
            "accepts": ["information_request", "letter"]},
}
DRAFT = Draft("moj", "information_request", "ხარჯების ანგარიში",
              "გთხოვთ, მომაწოდოთ 2025 წლის ანგარიში.")
REGISTRATION_NUMBER = re.compile(r"^E-\d{4}-\d{7}$")
CONTRACT = Path(__file__).resolve().parents[1] / "connectors" / "portal_api.yaml"
# Only plain http here; building httpx's default TLS context for every helper client is slow.
TLS = ssl.create_default_context()


class Receiver:
    """Kavshiri's side of the callback, reduced to recording what arrives."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.fail_next = 0
        self.app = FastAPI()
        self.app.post(CALLBACK_PATH)(self.callback)

    async def callback(self, request: Request) -> Response:
        body = await request.body()
        if self.fail_next > 0:
            self.fail_next -= 1
            return Response(status_code=503)
        self.received.append((dict(request.headers), body))
        return Response(status_code=204)

    async def event(self, registration_number: str, status: str) -> tuple[dict[str, str], bytes]:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            for headers, body in list(self.received):
                event = json.loads(body)
                if (event["registration_number"], event["status"]) == (registration_number, status):
                    return headers, body
            await asyncio.sleep(0.02)
        raise AssertionError(f"no {status} callback for {registration_number}")


@pytest.fixture(scope="module")
def receiver():
    receiver = Receiver()
    with ThreadServer(receiver.app) as server:
        receiver.url = server.url + CALLBACK_PATH
        yield receiver


@pytest.fixture(scope="module")
def sim(tmp_path_factory, receiver):
    app = create_app(tmp_path_factory.mktemp("sim") / "portal.sqlite3", TOKEN, receiver.url,
                     SECRET, faults=True, agencies=AGENCIES, callback_backoff=0.05)
    with ThreadServer(app) as server:
        yield server


async def operate(url: str, method: str, path: str, payload: dict | None = None) -> httpx.Response:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=url, headers=auth, verify=TLS) as client:
        return await client.request(method, path, json=payload)


async def registrations(url: str, citizen: str) -> list[dict]:
    rows = (await operate(url, "GET", "/sim/correspondence")).json()
    return [row for row in rows if row["citizen_id"] == citizen]


@pytest.fixture(autouse=True)
def no_faults(sim):
    reset = {"fail_next": 0, "fail_after_commit": 0, "delay_seconds": 0, "reject_next": 0}
    response = httpx.post(f"{sim.url}/sim/faults", json=reset, verify=TLS,
                          headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200


@pytest.fixture
def citizen() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
async def portal(sim, sleeps):
    async def record_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    portal = HttpPortal(sim.url, TOKEN, timeout=1.0, retries=2, backoff=0.01, sleep=record_sleep)
    yield portal
    await portal.close()


def new_key() -> str:
    return uuid.uuid4().hex


async def test_submit_registers_with_a_tbilisi_timestamp(portal, citizen):
    registration = await portal.submit(citizen, DRAFT, new_key())
    assert REGISTRATION_NUMBER.match(registration.registration_number)
    assert registration.status == "registered"
    assert registration.registered_at.utcoffset() == timedelta(hours=4)


async def test_same_key_replays_the_first_registration(sim, portal, citizen):
    key = new_key()
    first = await portal.submit(citizen, DRAFT, key)
    again = await portal.submit(citizen, DRAFT, key)
    assert again.registration_number == first.registration_number
    assert len(await registrations(sim.url, citizen)) == 1
    async with httpx.AsyncClient(base_url=sim.url, verify=TLS) as raw:
        response = await raw.post(
            "/v1/correspondence",
            json={"agency_id": DRAFT.agency_id, "request_type": DRAFT.request_type,
                  "subject": DRAFT.subject, "body": DRAFT.body},
            headers={"Authorization": f"Bearer {TOKEN}", "X-Citizen-Id": citizen,
                     "Idempotency-Key": key},
        )
    assert response.headers["Idempotent-Replayed"] == "true"
    assert response.json()["registration_number"] == first.registration_number


async def test_keys_are_scoped_to_the_citizen(portal, citizen):
    key = new_key()
    mine = await portal.submit(citizen, DRAFT, key)
    theirs = await portal.submit(f"{citizen}-other", DRAFT, key)
    assert mine.registration_number != theirs.registration_number


async def test_same_key_with_another_body_is_a_conflict(sim, portal, citizen):
    key = new_key()
    await portal.submit(citizen, DRAFT, key)
    changed = Draft(DRAFT.agency_id, DRAFT.request_type, DRAFT.subject, "სხვა ტექსტი")
    with pytest.raises(PortalRejected) as raised:
        await portal.submit(citizen, changed, key)
    assert raised.value.code == IDEMPOTENCY_CONFLICT
    assert len(await registrations(sim.url, citizen)) == 1


async def test_lost_response_is_retried_with_the_same_key(sim, portal, citizen, sleeps, caplog):
    caplog.set_level("DEBUG", logger="kavshiri.portal")
    key = new_key()
    await operate(sim.url, "POST", "/sim/faults", {"fail_after_commit": 1})
    registration = await portal.submit(citizen, DRAFT, key)
    rows = await registrations(sim.url, citizen)
    assert [row["registration_number"] for row in rows] == [registration.registration_number]
    assert sleeps == [0.01]
    # Nothing personal in the client's log, though the failure and the retry were logged.
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "kavshiri.portal")
    assert "retry" in logged
    for secret in (citizen, DRAFT.subject, DRAFT.body, key):
        assert secret not in logged


async def test_server_errors_beyond_the_retries_mean_unavailable(sim, portal, citizen, sleeps):
    await operate(sim.url, "POST", "/sim/faults", {"fail_next": 3})
    with pytest.raises(PortalUnavailable):
        await portal.submit(citizen, DRAFT, new_key())
    assert sleeps == [0.01, 0.02]
    assert await registrations(sim.url, citizen) == []


async def test_nothing_listening_means_unavailable(citizen, sleeps):
    closed = bound_socket()
    portal = HttpPortal(f"http://127.0.0.1:{closed.getsockname()[1]}", TOKEN, timeout=1.0,
                        retries=1, backoff=0.01, sleep=lambda s: asyncio.sleep(0))
    try:
        with pytest.raises(PortalUnavailable):
            await portal.submit(citizen, DRAFT, new_key())
    finally:
        await portal.close()
        closed.close()


async def test_slow_portal_times_out(sim, citizen):
    await operate(sim.url, "POST", "/sim/faults", {"delay_seconds": 0.5})
    portal = HttpPortal(sim.url, TOKEN, timeout=0.1, retries=1, backoff=0.01)
    try:
        with pytest.raises(PortalTimeout):
            await portal.status(citizen, "E-2026-0000001")
    finally:
        await portal.close()


@pytest.mark.parametrize(
    ("draft", "faults", "code"),
    [
        (DRAFT, {"reject_next": 1}, "invalid_field"),
        (Draft("nope", "letter", "s", "b"), {}, "unknown_agency"),
        (Draft("psh", "complaint", "s", "b"), {}, "type_not_accepted"),
        (Draft("moj", "letter", "s" * 201, "b"), {}, "invalid_field"),
        (Draft("moj", "letter", "   ", "b"), {}, "invalid_field"),
    ],
)
async def test_rejections_carry_their_code(sim, portal, citizen, sleeps, draft, faults, code):
    await operate(sim.url, "POST", "/sim/faults", faults)
    with pytest.raises(PortalRejected) as raised:
        await portal.submit(citizen, draft, new_key())
    assert raised.value.code == code
    assert sleeps == []  # a 4xx is final
    assert await registrations(sim.url, citizen) == []


async def test_citizens_see_only_their_own_correspondence(portal, citizen):
    first = await portal.submit(citizen, DRAFT, new_key())
    second = await portal.submit(citizen, DRAFT, new_key())
    other = f"{citizen}-neighbour"
    with pytest.raises(NotFound):
        await portal.status(other, first.registration_number)
    with pytest.raises(NotFound):
        await portal.status(citizen, "E-1999-0000001")
    assert await portal.list(other) == []
    mine = await portal.list(citizen)
    assert [c.registration_number for c in mine] == [second.registration_number,
                                                     first.registration_number]
    status = await portal.status(citizen, first.registration_number)
    assert (status.agency_id, status.subject, status.status) == ("moj", DRAFT.subject, "registered")
    assert status.registered_at.tzinfo is not None and status.answer_url is None


async def test_unknown_citizen_and_wrong_token_are_refused(sim, portal, sleeps):
    with pytest.raises(PortalError) as raised:
        await portal.list("someone-real")
    assert type(raised.value) is PortalError
    intruder = HttpPortal(sim.url, "wrong-token", timeout=1.0, retries=0)
    try:
        with pytest.raises(PortalError) as raised:
            await intruder.list("test-anyone")
        assert type(raised.value) is PortalError
    finally:
        await intruder.close()
    assert sleeps == []


async def test_agencies_are_listed(portal):
    agencies = {agency["id"]: agency for agency in await portal.agencies()}
    assert agencies["psh"]["accepts"] == ["information_request", "letter"]


async def test_completion_sends_a_signed_callback(sim, receiver, portal, citizen):
    number = (await portal.submit(citizen, DRAFT, new_key())).registration_number
    assert (await operate(sim.url, "POST", f"/sim/correspondence/{number}/progress")).is_success
    await receiver.event(number, "in_progress")
    answer = '<script>alert("x")</script> & პასუხი'
    await cli.complete(sim.url, TOKEN, number, answer)
    headers, body = await receiver.event(number, "completed")
    event = json.loads(body)
    assert event["type"] == "correspondence.completed" and event["citizen_id"] == citizen
    assert event["event_id"] and event["completed_at"]

    timestamp, signature = headers[TIMESTAMP_HEADER.lower()], headers[SIGNATURE_HEADER.lower()]
    now = time.time()
    assert verify_callback(SECRET, timestamp, signature, body, now, TOLERANCE)
    assert not verify_callback(SECRET, timestamp, signature, body.replace(b"completed", b"refused"),
                               now, TOLERANCE)
    assert not verify_callback("another-secret", timestamp, signature, body, now, TOLERANCE)
    assert not verify_callback(SECRET, timestamp, signature, body, now + TOLERANCE + 1, TOLERANCE)

    status = await portal.status(citizen, number)
    assert status.status == "completed" and status.answer_url == event["answer_url"]
    assert status.completed_at is not None and status.completed_at.tzinfo is not None
    async with httpx.AsyncClient(verify=TLS) as browser:
        page = await browser.get(status.answer_url)
        guessed = await browser.get(status.answer_url.split("?")[0])
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "<script>" not in page.text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; პასუხი" in page.text
    assert guessed.status_code == 404  # sequential numbers alone do not open answers

    with pytest.raises(httpx.HTTPStatusError):  # already completed
        await cli.complete(sim.url, TOKEN, number, "again", outcome="refused")


async def test_callbacks_are_retried_until_delivered(sim, receiver, portal, citizen):
    number = (await portal.submit(citizen, DRAFT, new_key())).registration_number
    receiver.fail_next = 2
    await cli.complete(sim.url, TOKEN, number, "უარი", outcome="refused")
    _, body = await receiver.event(number, "refused")
    event_id = json.loads(body)["event_id"]
    records = (await operate(sim.url, "GET", "/sim/callbacks")).json()
    record = next(r for r in records if r["event_id"] == event_id)
    assert (record["state"], record["attempts"]) == ("delivered", 3)


async def test_a_follow_up_is_linked_only_to_the_same_citizens_correspondence(portal, citizen):
    number = (await portal.submit(citizen, DRAFT, new_key())).registration_number
    complaint = Draft("moj", "complaint", "საჩივარი", "ვადა გავიდა.", linked_to=number)
    follow_up = (await portal.submit(citizen, complaint, new_key())).registration_number
    assert (await portal.status(citizen, follow_up)).linked_to == number
    assert (await portal.status(citizen, number)).linked_to is None
    for someone, linked in ((f"test-{uuid.uuid4().hex[:12]}", number), (citizen, "E-2026-9999999")):
        with pytest.raises(PortalRejected) as raised:  # another's number answers as a missing one
            await portal.submit(someone, replace(complaint, linked_to=linked), new_key())
        assert raised.value.code == "unknown_link"


async def test_a_refusal_says_whether_it_explained_the_citizens_rights(sim, receiver, portal, citizen):
    silent, explained, answered = [(await portal.submit(citizen, DRAFT, new_key())).registration_number
                                   for _ in range(3)]
    await cli.complete(sim.url, TOKEN, silent, "უარი", outcome="refused", rights_explained=False)
    await cli.complete(sim.url, TOKEN, explained, "უარი", outcome="refused")
    await cli.complete(sim.url, TOKEN, answered, "პასუხი")
    assert json.loads((await receiver.event(silent, "refused"))[1])["rights_explained"] is False
    assert json.loads((await receiver.event(explained, "refused"))[1])["rights_explained"] is True
    assert [(await portal.status(citizen, n)).rights_explained for n in (silent, explained, answered)] == [
        False, True, None]


async def test_a_file_made_before_links_gains_their_columns(tmp_path):
    import aiosqlite

    from portal_sim.db import ADDED_COLUMNS, SCHEMA, SimDB

    old = "\n".join(line for line in SCHEMA.splitlines() if not line.strip().startswith(tuple(ADDED_COLUMNS)))
    async with aiosqlite.connect(tmp_path / "old.sqlite3") as conn:
        await conn.executescript(old)
    db = await SimDB.open(tmp_path / "old.sqlite3")
    try:
        assert await db.get("E-2026-0000001") is None
        columns = {row[1] for row in await db._conn.execute_fetchall("PRAGMA table_info(correspondence)")}
        assert set(ADDED_COLUMNS) <= columns
    finally:
        await db.close()


async def test_pending_callbacks_are_sent_after_a_restart(tmp_path, receiver, citizen):
    db_path = tmp_path / "portal.sqlite3"
    unreachable = bound_socket()
    down = f"http://127.0.0.1:{unreachable.getsockname()[1]}{CALLBACK_PATH}"
    with ThreadServer(create_app(db_path, TOKEN, down, SECRET, agencies=AGENCIES,
                                 callback_backoff=60)) as first:
        portal = HttpPortal(first.url, TOKEN, timeout=1.0, retries=0)
        number = (await portal.submit(citizen, DRAFT, new_key())).registration_number
        await portal.close()
        await cli.complete(first.url, TOKEN, number, "პასუხი")
        for _ in range(100):
            records = (await operate(first.url, "GET", "/sim/callbacks")).json()
            if records and records[0]["attempts"]:
                break
            await asyncio.sleep(0.02)
        assert (records[0]["state"], records[0]["attempts"]) == ("pending", 1)
    unreachable.close()

    restarted = create_app(db_path, TOKEN, receiver.url, SECRET, agencies=AGENCIES)
    with ThreadServer(restarted) as again:
        await receiver.event(number, "completed")
        faults = await operate(again.url, "POST", "/sim/faults", {"fail_next": 1})
        assert faults.status_code == 404  # fault injection exists only when asked for


async def test_registration_number_uses_the_year_in_tbilisi(tmp_path, citizen):
    new_years_eve_utc = datetime(2026, 12, 31, 21, 30, tzinfo=timezone.utc)  # 01:30 in Tbilisi
    app = create_app(tmp_path / "portal.sqlite3", TOKEN, None, SECRET, agencies=AGENCIES,
                     clock=lambda: new_years_eve_utc)
    with ThreadServer(app) as server:
        portal = HttpPortal(server.url, TOKEN, timeout=1.0, retries=0)
        try:
            registration = await portal.submit(citizen, DRAFT, new_key())
        finally:
            await portal.close()
    assert registration.registration_number == "E-2027-0000001"
    assert registration.registered_at == new_years_eve_utc
    assert registration.registered_at.isoformat() == "2027-01-01T01:30:00+04:00"


@pytest.mark.parametrize(
    ("timestamp", "signature"),
    [
        (None, "sha256=00"),
        ("1700000000", None),
        ("", "sha256=00"),
        ("17000000x0", "SIGNED"),
        ("١٧٠٠٠٠٠٠٠٠", "SIGNED"),  # Arabic-Indic digits pass str.isdigit(); not a timestamp
        ("1700001000", "SIGNED"),  # from the future, beyond the tolerance
        ("1700000000", "sha256=" + "0" * 64),
        ("1700000000", "sha256=ყ"),  # non-ASCII must not crash compare_digest
    ],
)
def test_verify_rejects_malformed_or_stale_headers(timestamp, signature):
    body = b'{"event_id": "e1"}'
    if signature == "SIGNED":
        signature = sign_callback(SECRET, 1700000000, body)
    assert not verify_callback(SECRET, timestamp, signature, body, 1700000000, TOLERANCE)


def test_signature_is_hmac_over_timestamp_and_body():
    body = b'{"event_id": "e1"}'
    signature = sign_callback(SECRET, 1700000000, body)
    assert re.fullmatch(r"sha256=[0-9a-f]{64}", signature)
    assert verify_callback(SECRET, "1700000000", signature, body, 1700000000 + TOLERANCE, TOLERANCE)


def test_contract_documents_every_v1_route():
    contract = CONTRACT.read_text(encoding="utf-8")
    app = create_app(Path("unused.sqlite3"), TOKEN, None, SECRET, agencies=AGENCIES)
    paths = {path for path in app.openapi()["paths"] if path.startswith("/v1/")}
    assert paths == {"/v1/agencies", "/v1/attachments", "/v1/correspondence",
                     "/v1/correspondence/{registration_number}"}
    for path in paths:
        assert f"\n  {path}:\n" in contract
    assert "\nwebhooks:\n" in contract and "/portal/callback" in contract


# Attachments (GAC Art. 78(1)): held for the citizen, then named by one correspondence.

async def attach(portal: HttpPortal, citizen: str, *files: tuple[str, bytes, str]) -> list[str]:
    return [(await portal.upload(citizen, name, kind, data)).id for name, data, kind in files]


async def test_an_uploaded_file_is_listed_on_the_correspondence_that_names_it(sim, portal, citizen):
    pdf, image = files.pdf(), files.png()
    held = await portal.upload(citizen, "../../decision 12.pdf", "application/pdf", pdf)
    assert (held.name, held.content_type, held.size) == ("decision 12.pdf", "application/pdf", len(pdf))
    assert timedelta(days=6, hours=23) < held.expires_at - datetime.now(timezone.utc) <= timedelta(days=7)
    # Declared as "some bytes": the portal reads the type from the content.
    photo = await portal.upload(citizen, "photo", "application/octet-stream", image)
    assert photo.content_type == "image/png"
    draft = Draft(DRAFT.agency_id, DRAFT.request_type, DRAFT.subject, DRAFT.body, (held.id, photo.id))
    registration = await portal.submit(citizen, draft, new_key())
    status = await portal.status(citizen, registration.registration_number)
    assert [(a.id, a.name, a.size) for a in status.attachments] == [
        (held.id, "decision 12.pdf", len(pdf)), (photo.id, "photo", len(image))]
    assert (await portal.list(citizen))[0].attachments == status.attachments
    content = await operate(sim.url, "GET", f"/sim/attachments/{photo.id}")
    assert content.content == image


@pytest.mark.parametrize("name,data,declared", [
    ("virus.pdf", files.EXE, "application/pdf"),  # the content decides, not the name or the label
    ("photo.jpg", files.png(), "image/jpeg"),  # a real type, but not the one declared
    ("archive.docx", files.plain_zip(), files.DOCX),  # a zip that is no Word document
    ("notes.txt", b"plain text", "text/plain"),
])
async def test_a_type_the_portal_does_not_keep_is_refused(portal, citizen, name, data, declared):
    with pytest.raises(AttachmentTypeRefused):
        await portal.upload(citizen, name, declared, data)


async def test_word_and_jpeg_are_kept(portal, citizen):
    kept = [await portal.upload(citizen, "letter.docx", files.DOCX, files.docx()),
            await portal.upload(citizen, "scan.jpg", "image/jpeg", files.jpeg())]
    assert [a.content_type for a in kept] == [files.DOCX, "image/jpeg"]


async def test_a_file_over_the_limit_is_refused_and_not_retried(portal, citizen, sleeps):
    with pytest.raises(AttachmentTooLarge):
        await portal.upload(citizen, "big.pdf", "application/pdf", files.pdf() + b"0" * ATTACHMENT_MAX_BYTES)
    assert sleeps == []
    exactly = files.pdf() + b"0" * (ATTACHMENT_MAX_BYTES - len(files.pdf()))
    assert (await portal.upload(citizen, "limit.pdf", "application/pdf", exactly)).size == ATTACHMENT_MAX_BYTES


async def test_another_citizens_or_a_used_attachment_cannot_be_named(sim, portal, citizen):
    other = f"{citizen}-other"
    [theirs] = await attach(portal, other, ("theirs.pdf", files.pdf(), "application/pdf"))
    foreign = Draft(DRAFT.agency_id, DRAFT.request_type, DRAFT.subject, DRAFT.body, (theirs,))
    with pytest.raises(PortalRejected) as raised:
        await portal.submit(citizen, foreign, new_key())
    assert raised.value.code == "unknown_attachment" and await registrations(sim.url, citizen) == []
    await portal.submit(other, foreign, new_key())  # still theirs to use, once
    with pytest.raises(PortalRejected) as again:
        await portal.submit(other, foreign, new_key())
    assert again.value.code == "unknown_attachment" and len(await registrations(sim.url, other)) == 1


async def test_at_most_five_attachments(sim, portal, citizen):
    ids = await attach(portal, citizen, *[(f"{n}.png", files.png(), "image/png") for n in range(ATTACHMENTS_MAX + 1)])
    too_many = Draft(DRAFT.agency_id, DRAFT.request_type, DRAFT.subject, DRAFT.body, tuple(ids))
    with pytest.raises(PortalRejected) as raised:
        await portal.submit(citizen, too_many, new_key())
    assert raised.value.code == "too_many_attachments"
    five = Draft(DRAFT.agency_id, DRAFT.request_type, DRAFT.subject, DRAFT.body, tuple(ids[:ATTACHMENTS_MAX]))
    registration = await portal.submit(citizen, five, new_key())
    assert len((await portal.status(citizen, registration.registration_number)).attachments) == ATTACHMENTS_MAX


async def test_a_replay_names_the_same_attachments_or_conflicts(sim, portal, citizen):
    first, second = await attach(portal, citizen, ("a.pdf", files.pdf("a"), "application/pdf"),
                                 ("b.pdf", files.pdf("b"), "application/pdf"))
    key = new_key()
    with_one = Draft(DRAFT.agency_id, DRAFT.request_type, DRAFT.subject, DRAFT.body, (first,))
    registration = await portal.submit(citizen, with_one, key)
    assert (await portal.submit(citizen, with_one, key)).registration_number == registration.registration_number
    with_two = Draft(DRAFT.agency_id, DRAFT.request_type, DRAFT.subject, DRAFT.body, (first, second))
    with pytest.raises(PortalRejected) as raised:
        await portal.submit(citizen, with_two, key)
    assert raised.value.code == IDEMPOTENCY_CONFLICT and len(await registrations(sim.url, citizen)) == 1


@asynccontextmanager
async def clocked_portal(tmp_path: Path):
    """The stand-in portal on a clock the test moves: (client, its URL, the clock's [now])."""
    now = [datetime(2026, 11, 23, 10, 0, tzinfo=timezone(timedelta(hours=4)))]
    app = create_app(tmp_path / "sim.sqlite3", TOKEN, None, SECRET, agencies=AGENCIES, clock=lambda: now[0])
    with ThreadServer(app) as server:
        portal = HttpPortal(server.url, TOKEN, retries=0)
        try:
            yield portal, server.url, now
        finally:
            await portal.close()


async def test_an_expired_attachment_cannot_be_named(tmp_path, citizen):
    async with clocked_portal(tmp_path) as (portal, _, now):
        held = await portal.upload(citizen, "a.pdf", "application/pdf", files.pdf())
        now[0] += timedelta(days=7, seconds=1)
        late = Draft(DRAFT.agency_id, DRAFT.request_type, DRAFT.subject, DRAFT.body, (held.id,))
        with pytest.raises(PortalRejected) as raised:
            await portal.submit(citizen, late, new_key())
        assert raised.value.code == "unknown_attachment"


async def test_files_whose_hold_ran_out_unnamed_are_deleted(tmp_path, citizen):
    """The stand-in keeps no citizen's file longer than it holds it: an upload sweeps the
    expired, unnamed ones; a file a correspondence names stays with it."""
    async with clocked_portal(tmp_path) as (portal, url, now):
        named = await portal.upload(citizen, "a.pdf", "application/pdf", files.pdf())
        unnamed = await portal.upload(citizen, "b.pdf", "application/pdf", files.pdf())
        await portal.submit(citizen, replace(DRAFT, attachments=(named.id,)), new_key())
        now[0] += timedelta(days=2)
        young = await portal.upload(citizen, "c.pdf", "application/pdf", files.pdf())
        now[0] += timedelta(days=5, seconds=1)
        await portal.upload(citizen, "d.pdf", "application/pdf", files.pdf())
        found = {a.id: (await operate(url, "GET", f"/sim/attachments/{a.id}")).status_code
                 for a in (named, unnamed, young)}
    assert found == {named.id: 200, unnamed.id: 404, young.id: 200}


def test_the_contract_declares_the_limits_the_client_applies():
    contract = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
    upload = contract["paths"]["/v1/attachments"]["post"]["requestBody"]["content"]["multipart/form-data"]
    declared = {t.strip() for t in upload["encoding"]["file"]["contentType"].split(",")}
    assert declared == set(ATTACHMENT_TYPES)
    assert f"{ATTACHMENT_MAX_BYTES:,} bytes" in upload["schema"]["properties"]["file"]["description"]
    listed = contract["components"]["schemas"]["NewCorrespondence"]["properties"]["attachments"]
    assert listed["maxItems"] == ATTACHMENTS_MAX
    assert {"413", "415"} <= set(contract["paths"]["/v1/attachments"]["post"]["responses"])
