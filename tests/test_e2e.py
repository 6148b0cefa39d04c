"""The whole journey across real processes: the stand-in portal, `kavshiri serve`, and the
console and HTTP chat as a citizen uses them. The portal's completion reaches the citizen
through its signed callback to the API, the outbox worker and the citizen's channel."""
from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import IDENTITY, SECRET, TOKEN, english_in
from tests.support import KAVSHIRI, Service, free_port


class Deployment:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.portal_port, self.api_port = free_port(), free_port()
        self.portal_url = f"http://127.0.0.1:{self.portal_port}"
        self.api_url = f"http://127.0.0.1:{self.api_port}"
        self.env = {
            **os.environ,
            "KAVSHIRI_HOME": str(root / "home"),
            "PORTAL_URL": self.portal_url,
            "PORTAL_TOKEN": TOKEN,
            "PORTAL_CALLBACK_SECRET": SECRET,
            "IDENTITY_SECRET": IDENTITY,
            "PORT": str(self.api_port),
            "WORKER_INTERVAL_SECONDS": "0.2",
            "POLL_INTERVAL_SECONDS": "3600",  # the callback, not the poll, must bring the alert
        }
        self.env.pop("REDIS_URL", None)  # embedded defaults: SQLite under KAVSHIRI_HOME
        self.portal = Service(
            ["portal-sim", "--port", str(self.portal_port), "--db", str(root / "sim.sqlite3"),
             "--callback-url", f"{self.api_url}/portal/callback"],
            self.env, f"{self.portal_url}/v1/agencies", str(root / "portal.log"),
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        self.api = self.new_api()

    def new_api(self) -> Service:
        return Service(["serve"], self.env, f"{self.api_url}/healthz", str(self.root / "api.log"))

    def console(self, user: str, lines: list[str], lang: str | None = None) -> list[dict]:
        args = [KAVSHIRI, "console", "--json", "--user", user] + (["--lang", lang] if lang else [])
        done = subprocess.run(args, input="\n".join(lines) + "\n" if lines else "", env=self.env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return [json.loads(line) for line in done.stdout.splitlines()]

    def complete(self, number: str, answer: str) -> None:
        done = subprocess.run([KAVSHIRI, "portal-sim", "complete", number, "--answer", answer,
                               "--url", self.portal_url], env=self.env, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr


@pytest.fixture
def deployment(tmp_path: Path):
    d = Deployment(tmp_path)
    with d.portal, d.api:
        yield d
        d.api.stop()  # a test that restarted the API replaced d.api: stop that one too


def submitted(messages: list[dict]) -> dict:
    return next(m["event"] for m in messages if m["event"] and m["event"]["type"] == "submitted")


def wait_for(check, seconds: float = 20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.2)
    raise AssertionError("the alert never arrived")


@pytest.mark.parametrize("lang", ["ka", "en"])
def test_console_journey_to_registration_and_alert(deployment: Deployment, lang: str):
    subject, body = {
        "ka": ("ვაკანსიები", "გთხოვთ, მომაწოდოთ 2026 წელს გამოცხადებული ვაკანსიების სია."),
        "en": ("Vacancies", "Please send me the list of vacancies announced in 2026."),
    }[lang]
    out = deployment.console("alice", [
        "გამარჯობა" if lang == "ka" else "hello",
        "/choose new_request",
        "იუსტიციის სახლი" if lang == "ka" else "PSH",
        "/choose type:information_request",
        subject,
        body,  # the period
        "/choose skip",  # the form: electronic
        "/choose submit",
    ], lang=lang)
    assert all(m["lang"] == lang for m in out)
    event = submitted(out)
    number, deadline = event["registration_number"], event["deadline"]
    assert event["agency_id"] == "psh" and len(deadline) == 10

    deployment.complete(number, "The list is attached.")
    alert = wait_for(lambda: [m for m in deployment.console("alice", []) if m["event"]])
    assert alert[0]["event"]["type"] == "completed" and number in alert[0]["text"]
    listing = deployment.console("alice", ["/choose my_requests"])
    assert number in listing[0]["text"]
    if lang == "ka":
        assert english_in(out + alert + listing) == set()


def test_http_chat_journey_and_restart_after_a_crash(deployment: Deployment):
    api = httpx.Client(base_url=deployment.api_url, timeout=30)
    token = api.post("/api/chat/sessions", json={"lang": "en"}).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}

    def say(**message) -> list[dict]:
        response = api.post("/api/chat/messages", json=message, headers=auth)
        assert response.status_code == 200, response.text
        return response.json()["messages"]

    say(text="hello")
    say(choice="new_request")
    say(text="Ministry of Finance")
    say(choice="type:application")
    say(text="Tax refund")

    deployment.api.kill()  # a crash mid-draft
    deployment.api = deployment.new_api().start()
    say(text="Please refund the overpaid tax.")
    review = say(choice="skip")  # no documents
    assert "Tax refund" in review[0]["text"]  # the draft survived the crash
    number = submitted(say(choice="submit"))["registration_number"]

    deployment.complete(number, "Refunded.")
    alert = wait_for(lambda: api.get("/api/chat/messages", headers=auth).json()["messages"])
    assert alert[0]["event"] == {"type": "completed", "registration_number": number,
                                 "answer_url": alert[0]["event"]["answer_url"]}
    page = httpx.get(alert[0]["event"]["answer_url"])
    assert page.status_code == 200 and "Refunded." in page.text
    api.close()
