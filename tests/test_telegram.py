"""Telegram: python-telegram-bot against a stand-in Bot API, real Update JSON posted to the webhook."""
from __future__ import annotations

import asyncio
import os
import re
import subprocess
import uuid
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from bot.messages import Reply
from bot.outbox import DeliveryError
from bot.ports import ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES
from connectors.telegram import SECRET_HEADER, split_message
from kavshiri.app import Kavshiri
from standins.telegram_api import BotApi, callback_update, message_update
from tests import files
from tests.channels import serve, until
from tests.conftest import IDENTITY, REDIS_URL, settings_for
from tests.conftest import SECRET as PORTAL_SECRET
from tests.conftest import TOKEN as PORTAL_TOKEN
from tests.support import KAVSHIRI, ThreadServer, delete_keys

TOKEN = "123456:stand-in-token"
SECRET = "webhook_Secret-42"
REG = re.compile(r"E-\d{4}-\d{7}")
LATIN = re.compile(r"[A-Za-z]{2,}")


@pytest.fixture
def bot_api():
    api = BotApi(TOKEN)
    with ThreadServer(api.app()) as server:
        api.url = server.url
        yield api


@pytest.fixture
async def tg(tmp_path: Path, portal, bot_api):
    """Kavshiri on Redis with Telegram configured, its API served on loopback."""
    prefix = f"test-{uuid.uuid4().hex[:12]}:"
    settings = settings_for(tmp_path / "home", portal.url, redis_url=REDIS_URL,
                            redis_prefix=prefix, telegram_bot_token=TOKEN,
                            telegram_webhook_secret=SECRET, telegram_api_url=bot_api.url, telegram_chat_interval=0)
    kv = await Kavshiri.build(settings, portal.url)
    async with serve(create_app(kv)) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        yield Telegram(kv, client, bot_api)
    await kv.close()
    await delete_keys(REDIS_URL, prefix)


class Telegram:
    """One test's view: post updates as Telegram does, read what the Bot API was asked to send."""

    def __init__(self, kv: Kavshiri, client: httpx.AsyncClient, api: BotApi) -> None:
        self.kv, self.client, self.api = kv, client, api
        self.update_id = 100

    async def post(self, update: dict, secret: str | None = SECRET) -> httpx.Response:
        """Post as Telegram does, and run the method the webhook answers with, as Telegram does."""
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        response = await self.client.post("/webhooks/telegram", json=update, headers=headers)
        if response.status_code == 200 and response.content:
            await self.api.run_webhook_answer(response.json())
        return response

    async def press(self, chat: int, data: str, lang: str = "en") -> dict:
        update = callback_update(self._next(), chat, data, message_id=1, lang=lang)
        response = await self._send(chat, update)
        # The press is answered in the webhook's own response, as Telegram allows.
        assert response.json() == {"method": "answerCallbackQuery", "callback_query_id": update["callback_query"]["id"]}
        return self.api.sent(chat)[-1]

    async def say(self, chat: int, text: str | None = None, lang: str = "en", **extra) -> dict:
        await self._send(chat, message_update(self._next(), chat, text, lang, **extra))
        return self.api.sent(chat)[-1]

    async def _send(self, chat: int, update: dict) -> httpx.Response:
        before = len(self.api.sent(chat))
        response = await self.post(update)
        assert response.status_code == 200
        await until(lambda: len(self.api.sent(chat)) > before)
        return response

    def _next(self) -> int:
        self.update_id += 1
        return self.update_id


def buttons(sent: dict) -> list[str]:
    markup = sent.get("reply_markup") or {"inline_keyboard": []}
    return [b["callback_data"] for row in markup["inline_keyboard"] for b in row]


JOURNEY = {
    "en": ("Ministry of Justice", "Copy of a court decision", "Please send me a copy of decision 12/2026."),
    "ka": ("იუსტიციის სამინისტრო", "სასამართლოს გადაწყვეტილების ასლი", "გთხოვთ, გამომიგზავნოთ გადაწყვეტილების ასლი."),
}


@pytest.mark.parametrize("lang", ["en", "ka"])
async def test_full_journey_with_buttons_to_a_registration_number_and_an_alert(tg: Telegram, operator, lang):
    chat = 5001
    agency, subject, body = JOURNEY[lang]
    menu = await tg.say(chat, "/start", lang=lang)  # language taken from Telegram's language_code
    assert menu["parse_mode"] == "HTML" and "new_request" in buttons(menu)
    await tg.press(chat, "new_request", lang)
    await until(lambda: tg.api.called("editMessageReplyMarkup"))
    # Answered in the webhook's response instead of a request of Kavshiri's own.
    assert [p for m, p in tg.api.webhook_calls if m == "answerCallbackQuery"] == tg.api.called("answerCallbackQuery")
    assert tg.api.called("editMessageReplyMarkup")[-1].get("reply_markup") is None  # old keyboard removed
    types = await tg.say(chat, agency, lang)
    assert "type:information_request" in buttons(types)
    await tg.press(chat, "type:information_request", lang)
    await tg.say(chat, subject, lang)
    await tg.say(chat, body, lang)  # the period
    review = await tg.press(chat, "answer:electronic", lang)
    assert "submit" in buttons(review) and subject in review["text"] and body in review["text"]
    done = await tg.press(chat, "submit", lang)
    number = REG.search(done["text"]).group(0)
    stale = await tg.press(chat, "submit", lang)  # the old button, pressed again
    assert not REG.search(stale["text"]) and len(await asyncio.to_thread(operator.registrations)) == 1
    if lang == "ka":
        assert _english(tg.api.sent(chat)) == set()
    operator.complete(number, "Here it is.")
    await tg.kv.alerts.poll_open()
    assert await tg.kv.outbox.deliver_due() == 1
    alert = tg.api.sent(chat)[-1]
    assert number in alert["text"] and "http" in alert["text"]


def _english(sent: list[dict]) -> set[str]:
    allowed = {"MY", "GOV", "GE", "lang", "English", "XIII", "http", "https", *ATTACHMENT_TYPES.values()}
    words: set[str] = set()
    for message in sent:
        text = re.sub(r"https?://\S+|E-\d{4}-\d{7}|&\w+;", " ", message["text"])
        words |= set(LATIN.findall(text))
    return words - allowed


async def test_a_duplicated_update_is_handled_once(tg: Telegram):
    update = message_update(777, 5002, "hello")
    for _ in range(3):
        assert (await tg.post(update)).status_code == 200
    await until(lambda: tg.api.sent(5002))
    await asyncio.sleep(0.3)  # give a wrongly accepted duplicate the time to show up
    assert len(tg.api.sent(5002)) == 1


async def test_a_duplicated_button_press_takes_one_turn(tg: Telegram):
    await tg.say(5012, "hello")
    update = callback_update(778, 5012, "new_request", message_id=1)
    for _ in range(3):
        assert (await tg.post(update)).status_code == 200
    await until(lambda: len(tg.api.sent(5012)) == 2)
    await asyncio.sleep(0.3)  # give a wrongly accepted duplicate the time to show up
    assert len(tg.api.sent(5012)) == 2
    assert (await tg.kv.store.load_session("telegram:5012")).step == "agency"


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x"])
async def test_a_forged_or_missing_secret_is_refused_with_no_effect(tg: Telegram, secret):
    response = await tg.post(message_update(900, 5003, "hello"), secret=secret)
    assert response.status_code == 401
    await asyncio.sleep(0.1)
    assert tg.api.sent(5003) == [] and await tg.kv.store.get_citizen("telegram:5003") is None
    # The genuine update with the same id still goes through: the forgery consumed nothing.
    assert (await tg.post(message_update(900, 5003, "hello"))).status_code == 200
    await until(lambda: tg.api.sent(5003))


@pytest.mark.parametrize("body", [b"", b"\xff\xfe binary", b'{"no_update_id": 1}', b"[1, 2]",
                                  b'{"update_id": 1e999}', b'{"update_id": NaN}',
                                  b'{"update_id": 1, "x": ' + b"[" * 20_000 + b"}"])
async def test_malformed_updates_are_rejected_cleanly(tg: Telegram, body):
    response = await tg.client.post("/webhooks/telegram", content=body, headers={SECRET_HEADER: SECRET})
    assert response.status_code == 400


async def test_a_number_too_large_for_an_integer_is_never_a_server_error(tg: Telegram):
    """JSON's 1e999 reads as infinity, which no integer holds."""
    body = b'{"update_id": 1605, "message": {"message_id": 1, "chat": {"id": 1e999, "type": "private"}, "text": "hi"}}'
    response = await tg.client.post("/webhooks/telegram", content=body, headers={SECRET_HEADER: SECRET})
    assert response.status_code == 200  # accepted (Telegram must not retry it), and dropped
    await tg.say(5013, "hello")  # the channel works as before


@pytest.mark.parametrize("update", [
    {"update_id": 1601, "callback_query": "not an object"},
    {"update_id": 1602, "message": {"chat": 5013}},
    {"update_id": 1603, "message": {"message_id": 1, "chat": {"id": 5013, "type": "group"}, "text": "hi"}},
    {"update_id": 1604, "edited_message": {"message_id": 1, "chat": {"id": 5013, "type": "private"}}},
])
async def test_odd_updates_are_accepted_and_change_nothing(tg: Telegram, update):
    assert (await tg.post(update)).status_code == 200  # Telegram must not retry them
    await asyncio.sleep(0.2)
    assert tg.api.sent(5013) == [] and await tg.kv.store.get_citizen("telegram:5013") is None
    await tg.say(5013, "hello")  # the chat works as before


async def test_a_blocked_bot_marks_the_channel_unusable_until_the_citizen_writes_again(tg: Telegram):
    chat = 5004
    await tg.say(chat, "hello")
    tg.api.blocked.add(chat)
    with pytest.raises(DeliveryError) as raised:  # an alert, after the citizen blocked the bot
        await tg.kv.telegram.send(str(chat), "en", Reply("help.text"))
    assert raised.value.permanent
    assert (await tg.kv.store.get_citizen(f"telegram:{chat}")).silenced
    tried = len(tg.api.calls)
    with pytest.raises(DeliveryError):  # the next one is not even tried
        await tg.kv.telegram.send(str(chat), "en", Reply("help.text"))
    assert len(tg.api.calls) == tried
    tg.api.blocked.clear()
    await tg.say(chat, "hello again")
    assert not (await tg.kv.store.get_citizen(f"telegram:{chat}")).silenced


async def test_a_bot_blocked_during_a_turn_in_flight_loses_no_change_to_the_citizen(tg: Telegram):
    chat, key = 5017, "telegram:5017"
    await tg.say(chat, "hello")
    tg.api.blocked.add(chat)
    before = len(tg.api.sent(chat))
    async with tg.kv.store.conversation(key) as held:  # a turn that changes the citizen, still running
        alert = asyncio.create_task(tg.kv.telegram.send(str(chat), "en", Reply("help.text")))
        await until(lambda: len(tg.api.sent(chat)) > before)  # refused: the bot is blocked
        await asyncio.sleep(0.3)  # the channel would mark the citizen meanwhile
        held.citizen.lang, held.citizen_changed = "ka", True
    with pytest.raises(DeliveryError):
        await alert
    citizen = await tg.kv.store.get_citizen(key)
    assert citizen.lang == "ka" and citizen.silenced  # the turn's change stands, and so does the block


def photo_sizes(api: BotApi, *sizes: tuple[int, bytes]) -> list[dict]:
    """A photo as Telegram offers it: the same picture in several sizes, smallest first."""
    offered = []
    for n, (side, data) in enumerate(sizes):
        file_id = api.add_file(data, f"photos/file_{len(api.files)}.jpg")
        offered.append({"file_id": file_id, "file_unique_id": f"p{n}{file_id[-4:]}", "width": side,
                        "height": side, "file_size": len(data)})
    return offered


def document(api: BotApi, data: bytes, name: str, mime: str, size: int | None = None) -> dict:
    file_id = api.add_file(data, f"documents/file_{len(api.files)}{Path(name).suffix}")
    return {"file_id": file_id, "file_unique_id": f"d{file_id[-6:]}", "file_name": name, "mime_type": mime,
            "file_size": len(data) if size is None else size}


async def to_body(tg: Telegram, chat: int, lang: str) -> None:
    agency, subject, _ = JOURNEY[lang]
    await tg.say(chat, "/start", lang=lang)
    await tg.press(chat, "new_request", lang)
    await tg.say(chat, agency, lang)
    await tg.press(chat, "type:application", lang)
    await tg.say(chat, subject, lang)


@pytest.mark.parametrize("lang", ["en", "ka"])
async def test_a_photo_and_a_pdf_are_attached_and_reach_the_portal(tg: Telegram, operator, lang):
    chat = 5100 + len(lang)
    _, _, body = JOURNEY[lang]
    await to_body(tg, chat, lang)
    small, large = files.jpeg(1024), files.jpeg(300_000)
    added = await tg.say(chat, None, lang, photo=photo_sizes(tg.api, (90, small), (1280, large)))
    assert tg.api.downloads == ["photos/file_1.jpg"]  # the largest size, and only that one
    assert ("1 of 5" if lang == "en" else "5-დან 1") in added["text"]
    pdf = files.pdf("decision 12/2026")
    # The caption is the letter's text: the draft is complete, and the review lists both files.
    review = await tg.say(chat, None, lang, caption=body,
                          document=document(tg.api, pdf, "გადაწყვეტილება.pdf", "application/pdf"))
    assert "გადაწყვეტილება.pdf" in review["text"] and body in review["text"] and "submit" in buttons(review)
    if lang == "ka":
        assert _english(tg.api.sent(chat)) == {"photo", "jpg", "pdf"}  # the files' own names
    done = await tg.press(chat, "submit", lang)
    number = REG.search(done["text"]).group(0)
    [row] = [r for r in await asyncio.to_thread(operator.registrations) if r["registration_number"] == number]
    assert [(a["name"], a["content_type"]) for a in row["attachments"]] == [
        (f"photo-{tg.update_id - 2}.jpg", "image/jpeg"), ("გადაწყვეტილება.pdf", "application/pdf")]
    content = operator.client.get(f"/sim/attachments/{row['attachments'][1]['id']}").content
    assert content == pdf


async def test_too_large_or_wrong_type_is_answered_without_downloading(tg: Telegram):
    chat = 5110
    await to_body(tg, chat, "en")
    big = document(tg.api, files.pdf(), "scan.pdf", "application/pdf", size=ATTACHMENT_MAX_BYTES + 1)
    answer = await tg.say(chat, None, document=big)
    assert "scan.pdf" in answer["text"] and "10 MB" in answer["text"]
    huge_photo = photo_sizes(tg.api, (2560, files.jpeg(ATTACHMENT_MAX_BYTES + 4096)))
    assert "10 MB" in (await tg.say(chat, None, photo=huge_photo))["text"]
    video = document(tg.api, b"\x00\x00\x00\x18ftypmp42", "clip.mp4", "video/mp4")
    assert "PDF, JPEG, PNG, DOCX" in (await tg.say(chat, None, document=video))["text"]
    assert tg.api.called("getFile") == [] and tg.api.downloads == []
    disguised = document(tg.api, files.EXE, "invoice.pdf", "application/pdf")
    answer = await tg.say(chat, None, document=disguised)  # fetched: only the content tells
    assert "invoice.pdf" in answer["text"] and "PDF, JPEG, PNG, DOCX" in answer["text"]
    session = await tg.kv.store.load_session(f"telegram:{chat}")
    assert session.step == "question" and session.draft["attachments"] == []


async def test_a_file_is_marked_handled_with_its_turn_so_a_redelivery_after_a_lost_turn_counts(tg: Telegram):
    """The webhook took the update but its work never ran (the process stopped after answering):
    Telegram sends it again, and this time it is handled, once."""
    chat = 5014
    await tg.say(chat, "hello")
    update = message_update(1700, chat, None, photo=photo_sizes(tg.api, (90, files.jpeg(1024))))
    answer, later = await tg.kv.telegram.receive(update)
    assert answer is None and later is not None  # the work that a stopped process never does
    before = len(tg.api.sent(chat))
    await tg.post(update)  # Telegram's re-delivery
    await until(lambda: len(tg.api.sent(chat)) > before)
    assert "while you write a request" in tg.api.sent(chat)[-1]["text"]
    await tg.post(update)  # and once more: the turn stands
    await asyncio.sleep(0.3)  # give a wrongly accepted duplicate the time to show up
    assert len(tg.api.sent(chat)) == before + 1


async def test_a_file_outside_a_draft_offers_to_start_one_and_stickers_are_unreadable(tg: Telegram):
    photo = photo_sizes(tg.api, (90, files.jpeg(1024)))
    answer = await tg.say(5005, None, photo=photo)
    assert "while you write a request" in answer["text"] and "new_request" in buttons(answer)
    assert tg.api.downloads == []
    sticker = await tg.say(5005, None, sticker={"file_id": "s1", "file_unique_id": "s1", "type": "regular",
                                                  "width": 512, "height": 512, "is_animated": False,
                                                  "is_video": False})
    assert sticker["text"] and "request" not in sticker["text"]


async def test_markup_in_what_the_citizen_wrote_is_escaped(tg: Telegram):
    await tg.say(5006, "hello")
    await tg.press(5006, "new_request")
    answer = await tg.say(5006, "<script>qqxz</script> & <b>zzv</b>")
    assert "&lt;script&gt;" in answer["text"] and "<script>" not in answer["text"]


async def test_flood_control_retry_after_is_honoured(tg: Telegram):
    await tg.say(5008, "hello")
    tg.api.flood = 1  # the next sendMessage gets 429 with retry_after=1
    await tg.kv.telegram.send("5008", "en", Reply("help.text"))  # an alert, through the Bot API
    refused, retried = tg.api.sent(5008)[-2:]
    assert len(tg.api.sent(5008)) == 3 and refused["text"] == retried["text"]


async def test_a_quick_turn_is_answered_in_the_webhooks_own_response(tg: Telegram):
    reply = await tg.say(5010, "hello")
    assert [p for m, p in tg.api.webhook_calls if m == "sendMessage"] == [reply]
    assert reply["parse_mode"] == "HTML" and "new_request" in buttons(reply)


async def test_a_slow_turn_shows_typing_and_replies_through_the_bot_api(tg: Telegram, operator):
    chat = 5011
    await tg.say(chat, "hello")
    await tg.press(chat, "new_request")
    await tg.say(chat, "Ministry of Justice")
    await tg.press(chat, "type:information_request")
    await tg.say(chat, "Copy of a court decision")
    await tg.say(chat, "Please send me a copy of decision 12/2026.")
    await tg.press(chat, "skip")
    operator.faults(delay_seconds=0.6)  # the portal takes its time to register (within the timeout)
    response = await tg.post(message_update(1500, chat, "yes"))  # "yes" at the review sends it
    assert response.status_code == 200 and not response.content  # answered at once, reply to follow
    await until(lambda: REG.search(tg.api.sent(chat)[-1]["text"]))
    assert [p["action"] for p in tg.api.called("sendChatAction") if int(p["chat_id"]) == chat] == ["typing"]
    assert tg.api.sent(chat)[-1] not in [p for m, p in tg.api.webhook_calls]


async def test_a_quick_turn_never_overtakes_a_reply_still_on_its_way(tg: Telegram):
    """A press's reply goes through the Bot API; a text answered in the webhook's response while
    that reply is in flight would reach the citizen first. It follows it through the Bot API."""
    chat = 5016
    await tg.say(chat, "hello")
    tg.api.send_delay = 1.0  # the press's reply is slow to be taken
    before = len(tg.api.sent(chat))
    pressed = await tg.post(callback_update(1800, chat, "help", message_id=1))
    assert pressed.status_code == 200
    await until(lambda: len(tg.api.sent(chat)) > before)  # on its way, not yet taken
    response = await tg.post(message_update(1801, chat, "hello"))
    assert response.status_code == 200 and not response.content  # not answered in place
    await until(lambda: len(tg.api.sent(chat)) == before + 2)
    press_reply, text_reply = tg.api.sent(chat)[before:]
    assert "new_request" in buttons(text_reply) and press_reply != text_reply


async def test_setup_registers_commands_in_both_languages_and_the_webhook(tg: Telegram):
    await tg.kv.telegram.setup("https://kavshiri.example.ge/webhooks/telegram")
    commands = {p["language_code"]: p["commands"] for p in tg.api.called("setMyCommands")}
    assert set(commands) == {"ka", "en"}
    assert [c["command"] for c in commands["ka"]] == ["start", "help", "lang", "status", "my", "cancel"]
    assert all(not LATIN.search(c["description"]) for c in commands["ka"])
    assert tg.api.called("setWebhook")[-1]["secret_token"] == SECRET


async def test_long_polling_handles_each_update_once(tg: Telegram):
    update = message_update(1200, 5007, "/my")
    tg.api.updates = [update, update]
    task = asyncio.create_task(tg.kv.telegram.poll(timeout=1))
    try:
        await until(lambda: tg.api.sent(5007))
        await asyncio.sleep(0.3)
    finally:
        task.cancel()
    assert len(tg.api.sent(5007)) == 1


async def test_long_polling_answers_button_presses_itself(tg: Telegram):
    await tg.say(5009, "hello")
    tg.api.updates = [callback_update(1400, 5009, "help", message_id=1)]
    task = asyncio.create_task(tg.kv.telegram.poll(timeout=1))
    try:
        await until(lambda: tg.api.called("answerCallbackQuery") and len(tg.api.sent(5009)) == 2)
    finally:
        task.cancel()


def test_long_text_splits_on_paragraphs_within_the_limit():
    paragraphs = ["a" * 3000, "b" * 3000, "c" * 9000]
    chunks = split_message("\n\n".join(paragraphs))
    assert all(len(c) <= 4096 for c in chunks)
    assert chunks[0] == "a" * 3000 and chunks[1] == "b" * 3000
    assert "".join(chunks[2:]) == "c" * 9000
    assert split_message("short") == ["short"]


def test_the_setup_command_registers_the_webhook_at_the_public_url(bot_api, portal, tmp_path):
    env = {**os.environ, "KAVSHIRI_HOME": str(tmp_path), "PORTAL_URL": portal.url, "PORTAL_TOKEN": PORTAL_TOKEN,
           "PORTAL_CALLBACK_SECRET": PORTAL_SECRET, "IDENTITY_SECRET": IDENTITY, "TELEGRAM_BOT_TOKEN": TOKEN,
           "TELEGRAM_WEBHOOK_SECRET": SECRET, "TELEGRAM_API_URL": bot_api.url,
           "PUBLIC_URL": "https://kavshiri.example.ge/"}
    env.pop("REDIS_URL", None)
    done = subprocess.run([KAVSHIRI, "telegram", "setup"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    webhook = bot_api.called("setWebhook")[-1]
    assert webhook["url"] == "https://kavshiri.example.ge/webhooks/telegram" and webhook["secret_token"] == SECRET
    assert {p["language_code"] for p in bot_api.called("setMyCommands")} == {"ka", "en"}


async def test_a_long_letter_is_reviewed_whole_across_messages_of_4096(tg: Telegram):
    chat = 5120
    facts = " ".join(f"Sentence {n} of what happened on the road." for n in range(95))
    await tg.say(chat, "/start", lang="en")
    await tg.press(chat, "new_request")
    await tg.say(chat, "Ministry of Justice")
    await tg.press(chat, "type:letter")
    before = len(tg.api.sent(chat))
    await tg.say(chat, facts)
    await until(lambda: len(tg.api.sent(chat)) >= before + 2)
    shown = tg.api.sent(chat)[before:]
    assert all(len(m["text"]) <= 4096 for m in shown)
    assert "submit" in buttons(shown[-1])
    joined = "".join("".join(m["text"] for m in shown).split())
    assert "".join(facts.split()) in joined  # every word, none cut away
