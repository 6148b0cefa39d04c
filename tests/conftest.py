"""Fixtures shared by the engine and API tests: a real stand-in portal over HTTP and a
Kavshiri built by the composition root on a private home directory."""
from __future__ import annotations

import os
import re
import uuid
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

from bot.ports import ATTACHMENT_TYPES
from connectors.i18n import message_json
from kavshiri.app import Kavshiri
from kavshiri.settings import Settings
from portal_sim.app import create_app
from standins.twilio_api import TwilioApi
from tests.support import ThreadServer, delete_keys

TOKEN = "test-portal-token"
SECRET = "test-callback-secret"
IDENTITY = "test-identity-secret"
# Latin words that may appear in Georgian replies: the portal's name, commands, language endonym,
# and the names of file formats (PDF …), which Georgian writes in Latin letters too.
ALLOWED_LATIN = {"MY", "GOV", "GE", "SMS", "SHA", "lang", "English", "XIII", *ATTACHMENT_TYPES.values()}
REG_OR_URL = re.compile(r"https?://\S+|E-\d{4}-\d{7}")


@pytest.fixture
def portal(tmp_path: Path):
    app = create_app(tmp_path / "sim.sqlite3", TOKEN, callback_url=None, callback_secret=SECRET, faults=True)
    with ThreadServer(app) as server:
        yield server


class Operator:
    """The agency's side of the stand-in portal, and its fault switches."""

    def __init__(self, url: str) -> None:
        self.client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)

    def faults(self, **settings) -> None:
        self.client.post("/sim/faults", json=settings).raise_for_status()

    def complete(self, number: str, answer: str = "Answer.", outcome: str = "completed") -> None:
        r = self.client.post(f"/sim/correspondence/{number}/complete", json={"answer": answer, "outcome": outcome})
        r.raise_for_status()

    def registrations(self) -> list[dict]:
        return self.client.get("/sim/correspondence").json()


SID, AUTH = "AC" + "0" * 31 + "1", "twilio-auth-token"  # the stand-in Twilio account
PUBLIC = "https://kavshiri.example.ge"  # behind a proxy: signatures cover this, not the local URL


@pytest.fixture
def twilio_api(monkeypatch):
    """The stand-in of Twilio's REST API on loopback; the region and edge kept out of its URLs."""
    monkeypatch.delenv("TWILIO_REGION", raising=False)
    monkeypatch.delenv("TWILIO_EDGE", raising=False)
    api = TwilioApi(SID, AUTH)
    with ThreadServer(api.app()) as server:
        api.url = server.url
        yield api


@pytest.fixture
def operator(portal):
    op = Operator(portal.url)
    yield op
    op.client.close()


def settings_for(home: Path, portal_url: str, **extra) -> Settings:
    extra.setdefault("redis_url", None)
    return Settings(kavshiri_home=home, portal_url=portal_url, portal_token=TOKEN,
                    portal_callback_secret=SECRET, identity_secret=IDENTITY, portal_timeout=1.0, portal_retries=2,
                    **extra)


# A complaint's demand, when a test's draft does not say it.
DEMAND = {"en": "Please look into this.", "ka": "გთხოვთ, განიხილოთ ეს საკითხი."}


class Chat:
    """One citizen talking to the engine; replies come back rendered as the console shows them."""

    def __init__(self, kv: Kavshiri, address: str = "citizen-1", channel: str = "console") -> None:
        self.kv, self.address, self.channel = kv, address, channel
        self.log: list[dict] = []

    async def start(self, lang: str) -> None:
        await self.kv.engine.citizen(self.channel, self.address, lang)

    async def say(self, text: str | None = None, choice: str | None = None, files: tuple = ()) -> list[dict]:
        from bot.messages import Inbound

        inbound = Inbound(self.channel, self.address, text=text, choice=choice, files=files)
        outcome = await self.kv.engine.handle(inbound)
        out = [message_json(self.kv.catalog, outcome.lang, r) for r in outcome.replies]
        self.log += out
        return out

    async def choose(self, choice: str) -> list[dict]:
        return await self.say(choice=choice)

    async def draft(self, agency: str, request_type: str, subject: str, body: str, demand: str = "") -> list[dict]:
        """From the menu to the review of a complete draft: `body` answers the type's first question,
        the optional ones are skipped (a complaint's demand answered, by `demand` if given), and
        `subject` replaces the proposed one. Returns the review."""
        await self.choose("new_request")
        replies = await self.say(agency)
        assert f"type:{request_type}" in choice_ids(replies), texts(replies)
        replies = await self.choose(f"type:{request_type}")
        replies = await self.say(body)
        while "submit" not in choice_ids(replies):
            if "skip" in choice_ids(replies):
                replies = await self.choose("skip")
            else:
                replies = await self.say(demand or DEMAND[self.log[-1]["lang"]])
        await self.choose("edit:subject")
        replies = await self.say(subject)
        assert "submit" in choice_ids(replies)
        return replies

    async def inbox(self) -> list[dict]:
        from bot.messages import reply_from_json

        items = await self.kv.store.drain_inbox(f"{self.channel}:{self.address}")
        return [message_json(self.kv.catalog, i["lang"], reply_from_json(i["reply"])) for i in items]


def texts(messages: list[dict]) -> str:
    return "\n".join(m["text"] for m in messages)


def event(messages: list[dict], kind: str) -> dict:
    found = [m["event"] for m in messages if m["event"] and m["event"]["type"] == kind]
    assert found, f"no {kind} event in {texts(messages)!r}"
    return found[0]


def choice_ids(messages: list[dict]) -> list[str]:
    return [c["id"] for m in messages for c in m["choices"]]


def english_in(messages: list[dict]) -> set[str]:
    """Latin words in Georgian replies, beyond what belongs there."""
    words: set[str] = set()
    for m in messages:
        for text in [m["text"], *(c["label"] for c in m["choices"])]:
            words |= set(re.findall(r"[A-Za-z]{2,}", REG_OR_URL.sub(" ", text)))
    return words - ALLOWED_LATIN


REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def backend_settings(backend: str) -> dict:
    """Settings for one storage backend: Redis under a private key prefix, or SQLite (never the
    environment's REDIS_URL by accident)."""
    if backend == "redis":
        return {"redis_url": REDIS_URL, "redis_prefix": f"test-{uuid.uuid4().hex[:12]}:"}
    return {"redis_url": None}


@pytest.fixture(params=["sqlite", "redis"])
async def kv(request, tmp_path: Path, portal):
    """Kavshiri on each storage backend; the Redis one under a private key prefix."""
    extra = backend_settings(request.param)
    app = await Kavshiri.build(settings_for(tmp_path / "home", portal.url, **extra), portal.url)
    yield app
    await app.close()
    if request.param == "redis":
        await delete_keys(REDIS_URL, extra["redis_prefix"])


class FixedClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


SAMPLE_REGISTER = Path(__file__).resolve().parents[1] / "published" / "data" / "sample_register.json"


@pytest.fixture
async def chat(kv):
    """A citizen on a Kavshiri holding the sample publication register, on 23 November 2026."""
    from published.register import parse

    services = kv.engine.services
    agencies = {a.id for a in services.directory}
    await kv.register.put_entries(parse(SAMPLE_REGISTER.read_bytes(), SAMPLE_REGISTER.name,
                                        services.published.annex, agencies))
    services.clock = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc))
    return Chat(kv)
