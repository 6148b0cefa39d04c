"""What operators see: /metrics, /readyz and the log.

The journey test runs a whole request on every channel against real processes (`kavshiri serve`
and `kavshiri worker` on Redis, the stand-in portal), with the real python-telegram-bot and twilio
clients talking to their stand-ins, and LOG_FORMAT=json; then it reads every log line and every
metric, looking for what must never be there."""
from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
import websockets
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from bot import metrics
from bot.metrics import ALERT_RESULTS, CHANNELS, PORTAL_OUTCOMES, TURN_KINDS
from bot.models import REQUEST_TYPES, Notification
from bot.ports import PortalUnavailable
from connectors.portal import HttpPortal
from kavshiri.app import Kavshiri
from kavshiri.logs import JsonFormatter
from nlu.directory import Directory
from nlu.understanding import INTENTS
from standins.telegram_api import BotApi
from standins.twilio_api import TwilioApi
from tests import files
from tests.channels import serve
from tests.conftest import AUTH, PUBLIC, REDIS_URL, SECRET, SID, TOKEN, settings_for
from tests.support import KAVSHIRI, Service, ThreadServer, delete_keys, free_port
from tests.test_sms import Phone, number_of
from tests.test_telegram import Telegram

BOT_TOKEN, WEBHOOK_SECRET = "123456:ops-stand-in-token", "ops_webhook_Secret-7"
METRICS_TOKEN = "metrics-token-for-tests-0123456789"
IDENTITY = "ops-identity-secret-0123456789"
REG = re.compile(r"E-\d{4}-\d{7}")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
# What a citizen writes, with contact details in it: none of it may reach a log or a label.
SUBJECT = "Quokka census {channel}"
BODY = "Please send the quokka census. Call me on +995 599 12 34 56 or write to nino.beridze@example.ge."


def wanted(channel: str) -> str:
    """The answer to "What information do you want?": its first words become the proposed subject."""
    return f"{SUBJECT.format(channel=channel)}. {BODY}"
PHONES = {"sms": "+995555100201", "whatsapp": "+995555100202"}


# The deployment: stand-ins in this process, Kavshiri's processes on Redis

class Deployment:
    def __init__(self, root: Path, bot_api: BotApi, twilio: TwilioApi) -> None:
        self.root, self.bot_api, self.twilio = root, bot_api, twilio
        portal_port, api_port, self.metrics_port = free_port(), free_port(), free_port()
        self.portal_url, self.api_url = f"http://127.0.0.1:{portal_port}", f"http://127.0.0.1:{api_port}"
        self.prefix = f"test-{uuid.uuid4().hex[:12]}:"
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("TWILIO_REGION", "TWILIO_EDGE")},
            "KAVSHIRI_HOME": str(root / "home"), "REDIS_URL": REDIS_URL, "REDIS_PREFIX": self.prefix,
            "PORTAL_URL": self.portal_url, "PORTAL_TOKEN": TOKEN, "PORTAL_CALLBACK_SECRET": SECRET,
            "IDENTITY_SECRET": IDENTITY, "PORT": str(api_port), "PUBLIC_URL": PUBLIC,
            "LOG_FORMAT": "json", "METRICS_TOKEN": METRICS_TOKEN, "OFFICE_HOURS": "",
            "TELEGRAM_BOT_TOKEN": BOT_TOKEN, "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "TELEGRAM_API_URL": bot_api.url, "TELEGRAM_CHAT_INTERVAL": "0",
            "TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": AUTH, "TWILIO_FROM": "+15005550006",
            "TWILIO_API_URL": twilio.url, "RUN_WORKER": "false",
            "WORKER_INTERVAL_SECONDS": "0.2", "POLL_INTERVAL_SECONDS": "1",  # the poll reads every request
        }
        self.auth = {"Authorization": f"Bearer {METRICS_TOKEN}"}
        self.portal = Service(
            ["portal-sim", "--port", str(portal_port), "--db", str(root / "sim.sqlite3"),
             "--callback-url", f"{self.api_url}/portal/callback"],
            self.env, f"{self.portal_url}/v1/agencies", str(root / "portal.log"),
            headers={"Authorization": f"Bearer {TOKEN}"})
        self.api = Service(["serve"], self.env, f"{self.api_url}/healthz", str(root / "api.log"))
        self.worker = Service(["worker"], {**self.env, "METRICS_PORT": str(self.metrics_port)},
                              f"http://127.0.0.1:{self.metrics_port}/metrics", str(root / "worker.log"),
                              headers=self.auth)
        self.console_logs: list[str] = []

    def console(self, lines: list[str]) -> list[dict]:
        done = subprocess.run([KAVSHIRI, "console", "--json", "--user", "ops-console", "--lang", "en"],
                              input="\n".join(lines) + "\n", env=self.env, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        self.console_logs.append(done.stderr)
        return [json.loads(line) for line in done.stdout.splitlines()]

    def logs(self) -> dict[str, str]:
        return {"api": (self.root / "api.log").read_text(), "worker": (self.root / "worker.log").read_text(),
                "console": "".join(self.console_logs)}


@pytest.fixture
def deployment(tmp_path: Path):
    bot_api, twilio = BotApi(BOT_TOKEN), TwilioApi(SID, AUTH)
    with ThreadServer(bot_api.app()) as bot_server, ThreadServer(twilio.app()) as twilio_server:
        bot_api.url, twilio.url = bot_server.url, twilio_server.url
        d = Deployment(tmp_path, bot_api, twilio)
        with d.portal, d.api, d.worker:
            yield d
        asyncio.run(delete_keys(REDIS_URL, d.prefix))


# One journey per channel, each to a registration number

class OurTelegram(Telegram):
    async def post(self, update: dict, secret: str | None = WEBHOOK_SECRET) -> httpx.Response:
        return await super().post(update, secret)


async def telegram_journey(tg: Telegram) -> str:
    chat = 7001
    await tg.say(chat, "/start")
    await tg.press(chat, "new_request")
    await tg.say(chat, "Ministry of Justice")
    await tg.press(chat, "type:information_request")
    await tg.say(chat, wanted("telegram"))
    await tg.press(chat, "skip")  # the period
    await tg.press(chat, "answer:electronic")
    await tg.press(chat, "submit")
    return REG.search("\n".join(m.get("text", "") for m in tg.api.sent(chat))).group(0)


async def phone_journey(phone: Phone, sender: str, media: dict[str, str]) -> str:
    menu = await phone.send(sender, "hello")
    await phone.send(sender, number_of(menu, "New request"))
    types = await phone.send(sender, "Ministry of Justice")
    await phone.send(sender, number_of(types, "information"))
    if media:
        await phone.send(sender, "", **media)  # a photo for the letter
    period = await phone.send(sender, wanted(sender))
    review = await phone.send(sender, number_of(await phone.send(sender, number_of(period, "Skip")), "Electronic"))
    while not re.search(r"^\d+ Submit$", review, re.M):  # the letter, a page at a time
        review = await phone.send(sender, number_of(review, "Next part"))
    return REG.search(await phone.send(sender, number_of(review, "Submit"))).group(0)


async def web_journey(say) -> str:
    """The widget and the HTTP chat: `say(text=…)` or `say(choice=…)` returns the reply messages."""
    await say(text="hello")
    replies = await say(choice="new_request")
    if "type:information_request" not in [c["id"] for m in replies for c in m["choices"]]:
        await say(text="Ministry of Justice")
    await say(choice="type:information_request")
    await say(text=wanted("web"))
    await say(choice="skip")  # the period
    await say(choice="answer:electronic")
    done = await say(choice="submit")
    return next(m["event"]["registration_number"] for m in done if m["event"])


class Widget:
    def __init__(self, api_url: str) -> None:
        self.url = api_url.replace("http", "ws") + "/api/chat/ws?agency=moj"
        self.count = 0

    async def open(self) -> None:
        self.ws = await websockets.connect(self.url, origin=PUBLIC)  # Kavshiri's own origin
        await self.ws.send(json.dumps({"type": "hello", "token": None, "lang": "en"}))
        self.token = json.loads(await self.ws.recv())["token"]
        await self.ws.recv()  # the history

    async def say(self, text: str | None = None, choice: str | None = None) -> list[dict]:
        self.count += 1
        await self.ws.send(json.dumps({"type": "message", "id": f"m{self.count}", "text": text, "choice": choice}))
        while (frame := json.loads(await self.ws.recv()))["type"] != "reply":
            assert frame["type"] != "error", frame
        return frame["messages"]


def scrape(url: str, headers: dict | None = None) -> str:
    response = httpx.get(url, headers=headers or {}, timeout=10)
    assert response.status_code == 200, response.text
    return response.text


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_a_journey_on_every_channel_leaves_nothing_personal_in_logs_or_metrics(deployment: Deployment):
    d = deployment
    async with httpx.AsyncClient(base_url=d.api_url, timeout=20) as client:
        numbers = {"telegram": await telegram_journey(OurTelegram(None, client, d.bot_api))}
        phone = Phone(None, client, d.twilio)
        numbers["sms"] = await phone_journey(phone, PHONES["sms"], {})
        photo = d.twilio.add_media(files.jpeg(), "image/jpeg")
        numbers["whatsapp"] = await phone_journey(
            phone, f"whatsapp:{PHONES['whatsapp']}",
            {"NumMedia": "1", "MediaUrl0": photo, "MediaContentType0": "image/jpeg"})
        forged = await phone.post("/webhooks/twilio/sms", {"From": PHONES["sms"], "Body": "x"}, signature="Zm9yZ2Vk")
        assert forged.status_code == 403

        widget = Widget(d.api_url)
        await widget.open()
        numbers["widget"] = await web_journey(widget.say)
        api_open = samples(scrape(f"{d.api_url}/metrics", d.auth))
        assert value(api_open, "kavshiri_websockets_open") == 1
        await widget.ws.close()

        token = (await client.post("/api/chat/sessions", json={"lang": "en"})).json()["token"]

        async def http_say(**message) -> list[dict]:
            response = await client.post("/api/chat/messages", json=message, headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 200, response.text
            return response.json()["messages"]

        numbers["http"] = await web_journey(http_say)
    console = d.console(["hello", "/choose new_request", "Ministry of Justice", "/choose type:information_request",
                         wanted("console"), "/choose skip", "/choose answer:electronic", "/choose submit"])
    numbers["console"] = next(m["event"]["registration_number"] for m in console if m["event"])
    assert len(set(numbers.values())) == 6, numbers

    # The answer comes: the portal's callback, the worker's delivery through the Bot API stand-in.
    with httpx.Client(base_url=d.portal_url, headers={"Authorization": f"Bearer {TOKEN}"}) as portal:
        portal.post(f"/sim/correspondence/{numbers['telegram']}/complete",
                    json={"answer": "Here it is.", "outcome": "completed"}).raise_for_status()
    for _ in range(200):
        if any(numbers["telegram"] in m.get("text", "") for m in d.bot_api.sent(7001)[-2:]):
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the alert never reached Telegram")
    await asyncio.sleep(1.5)  # a poll of the open requests, by the worker

    api, worker = scrape(f"{d.api_url}/metrics", d.auth), scrape(f"http://127.0.0.1:{d.metrics_port}/metrics", d.auth)
    found, at_worker = samples(api), samples(worker)
    for channel in ("telegram", "sms", "whatsapp", "web"):
        assert sum(v for (name, labels), v in found.items()
                   if name == "kavshiri_turns_total" and ("channel", channel) in labels) >= 7, channel
    assert value(found, "kavshiri_submissions_total", agency="moj", type="information_request") == 5
    assert value(found, "kavshiri_turn_seconds_count", channel="sms") >= 7
    assert value(found, "kavshiri_portal_request_seconds_count", operation="submit", outcome="ok") == 5
    assert value(found, "kavshiri_webhook_rejections_total", webhook="twilio_sms", reason="unauthenticated") == 1
    assert value(found, "kavshiri_websockets_open") == 0
    assert value(found, "kavshiri_nlu_parse_seconds_count") > 0
    assert value(at_worker, "kavshiri_alerts_total", channel="telegram", result="sent") == 1
    assert value(at_worker, "kavshiri_portal_request_seconds_count", operation="status", outcome="ok") >= 1
    assert not [k for k in at_worker if k[0] == "kavshiri_turns_total"]  # its own figures: it handles no turns
    for figures in (found, at_worker):
        assert value(figures, "kavshiri_outbox_queued") == 0 and value(figures, "kavshiri_operators_online") == 0

    # Labels take values from fixed sets only.
    allowed = {*CHANNELS, *INTENTS, *TURN_KINDS, *ALERT_RESULTS, *PORTAL_OUTCOMES, *REQUEST_TYPES, "other",
               *(a.id for a in Directory.load()), "submit", "status", "list", "upload", "agencies",
               "telegram", "twilio_sms", "twilio_status", "portal_callback", "unauthenticated"}
    for (name, labels) in [*found, *at_worker]:
        for key, label in labels:
            if key != "le" and name.startswith("kavshiri_"):
                assert label in allowed, (name, key, label)

    # Nothing personal anywhere: not in a log line, not in the metrics.
    logs = d.logs()
    forbidden = [*numbers.values(), *(p[1:] for p in PHONES.values()), *(p[4:] for p in PHONES.values()),
                 "599 12 34 56", "599123456", "nino.beridze", "quokka", "Quokka", BOT_TOKEN, WEBHOOK_SECRET,
                 AUTH, TOKEN, SECRET, IDENTITY, METRICS_TOKEN, token, widget.token, photo, "/storage/", "Media/"]
    for where, text in [*logs.items(), ("api metrics", api), ("worker metrics", worker)]:
        leaked = [f for f in forbidden if f in text] + REG.findall(text) + EMAIL.findall(text)
        assert leaked == [], (where, leaked)
    for where in ("api", "worker", "console"):
        lines = [line for line in logs[where].splitlines() if line.strip()]
        assert lines or where == "console"
        for line in lines:
            entry = json.loads(line)  # one JSON object per line
            assert {"time", "level", "logger", "message"} <= set(entry), line


# /metrics and /readyz on one process

@pytest.fixture
async def app_of(tmp_path: Path, portal):
    """Kavshiri's API in this process on SQLite, or Redis, with the settings a test gives."""
    built = []

    async def build(portal_url: str = portal.url, **extra):
        kv = await Kavshiri.build(settings_for(tmp_path / f"home{len(built)}", portal_url, **extra), portal_url)
        built.append(kv)
        return kv

    yield build
    for kv in built:
        await kv.close()


async def get(url: str, **extra) -> httpx.Response:
    """The server runs in this test's own event loop: ask it without blocking that loop."""
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.get(url, **extra)


async def test_metrics_are_off_unless_a_token_is_set_and_then_need_it(app_of):
    off = await app_of()
    async with serve(create_app(off)) as url:
        assert (await get(f"{url}/metrics")).status_code == 404
    on = await app_of(metrics_token=METRICS_TOKEN)
    async with serve(create_app(on)) as url:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": METRICS_TOKEN},
                        {"Authorization": f"Bearer {METRICS_TOKEN}x"}):
            refused = await get(f"{url}/metrics", headers=headers)
            assert refused.status_code == 401 and "kavshiri_" not in refused.text
        served = await get(f"{url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert served.status_code == 200 and served.headers["content-type"].startswith("text/plain")
        assert "kavshiri_turns_total" in served.text and "kavshiri_outbox_queued 0.0" in served.text


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
async def test_readyz_is_ready_when_the_store_and_the_portal_answer(app_of, backend):
    extra = {"redis_url": REDIS_URL, "redis_prefix": f"test-{uuid.uuid4().hex[:12]}:"} if backend == "redis" else {}
    async with serve(create_app(await app_of(**extra))) as url:
        ready = await get(f"{url}/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"store": "ok", "portal": "ok"}}


async def test_readyz_names_the_portal_when_it_is_down(app_of):
    kv = await app_of(f"http://127.0.0.1:{free_port()}")  # nothing listens there
    async with serve(create_app(kv)) as url:
        down = await get(f"{url}/readyz")
        assert (await get(f"{url}/healthz")).status_code == 200  # alive all the same
    assert down.status_code == 503
    assert down.json() == {"status": "not ready", "checks": {"store": "ok", "portal": "unreachable"}}


async def test_readyz_names_the_store_when_redis_is_down(app_of, tmp_path: Path):
    port = free_port()
    redis_server = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no",
                                     "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    try:
        kv = await app_of(redis_url=f"redis://127.0.0.1:{port}/0")
        async with serve(create_app(kv)) as url:
            for _ in range(50):
                if (await get(f"{url}/readyz")).status_code == 200:
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("never ready with Redis up")
            redis_server.terminate()
            redis_server.wait(10)
            down = await get(f"{url}/readyz", timeout=10)
    finally:
        if redis_server.poll() is None:
            redis_server.kill()
    assert down.status_code == 503
    checks = down.json()["checks"]
    assert checks["portal"] == "ok" and checks["store"] != "ok" and str(port) not in checks["store"]


def test_json_log_lines_are_one_object_each_even_with_a_traceback():
    record = logging.LogRecord("kavshiri.test", logging.ERROR, __file__, 1, "failed: %s", ("ქართული",), None)
    try:
        raise ValueError("line one\nline two")
    except ValueError:
        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "failed: ქართული" and entry["level"] == "ERROR" and entry["logger"] == "kavshiri.test"
    assert "line two" in entry["exception"] and entry["time"].endswith("+00:00")


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_store_figures_count_operators_online_and_the_waiting_outbox(kv: Kavshiri):
    await kv.accounts.add("ops-nino", "ნინო", "a long test password", ["mia"])
    await kv.count_store()
    assert sample("kavshiri_operators_online") == 0
    await kv.desk.set_presence("ops-nino", True)
    now = kv.outbox.clock.now().timestamp()
    await kv.store.enqueue(Notification("ops-1", "sms", "+995555100299", "en", {"key": "help.text"}, due_at=now - 60))
    await kv.count_store()
    assert sample("kavshiri_operators_online") == 1 and sample("kavshiri_outbox_queued") == 1
    assert sample("kavshiri_outbox_oldest_due_seconds") >= 60


async def test_portal_calls_are_counted_by_outcome_and_labels_stay_bounded():
    portal = HttpPortal(f"http://127.0.0.1:{free_port()}", TOKEN, timeout=1, retries=0)
    before = sample("kavshiri_portal_request_seconds_count", operation="status", outcome="unreachable")
    with pytest.raises(PortalUnavailable):
        await portal.status("citizen", "E-2026-0000001")
    await portal.close()
    assert sample("kavshiri_portal_request_seconds_count", operation="status", outcome="unreachable") == before + 1
    # A value outside the fixed sets (a Rasa server's own intent, an unknown channel) is "other".
    turns = sample("kavshiri_turns_total", channel="other", intent="other")
    metrics.turn_done("pigeon", "order_pizza", "text", 0.01)
    assert sample("kavshiri_turns_total", channel="other", intent="other") == turns + 1
