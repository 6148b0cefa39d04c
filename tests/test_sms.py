"""SMS and WhatsApp: the real twilio client against a stand-in REST API, inbound webhooks signed
with twilio's own RequestValidator over the public URL."""
from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from twilio.request_validator import RequestValidator

from api.app import create_app
from bot.messages import Reply
from bot.outbox import DeliveryError
from connectors.sms import numbered, parse_sender
from connectors.sms_text import cost, fit, romanise
from kavshiri.app import Kavshiri
from standins.twilio_api import TwilioApi, signed_post
from tests import files
from tests.channels import serve, until
from tests.conftest import AUTH, PUBLIC, SID, settings_for
from tests.support import ThreadServer

REG = re.compile(r"E-\d{4}-\d{7}")


@pytest.fixture
async def sms(tmp_path: Path, portal, twilio_api):
    settings = settings_for(tmp_path / "home", portal.url, twilio_account_sid=SID, twilio_auth_token=AUTH,
                            twilio_from="+15005550006", twilio_api_url=twilio_api.url, public_url=PUBLIC)
    kv = await Kavshiri.build(settings, portal.url)
    async with serve(create_app(kv)) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        yield Phone(kv, client, twilio_api)
    await kv.close()


class Phone:
    def __init__(self, kv: Kavshiri, client: httpx.AsyncClient, api: TwilioApi) -> None:
        self.kv, self.client, self.api = kv, client, api
        self.count = 0

    async def post(self, path: str, params: dict[str, str], signature: str | None = None) -> httpx.Response:
        return await signed_post(self.client, path, params, AUTH, signature, public_url=PUBLIC + path)

    async def send(self, sender: str, body: str, expect_reply: bool = True, **extra: str) -> str | None:
        self.count += 1
        to = sender if sender.startswith("whatsapp:") else sender
        before = len(self.api.to(to))
        params = {"From": sender, "To": "+15005550006", "Body": body, "MessageSid": f"SM{self.count:032x}",
                  "AccountSid": SID, "NumMedia": "0", **extra}
        response = await self.post("/webhooks/twilio/sms", params)
        assert response.status_code == 200 and "<Response>" in response.text
        if not expect_reply:
            await asyncio.sleep(0.3)
            assert len(self.api.to(to)) == before
            return None
        await until(lambda: len(self.api.to(to)) > before)
        return self.api.to(to)[-1]["body"]

    def post_url(self, path: str) -> str:
        return str(self.client.base_url) + path


def number_of(text: str, label_part: str) -> str:
    """The menu number whose label contains `label_part`."""
    for line in text.splitlines():
        if (match := re.match(r"^(\d+) (.+)$", line)) and label_part.lower() in match.group(2).lower():
            return match.group(1)
    raise AssertionError(f"no {label_part!r} in {text!r}")


SKIP = {"en": "Skip", "ka": "გამოტოვება"}
NEXT = {"en": "Next part", "ka": "შემდეგი ნაწილი"}
ELECTRONIC = {"en": "Electronic", "ka": "ელექტრონული"}
JOURNEY = {
    "en": ("hello", "New request", "Ministry of Justice", "information", "Copy of a decision", "Submit"),
    "ka": ("გამარჯობა", "ახალი", "იუსტიციის სამინისტრო", "ინფორმაცი", "გადაწყვეტილების ასლი", "გაგზავნა"),
}


@pytest.mark.parametrize("lang", ["en", "ka"])
async def test_full_sms_journey_with_numbered_answers_and_an_alert(sms: Phone, operator, lang):
    phone = "+995555123401"
    hello, new, agency, kind, subject, submit = JOURNEY[lang]
    menu = await sms.send(phone, hello)
    reply = await sms.send(phone, number_of(menu, new))
    reply = await sms.send(phone, agency)
    reply = await sms.send(phone, number_of(reply, kind))
    reply = await sms.send(phone, subject)
    reply = await sms.send(phone, number_of(reply, SKIP[lang]))  # the period
    review = await sms.send(phone, number_of(reply, ELECTRONIC[lang]))
    assert subject in review
    while not re.search(rf"^\d+ {submit}$", review, re.M):  # the letter, a page at a time
        review = await sms.send(phone, number_of(review, NEXT[lang]))
    assert ("Yours faithfully" if lang == "en" else "პატივისცემით") in review
    done = await sms.send(phone, number_of(review, submit))
    number = REG.search(done).group(0)
    assert all(int(m["num_segments"]) <= sms.kv.settings.sms_max_segments for m in sms.api.to(phone))
    if lang == "ka":
        assert cost(menu).encoding == "ucs2"
    operator.complete(number, "Here it is.")
    await sms.kv.alerts.poll_open()
    assert await sms.kv.outbox.deliver_due() == 1
    assert number in sms.api.to(phone)[-1]["body"]


async def test_an_alerts_menu_number_picks_the_alerts_choice(sms: Phone, operator):
    phone = "+995555123409"
    hello, new, agency, kind, subject, submit = JOURNEY["en"]
    menu = await sms.send(phone, hello)
    await sms.send(phone, number_of(menu, new))
    await sms.send(phone, number_of(await sms.send(phone, agency), kind))
    period = await sms.send(phone, subject)
    review = await sms.send(phone, number_of(await sms.send(phone, number_of(period, SKIP["en"])), ELECTRONIC["en"]))
    while not re.search(rf"^\d+ {submit}$", review, re.M):
        review = await sms.send(phone, number_of(review, NEXT["en"]))
    number = REG.search(await sms.send(phone, number_of(review, submit))).group(0)
    operator.complete(number, "No.", outcome="refused")
    await sms.kv.alerts.poll_open()
    assert await sms.kv.outbox.deliver_due() == 1
    alert = sms.api.to(phone)[-1]["body"]
    complaint = await sms.send(phone, number_of(alert, "File a complaint"))
    assert "Here is your complaint" in complaint and number in complaint


async def test_menus_fit_in_two_segments_and_zero_goes_back(sms: Phone):
    phone = "+995555123402"
    await sms.send(phone, "გამარჯობა")
    menu = await sms.send(phone, "მენიუ")
    assert cost(menu).segments <= 2
    agency = await sms.send(phone, "1")
    assert "\n0 " in agency
    back = await sms.send(phone, "0")
    assert back == menu


async def test_forged_or_misaddressed_signatures_are_refused_with_no_effect(sms: Phone):
    params = {"From": "+995555123403", "Body": "hello", "MessageSid": "SMforged", "AccountSid": SID}
    assert (await sms.post("/webhooks/twilio/sms", params, signature="Zm9yZ2Vk")).status_code == 403
    assert (await sms.post("/webhooks/twilio/sms", params, signature="")).status_code == 403
    # Signed for another URL (the local one, not the public one Twilio calls).
    local = await signed_post(sms.client, "/webhooks/twilio/sms", params, AUTH, public_url=sms.post_url("/webhooks/twilio/sms"))
    assert local.status_code == 403
    await asyncio.sleep(0.2)
    assert sms.api.messages == [] and await sms.kv.store.get_citizen("sms:+995555123403") is None


async def test_a_captured_signature_cannot_be_replayed_with_its_parameters_cut_differently(sms: Phone):
    """The review's boundary shift: NumMedia dropped and its characters moved into MessageSid
    keeps the signature valid; it must not be handled as a new message."""
    phone = "+995555123409"
    sid = "SM" + "ab" * 16
    params = {"From": phone, "To": "+15005550006", "Body": "hello", "MessageSid": sid, "AccountSid": SID,
              "NumMedia": "0"}
    assert (await sms.post("/webhooks/twilio/sms", params)).status_code == 200
    await until(lambda: len(sms.api.to(phone)) == 1)
    validator = RequestValidator(AUTH)
    captured = validator.compute_signature(PUBLIC + "/webhooks/twilio/sms", params)
    shifted = {k: v for k, v in params.items() if k != "NumMedia"} | {"MessageSid": f"{sid}NumMedia0"}
    assert validator.validate(PUBLIC + "/webhooks/twilio/sms", shifted, captured)  # the same signature fits
    assert (await sms.post("/webhooks/twilio/sms", shifted, signature=captured)).status_code == 400
    other = params | {"AccountSid": "AC" + "f" * 32}
    assert (await sms.post("/webhooks/twilio/sms", other)).status_code == 400  # signed, but not our account
    await asyncio.sleep(0.3)
    assert len(sms.api.to(phone)) == 1


def test_media_paths_with_dot_segments_are_refused(sms: Phone):
    """They start under the account's path and, once resolved, end elsewhere on Twilio's origin."""
    base = f"{sms.api.url}/2010-04-01/Accounts/{SID}"
    assert sms.kv.sms.media_allowed(f"{base}/Messages/MM{'0' * 32}/Media/ME{'1' * 32}")
    for path in ("/../../../_spy", "/Messages/../../../_spy", "/%2e%2e/%2E%2E/_spy", "/./Messages"):
        assert not sms.kv.sms.media_allowed(base + path), path


async def test_stop_silences_everything_until_start(sms: Phone):
    phone = "+995555123404"
    await sms.send(phone, "hello")
    stopped = await sms.send(phone, "STOP")
    assert "START" in stopped
    await sms.send(phone, "hello", expect_reply=False)
    with pytest.raises(DeliveryError) as raised:
        await sms.kv.outbox.senders["sms"].send(phone, "en", Reply("help.text"))
    assert raised.value.permanent
    assert "Kavshiri" in await sms.send(phone, "HELP")
    assert await sms.send(phone, "start")
    assert await sms.send(phone, "hello")


async def test_georgian_stop_word_in_both_scripts(sms: Phone):
    for phone, word in (("+995555123405", "გაჩერება"), ("+995555123406", "gachereba")):
        stopped = await sms.send(phone, word)
        assert "დაწყება" in stopped
        await sms.send(phone, "გამარჯობა", expect_reply=False)


async def test_a_citizen_may_choose_georgian_in_latin_letters(sms: Phone):
    phone = "+995555123407"
    await sms.send(phone, "გამარჯობა")
    settings = await sms.send(phone, "შეტყობინებები")  # the word: SMS menus leave the item out
    latin = await sms.send(phone, number_of(settings, "ლათინური"))
    assert cost(latin).encoding == "gsm7" and "latinuri asoebit" in latin  # "ლათინური ასოებით" romanised


async def test_a_second_number_for_alerts_is_confirmed_by_a_code_sent_to_it(sms: Phone):
    phone, other = "+995555123411", "+995555123412"
    await sms.send(phone, "hello")
    settings = await sms.send(phone, "alerts")
    await sms.send(phone, number_of(settings, "mobile"))
    sent = await sms.send(phone, "555 12 34 12")
    assert other in sent and await sms.kv.outbox.deliver_due() == 1
    code = re.search(r"\b\d{6}\b", sms.api.to(other)[-1]["body"]).group(0)
    assert other in await sms.send(phone, code)
    assert (await sms.kv.store.get_citizen(f"sms:{phone}")).notify == [f"sms:{other}"]


async def test_delivery_status_callbacks_are_verified_and_recorded(sms: Phone):
    phone = "+995555123408"
    await sms.send(phone, "hello")
    sid = sms.api.to(phone)[-1]["sid"]
    assert await sms.kv.store.delivery(sid) == "queued"
    for state in ("sent", "delivered"):
        response = await sms.post("/webhooks/twilio/status", {"MessageSid": sid, "MessageStatus": state})
        assert response.status_code == 204
    forged = await sms.post("/webhooks/twilio/status", {"MessageSid": sid, "MessageStatus": "failed"}, "eA==")
    assert forged.status_code == 403 and await sms.kv.store.delivery(sid) == "delivered"


async def test_whatsapp_takes_the_same_path(sms: Phone):
    reply = await sms.send("whatsapp:+995555123409", "hello")
    assert reply and sms.api.to("whatsapp:+995555123409")[-1]["from"] == "whatsapp:+15005550006"
    assert await sms.kv.store.get_citizen("whatsapp:+995555123409")


async def test_a_picture_outside_a_draft_gets_a_clear_answer_and_is_not_fetched(sms: Phone):
    url = sms.api.add_media(files.jpeg(), "image/jpeg")
    answer = await sms.send("+995555123410", "", NumMedia="1", MediaUrl0=url, MediaContentType0="image/jpeg")
    assert "მიმაგრება" in answer and sms.api.media_fetches == []


async def test_whatsapp_media_joins_the_draft_and_reaches_the_portal(sms: Phone, operator):
    phone = "whatsapp:+995555123420"
    menu = await sms.send(phone, "hello")
    reply = await sms.send(phone, number_of(menu, "New request"))
    reply = await sms.send(phone, "Ministry of Justice")
    prompt = await sms.send(phone, number_of(reply, "Application"))
    assert "attach" in prompt and "10 MB" in prompt
    await sms.send(phone, "Copy of a decision")
    pdf, photo = files.pdf("decision"), files.png()
    media = {"NumMedia": "2", "MediaUrl0": sms.api.add_media(pdf, "application/pdf"),
             "MediaContentType0": "application/pdf", "MediaUrl1": sms.api.add_media(photo, "image/png"),
             "MediaContentType1": "image/png"}
    added = await sms.send(phone, "", **media)
    assert "document-1.pdf" in added and "photo-2.png" in added and "2 of 5" in added
    assert len(sms.api.media_fetches) == 2
    review = await sms.send(phone, "I was a party to the case.")  # the files say which documents
    assert "document-1.pdf" in review and "photo-2.png" in review
    done = await sms.send(phone, number_of(review, "Submit"))
    number = REG.search(done).group(0)
    [row] = [r for r in await asyncio.to_thread(operator.registrations) if r["registration_number"] == number]
    assert [(a["name"], a["size"]) for a in row["attachments"]] == [("document-1.pdf", len(pdf)),
                                                                    ("photo-2.png", len(photo))]
    assert operator.client.get(f"/sim/attachments/{row['attachments'][1]['id']}").content == photo


@pytest.fixture
def elsewhere():
    """Some other server, recording any request that reaches it."""
    app, seen = FastAPI(), []

    @app.get("/{path:path}")
    async def anything(path: str, request: Request) -> Response:
        seen.append((path, request.headers.get("authorization")))
        return Response(files.pdf(), media_type="application/pdf")

    with ThreadServer(app) as server:
        server.seen = seen
        yield server


async def test_a_media_url_off_twilio_is_never_fetched(sms: Phone, elsewhere):
    phone = "whatsapp:+995555123421"
    await sms.send(phone, "I want to write a complaint to the Ministry of Justice")
    path = f"/2010-04-01/Accounts/{SID}/Messages/MM1/Media/ME1"
    other_account = sms.api.add_media(files.pdf(), "application/pdf").replace(SID, "AC" + "9" * 32)
    api_host, other_host = sms.api.url.split("://")[1], elsewhere.url.split("://")[1]
    for url in (elsewhere.url + path, f"http://{api_host}@{other_host}{path}", other_account):
        # Signed with the real token: the signature is fine, the address is not.
        answer = await sms.send(phone, "", NumMedia="1", MediaUrl0=url, MediaContentType0="application/pdf")
        assert "could not receive" in answer
    assert elsewhere.seen == [] and sms.api.media_fetches == []
    session = await sms.kv.store.load_session(f"whatsapp:{phone[9:]}")
    assert session.draft.get("attachments") == []


async def test_the_credentials_never_follow_media_to_storage_elsewhere(sms: Phone):
    phone = "whatsapp:+995555123422"
    await sms.send(phone, "I want to write a complaint to the Ministry of Justice")
    with ThreadServer(sms.api.app()) as storage:  # Twilio's storage: another origin
        sms.api.storage_url = storage.url
        url = sms.api.add_media(files.pdf("fine"), "application/pdf")
        answer = await sms.send(phone, "", NumMedia="1", MediaUrl0=url, MediaContentType0="application/pdf")
    assert "document-1.pdf" in answer and sms.api.storage_auth == [None]


async def test_numbers_that_are_not_georgian_mobiles_are_ignored(sms: Phone):
    await sms.send("+995322123456", "hello", expect_reply=False)  # a Tbilisi landline
    await sms.send("not-a-number", "hello", expect_reply=False)


async def test_twilio_refusals_are_permanent_or_temporary_as_twilio_says(sms: Phone):
    sender = sms.kv.outbox.senders["sms"]
    with pytest.raises(DeliveryError) as opted_out:
        await sender.send("+995555120002", "en", Reply("help.text"))
    assert opted_out.value.permanent and (await sms.kv.store.get_citizen("sms:+995555120002")) is None
    with pytest.raises(DeliveryError) as server_error:
        await sender.send("+995555120003", "en", Reply("help.text"))
    assert not server_error.value.permanent


def test_segments_gsm7_and_ucs2():
    assert cost("a" * 160) == cost("a" * 160) and cost("a" * 160).segments == 1
    assert cost("a" * 161).segments == 2 and cost("a" * 306).segments == 2 and cost("a" * 307).segments == 3
    assert cost("€" * 80).units == 160 and cost("€" * 81).segments == 2  # extension characters count twice
    assert cost("ა" * 70).segments == 1 and cost("ა" * 71).segments == 2
    assert cost("ა" * 134).segments == 2 and cost("ა" * 135).segments == 3
    assert cost("a" * 159 + "ა").encoding == "ucs2"


def test_romanisation_is_the_national_system():
    assert romanise("გამარჯობა") == "gamarjoba"
    assert romanise("წერილი ჭადრაკი ყავა ტყე პური კაცი") == "ts'erili ch'adrak'i q'ava t'q'e p'uri k'atsi"
    assert romanise("„შეტყობინება“ — ღვინო, ხიდი, ჟურნალი") == '"shet\'q\'obineba" - ghvino, khidi, zhurnali'
    assert cost(romanise("საქართველოს იუსტიციის სამინისტრო")).encoding == "gsm7"


def test_fit_caps_segments_keeping_the_menu_and_the_question_whole():
    menu = "1 ერთი\n2 ორი\n0 უკან"
    text = fit(["ტექსტი " * 200], menu, 3)
    assert cost(text).segments <= 3 and text.endswith(menu) and "…" in text
    question = "რა არის მიმართვის თემა?"
    text = fit(["შენიშვნა " * 100, question], menu, 3)
    assert cost(text).segments <= 3 and text.endswith(f"…\n{question}\n{menu}")
    assert fit(["short", "question?"], "1 one", 2) == "short\nquestion?\n1 one"
    assert cost(fit(["long " * 300], "", 2)).segments == 2


def test_menu_numbers_put_back_at_zero():
    assert numbered(["submit", "edit:body", "back", "cancel"]) == {"1": "submit", "2": "edit:body", "0": "back",
                                                                   "3": "cancel"}


def test_senders_are_e164_and_georgian_numbers_are_mobiles():
    assert parse_sender("+995555123456") == ("sms", "+995555123456")
    assert parse_sender("whatsapp:+995599000111") == ("whatsapp", "+995599000111")
    assert parse_sender("+995322000111") is None and parse_sender("555123456") is None
    assert parse_sender("+4915112345678") == ("sms", "+4915112345678")


@pytest.mark.parametrize("sender,word", [("+995555123431", "STOP"), ("whatsapp:+995555123432", "hello")])
async def test_a_message_during_a_turn_in_flight_loses_no_change_to_the_citizen(sms: Phone, sender, word):
    await sms.send(sender, "hello")
    channel, number = parse_sender(sender)
    key = f"{channel}:{number}"
    async with sms.kv.store.conversation(key) as held:  # a turn that changes the citizen, still running
        arriving = asyncio.create_task(sms.send(sender, word))
        await asyncio.sleep(0.5)  # the message comes in meanwhile
        held.citizen.sms_script, held.citizen_changed = "latin", True
        stamped_before = held.citizen.last_inbound_at
    await arriving
    citizen = await sms.kv.store.get_citizen(key)
    assert citizen.sms_script == "latin"  # the turn's change stands
    if word == "STOP":
        assert citizen.silenced  # and so does the STOP
    else:
        assert citizen.last_inbound_at > stamped_before  # and so does the window it opened


async def test_a_long_letter_is_reviewed_in_numbered_parts_each_within_the_segment_budget(sms: Phone, operator):
    phone = "+995555123430"
    facts = " ".join(f"{n}. ეზოში ნაგავი {n} დღეა არ გაუტანიათ, სუნი აუტანელია და ბავშვები ვერ თამაშობენ." for n in range(1, 9))
    menu = await sms.send(phone, "გამარჯობა")
    reply = await sms.send(phone, number_of(menu, "ახალი"))
    reply = await sms.send(phone, "იუსტიციის სამინისტრო")
    reply = await sms.send(phone, number_of(reply, "წერილი"))
    header = await sms.send(phone, facts)
    assert "ნაწილად" in header
    assert not re.search(r"^\d+ გაგზავნა$", header, re.M)  # nothing can go before every word is seen
    shown, reply = [], header
    while "შემდეგი ნაწილი" in reply:
        reply = await sms.send(phone, number_of(reply, "შემდეგი ნაწილი"))
        shown.append(reply.split(":\n", 1)[1].rsplit("\n1 ", 1)[0])
    assert len(shown) >= 3 and "ნაწილი 1/" in sms.api.to(phone)[-len(shown)]["body"]
    assert all(int(m["num_segments"]) <= sms.kv.settings.sms_max_segments for m in sms.api.to(phone))
    assert facts in " ".join(shown)  # the whole letter, split between words only
    done = await sms.send(phone, number_of(reply, "გაგზავნა"))
    number = REG.search(done).group(0)
    [row] = [r for r in await asyncio.to_thread(operator.registrations) if r["registration_number"] == number]
    assert facts in row["body"]
