"""Alerts that Twilio takes but later reports undelivered: retried with backoff when the error is
temporary, given up and sent once through another channel of the citizen's when it is final;
WhatsApp alerts outside the 24-hour window go as an approved template or not at all. The real
twilio client against the stand-in REST API, status callbacks signed with the real
RequestValidator, on both stores."""
from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from bot.alerts import targets
from bot.models import Citizen, Submission
from bot.outbox import RETRY_SCHEDULE, Outbox
from connectors.sms import failure
from kavshiri.app import Kavshiri
from tests.channels import serve
from tests.conftest import AUTH, PUBLIC, REDIS_URL, SID, backend_settings, settings_for
from tests.support import delete_keys
from tests.test_sms import Phone

TEMPLATES = "ka=HX" + "a" * 32 + ",en=HX" + "e" * 32
URL = "https://my.gov.ge/answer/1"


class Later:
    """The clock some seconds from now: the retry that is due then."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + timedelta(seconds=self.seconds)


@pytest.fixture(params=["sqlite", "redis"])
def backend(request) -> dict:
    return backend_settings(request.param)


@asynccontextmanager
async def open_phone(tmp_path: Path, portal, twilio_api, backend: dict, **extra) -> AsyncIterator[Phone]:
    """Kavshiri with Twilio against the stand-in, its API served; its Redis keys deleted after."""
    settings = settings_for(tmp_path / "home", portal.url, twilio_account_sid=SID, twilio_auth_token=AUTH,
                            twilio_from="+15005550006", twilio_api_url=twilio_api.url, public_url=PUBLIC,
                            **backend, **extra)
    kv = await Kavshiri.build(settings, portal.url)
    async with serve(create_app(kv)) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        yield Phone(kv, client, twilio_api)
    await kv.close()
    if backend["redis_url"]:
        await delete_keys(REDIS_URL, backend["redis_prefix"])


@pytest.fixture
async def phone(tmp_path: Path, portal, twilio_api, backend):
    async with open_phone(tmp_path, portal, twilio_api, backend) as opened:
        yield opened


@pytest.fixture
async def templated(tmp_path: Path, portal, twilio_api, backend):
    async with open_phone(tmp_path, portal, twilio_api, backend, twilio_whatsapp_alert_template=TEMPLATES) as opened:
        yield opened


async def citizen_with_answer(kv: Kavshiri, channel: str, address: str, number: str, notify: list[str] = (),
                              last_inbound: datetime | None = None, lang: str = "en") -> None:
    """A citizen whose request the portal has just answered (the alert is queued)."""
    citizen = await kv.engine.citizen(channel, address)
    citizen.lang, citizen.notify = lang, list(notify)
    if last_inbound:
        citizen.last_inbound_at = last_inbound.isoformat()
    await kv.store.save_citizen(citizen)
    await kv.store.save_submission(Submission(
        registration_number=number, citizen_key=citizen.key, portal_id="p", agency_id="moj",
        request_type="letter", subject="Subject", registered_at=datetime.now(timezone.utc),
        deadline=date.today() + timedelta(days=10)))
    assert await kv.alerts.on_update(number, "completed", URL, None)


async def report(phone: Phone, sid: str, status: str, code: int | None = None) -> None:
    response = await phone.post("/webhooks/twilio/status", phone.api.status_callback(sid, status, code))
    assert response.status_code == 204


def outbox_later(kv: Kavshiri, seconds: float) -> Outbox:
    return Outbox(kv.store, kv.outbox.senders, Later(seconds), on_dead=kv.outbox.on_dead)


async def test_a_temporary_failure_is_sent_again_after_the_backoff(phone: Phone):
    number, to = "E-2026-0100001", "+995555201011"
    await citizen_with_answer(phone.kv, "sms", to, number)
    assert await phone.kv.outbox.deliver_due() == 1
    [first] = phone.api.to(to)
    await report(phone, first["sid"], "sent")
    await report(phone, first["sid"], "undelivered", 30003)  # the handset was off
    await report(phone, first["sid"], "undelivered", 30003)  # Twilio says it again: acted on once
    assert await phone.kv.outbox.deliver_due() == 0  # not before the backoff
    assert await outbox_later(phone.kv, RETRY_SCHEDULE[0] - 2).deliver_due() == 0
    assert await outbox_later(phone.kv, RETRY_SCHEDULE[0] + 1).deliver_due() == 1
    first_again, second = phone.api.to(to)
    assert number in second["body"] and second["sid"] != first["sid"]
    await report(phone, second["sid"], "delivered")
    await report(phone, second["sid"], "sent")  # late and out of order
    await report(phone, first["sid"], "delivered")  # a final status never replaces another
    assert await phone.kv.store.delivery(second["sid"]) == "delivered"
    assert await phone.kv.store.delivery(first["sid"]) == "undelivered"
    assert await outbox_later(phone.kv, 86_400).deliver_due() == 0
    assert len(phone.api.to(to)) == 2 and await phone.kv.store.dead_letters() == []


async def test_temporary_failures_are_retried_a_bounded_number_of_times(phone: Phone):
    number, to = "E-2026-0100002", "+995555201021"
    await citizen_with_answer(phone.kv, "sms", to, number)
    assert await phone.kv.outbox.deliver_due() == 1
    for attempt in range(len(RETRY_SCHEDULE)):
        await report(phone, phone.api.to(to)[-1]["sid"], "failed", 30001)
        assert await outbox_later(phone.kv, RETRY_SCHEDULE[attempt] + 1).deliver_due() == 1
    await report(phone, phone.api.to(to)[-1]["sid"], "failed", 30001)
    assert await outbox_later(phone.kv, 86_400).deliver_due() == 0
    assert len(phone.api.to(to)) == len(RETRY_SCHEDULE) + 1
    [dead] = await phone.kv.store.dead_letters()
    assert dead.key == f"final:{number}:sms" and "30001" in dead.last_error


async def test_a_final_failure_falls_back_once_to_a_channel_that_had_no_alert(phone: Phone):
    number, wa, other = "E-2026-0100003", "+995555201031", "+995555201131"
    await phone.send(f"whatsapp:{wa}", "hello")  # opens the 24-hour window
    await citizen_with_answer(phone.kv, "whatsapp", wa, number)
    citizen = await phone.kv.store.get_citizen(f"whatsapp:{wa}")
    assert citizen.last_inbound_at  # kept from the inbound message
    assert await phone.kv.outbox.deliver_due() == 1
    alert = phone.api.to(f"whatsapp:{wa}")[-1]
    assert number in alert["body"] and alert["content_sid"] is None  # free text inside the window
    citizen.notify = [f"sms:{other}"]  # meanwhile they chose a second number
    await phone.kv.store.save_citizen(citizen)
    await report(phone, alert["sid"], "failed", 63016)
    assert await phone.kv.outbox.deliver_due() == 1
    await report(phone, alert["sid"], "failed", 63016)  # the callback repeated changes nothing more
    assert await phone.kv.outbox.deliver_due() == 0
    [fallback] = phone.api.to(other)
    assert number in fallback["body"]
    [dead] = await phone.kv.store.dead_letters()
    assert dead.channel == "whatsapp" and "63016" in dead.last_error
    assert (await phone.kv.store.get_citizen(f"whatsapp:{wa}")).last_inbound_at == ""  # templates from now on
    await phone.kv.alerts.on_update(number, "completed", URL, None)  # the portal says it again
    assert await outbox_later(phone.kv, 86_400).deliver_due() == 0
    assert len(phone.api.to(other)) == 1


async def test_a_fallback_never_alerts_a_channel_twice(phone: Phone):
    number, to = "E-2026-0100004", "+995555201041"
    await citizen_with_answer(phone.kv, "web", "w-4", number, notify=[f"sms:{to}"])
    assert await phone.kv.outbox.deliver_due() == 2  # the chat's inbox and the phone
    await report(phone, phone.api.to(to)[-1]["sid"], "undelivered", 30005)  # no such number
    assert await outbox_later(phone.kv, 86_400).deliver_due() == 0
    assert len(await phone.kv.store.drain_inbox("web:w-4")) == 1
    [dead] = await phone.kv.store.dead_letters()
    assert dead.channel == "sms" and "30005" in dead.last_error


async def test_an_opt_out_reported_later_silences_the_number_like_stop(phone: Phone):
    number, to = "E-2026-0100012", "+995555201141"
    await citizen_with_answer(phone.kv, "sms", to, number)
    assert await phone.kv.outbox.deliver_due() == 1
    await report(phone, phone.api.to(to)[-1]["sid"], "failed", 21610)
    assert (await phone.kv.store.get_citizen(f"sms:{to}")).silenced
    assert await outbox_later(phone.kv, 86_400).deliver_due() == 0 and len(phone.api.to(to)) == 1
    [dead] = await phone.kv.store.dead_letters()
    assert "21610" in dead.last_error


async def test_a_conversation_reply_that_fails_is_only_recorded(phone: Phone):
    await phone.send("+995555201051", "hello")
    sid = phone.api.to("+995555201051")[-1]["sid"]
    await report(phone, sid, "undelivered", 30003)
    assert await phone.kv.store.delivery(sid) == "undelivered"
    assert await outbox_later(phone.kv, 86_400).deliver_due() == 0 and len(phone.api.to("+995555201051")) == 1


async def test_forged_status_callbacks_change_nothing(phone: Phone):
    number, to = "E-2026-0100006", "+995555201061"
    await citizen_with_answer(phone.kv, "sms", to, number)
    await phone.kv.outbox.deliver_due()
    sid = phone.api.to(to)[-1]["sid"]
    form = phone.api.status_callback(sid, "failed", 30003)
    assert (await phone.post("/webhooks/twilio/status", form, signature="Zm9yZ2Vk")).status_code == 403
    assert await phone.kv.store.delivery(sid) == "queued"
    assert await outbox_later(phone.kv, 86_400).deliver_due() == 0


@pytest.mark.parametrize("lang,template,agency", [("en", "HX" + "e" * 32, "Ministry of Justice"),
                                                  ("ka", "HX" + "a" * 32, "იუსტიციის სამინისტრო")])
async def test_whatsapp_outside_the_window_sends_the_template_of_the_citizens_language(
        templated: Phone, lang, template, agency):
    number, wa = "E-2026-0100007", "+995555201071"
    await citizen_with_answer(templated.kv, "whatsapp", wa, number, lang=lang,
                              last_inbound=datetime.now(timezone.utc) - timedelta(hours=25))
    assert await templated.kv.outbox.deliver_due() == 1
    [sent] = templated.api.to(f"whatsapp:{wa}")
    assert sent["content_sid"] == template and sent["body"] == "" and sent["from"] == "whatsapp:+15005550006"
    assert json.loads(sent["content_variables"]) == {"1": number, "2": agency, "3": URL}


async def test_a_message_from_the_citizen_opens_the_window_for_free_text(templated: Phone):
    first, second, wa = "E-2026-0100008", "E-2026-0100009", "+995555201081"
    await citizen_with_answer(templated.kv, "whatsapp", wa, first)  # never wrote on WhatsApp
    assert await templated.kv.outbox.deliver_due() == 1
    assert templated.api.to(f"whatsapp:{wa}")[-1]["content_sid"] == "HX" + "e" * 32
    await templated.send(f"whatsapp:{wa}", "hello")
    await citizen_with_answer(templated.kv, "whatsapp", wa, second)
    assert await templated.kv.outbox.deliver_due() == 1
    last = templated.api.to(f"whatsapp:{wa}")[-1]
    assert last["content_sid"] is None and last["content_variables"] is None and second in last["body"]


async def test_whatsapp_outside_the_window_without_a_template_is_not_sent_and_falls_back(phone: Phone, caplog):
    number, wa, other = "E-2026-0100011", "+995555201111", "+995555201211"
    await citizen_with_answer(phone.kv, "whatsapp", wa, number,
                              last_inbound=datetime.now(timezone.utc) - timedelta(hours=30))
    citizen = await phone.kv.store.get_citizen(f"whatsapp:{wa}")
    citizen.notify = [f"sms:{other}"]  # chosen after the alert was queued
    await phone.kv.store.save_citizen(citizen)
    with caplog.at_level(logging.INFO):
        assert await phone.kv.outbox.deliver_due() == 0
        assert await phone.kv.outbox.deliver_due() == 1
    assert phone.api.to(f"whatsapp:{wa}") == []  # no message into a sure failure
    assert number in phone.api.to(other)[-1]["body"]
    [dead] = await phone.kv.store.dead_letters()
    assert dead.channel == "whatsapp" and "window" in dead.last_error
    assert "window" in caplog.text and "+995" not in caplog.text and "201111" not in caplog.text


def test_twilio_error_codes_temporary_or_final():
    assert failure("delivered", "") is None and failure("sent", "") is None
    for code in ("30001", "30003", "30008", "30017"):
        assert not failure("undelivered", code).permanent
    for code in ("30004", "30005", "30006", "21610", "63016", ""):
        assert failure("failed", code).permanent


def test_a_fallback_prefers_the_chat_then_e_mail_then_another_number():
    citizen = Citizen("whatsapp:+995555201091", "whatsapp", "+995555201091",
                      notify=["sms:+995555201092", "email:me@example.ge"])
    assert list(targets(citizen).items()) == [("whatsapp", "+995555201091"), ("email", "me@example.ge"),
                                              ("sms", "+995555201092")]


async def test_a_shut_window_reported_later_sends_the_alert_again_as_the_template(templated: Phone):
    number, wa, other = "E-2026-0100013", "+995555201151", "+995555201251"
    await templated.send(f"whatsapp:{wa}", "hello")  # our clock says the window is open
    await citizen_with_answer(templated.kv, "whatsapp", wa, number, notify=[f"sms:{other}"])
    assert await templated.kv.outbox.deliver_due() == 2  # WhatsApp as free text, and the phone
    free = templated.api.to(f"whatsapp:{wa}")[-1]
    assert free["content_sid"] is None
    await report(templated, free["sid"], "failed", 63016)  # WhatsApp says it was shut after all
    assert await outbox_later(templated.kv, RETRY_SCHEDULE[0] + 1).deliver_due() == 1
    again = templated.api.to(f"whatsapp:{wa}")[-1]
    assert again["content_sid"] == "HX" + "e" * 32 and json.loads(again["content_variables"])["1"] == number
    assert len(templated.api.to(other)) == 1 and await templated.kv.store.dead_letters() == []


class ReportsAtOnce:
    """The real SMS sender, with Twilio's failure report arriving before the send has returned."""

    def __init__(self, phone: Phone, code: int) -> None:
        self.phone, self.code, self.sender = phone, code, phone.kv.outbox.senders["sms"]

    async def send(self, address, lang, reply):
        sid = await self.sender.send(address, lang, reply)
        await report(self.phone, sid, "undelivered", self.code)
        return sid


async def test_a_failure_reported_before_the_send_returned_is_not_lost(phone: Phone):
    number, to = "E-2026-0100014", "+995555201161"
    await citizen_with_answer(phone.kv, "sms", to, number)
    fast = Outbox(phone.kv.store, {"sms": ReportsAtOnce(phone, 30003)}, phone.kv.outbox.clock,
                  on_dead=phone.kv.outbox.on_dead)
    assert await fast.deliver_due() == 1
    assert await outbox_later(phone.kv, RETRY_SCHEDULE[0] + 1).deliver_due() == 1  # tried again
    assert len(phone.api.to(to)) == 2
    await report(phone, phone.api.to(to)[-1]["sid"], "delivered")
    assert await outbox_later(phone.kv, 86_400).deliver_due() == 0 and await phone.kv.store.dead_letters() == []
