"""A receipt for every submission: the PDF's text (extracted with pypdf) and the calendar entry
against what the stand-in portal registered, in both languages and on both stores; the link works
only with its key; Telegram sends it as documents, WhatsApp as media, SMS as a link."""
from __future__ import annotations

import asyncio
import hashlib
import io
import uuid
from datetime import date, datetime, timezone
from pathlib import Path

import httpx
import pytest
from icalendar import Calendar
from pypdf import PdfReader

from api.app import create_app
from bot import receipts
from bot.messages import Reply
from kavshiri.app import Kavshiri
from tests.conftest import AUTH, PUBLIC, REDIS_URL, SID, Chat, event, settings_for
from tests.support import delete_keys

LETTER = {
    "en": ("Ministry of Finance", "Bonuses paid in 2025", "Please send me the total bonuses paid to staff in 2025.\n\n"
           "An electronic copy is enough."),
    "ka": ("ფინანსთა სამინისტრო", "2025 წლის პრემიები", "გთხოვთ, მომაწოდოთ 2025 წელს თანამშრომლებზე გაცემული "
           "პრემიების ჯამური ოდენობა.\n\nსაკმარისია ელექტრონული ასლი."),
}


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def flat(text: str) -> str:
    return " ".join(text.split())  # the PDF wraps lines where it likes


@pytest.fixture
async def api(kv):
    transport = httpx.ASGITransport(app=create_app(kv))
    async with httpx.AsyncClient(transport=transport, base_url="http://kavshiri.test") as client:
        yield client


@pytest.mark.parametrize("lang", ["ka", "en"])
async def test_the_receipt_holds_what_the_portal_registered(kv, api, operator, lang):
    chat = Chat(kv, f"receipt-{lang}")
    await chat.start(lang)
    agency, subject, body = LETTER[lang]
    await chat.draft(agency, "information_request", subject, body)
    sent = event(await chat.choose("submit"), "submitted")
    number, key = sent["registration_number"], sent["receipt"]
    registered = next(r for r in await asyncio.to_thread(operator.registrations) if r["registration_number"] == number)

    response = await api.get(f"/receipts/{number}.pdf", params={"key": key})
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "private, no-store"
    text = flat(pdf_text(response.content))
    name = kv.engine.services.directory.get("mof")
    for expected in (number, name.name_ka if lang == "ka" else name.name_en, registered["subject"],
                     kv.catalog.text(lang, "type.information_request"), kv.catalog.text(lang, "receipt.title"),
                     kv.catalog.value(lang, date.fromisoformat(sent["deadline"])),
                     hashlib.sha256(registered["body"].encode()).hexdigest()):
        assert flat(expected) in text, expected
    for paragraph in registered["body"].split("\n\n"):  # every word of the text as submitted
        assert flat(paragraph) in text

    calendar = (await api.get(f"/receipts/{number}.ics", params={"key": key}))
    assert calendar.headers["content-type"].startswith("text/calendar")
    entry = next(c for c in Calendar.from_ical(calendar.content).walk("VEVENT"))
    assert entry.decoded("dtstart") == date.fromisoformat(sent["deadline"]) and number in str(entry["summary"])


async def test_a_receipt_opens_only_with_its_key(kv, api):
    stored = await receipts.keep(kv.store, {
        "registration_number": "E-2026-0000042", "lang": "en", "agency_id": "mof", "request_type": "letter",
        "subject": "S", "text": "T", "registered_at": datetime(2026, 12, 3, 9, tzinfo=timezone.utc),
        "deadline": date(2027, 1, 4)})
    assert (await api.get("/receipts/E-2026-0000042.pdf", params={"key": stored.key})).status_code == 200
    for path, key in (("/receipts/E-2026-0000042.pdf", ""), ("/receipts/E-2026-0000042.pdf", stored.key[:-1] + "x"),
                      ("/receipts/E-2026-0000043.pdf", stored.key), ("/receipts/E-2026-0000042.exe", stored.key),
                      ("/receipts/E-2026-0000042", stored.key), ("/receipts/" + "9" * 500 + ".pdf", stored.key)):
        response = await api.get(path, params={"key": key})
        assert response.status_code == 404 and b"%PDF" not in response.content, path


async def kept(kv: Kavshiri, number: str, lang: str) -> Reply:
    """A receipt in the store and the `submitted` reply that announces it."""
    stored = await receipts.keep(kv.store, {
        "registration_number": number, "lang": lang, "agency_id": "mof", "request_type": "information_request",
        "subject": LETTER[lang][1], "text": LETTER[lang][2], "registered_at": datetime(2026, 12, 3, 9, tzinfo=timezone.utc),
        "deadline": date(2026, 12, 14)})
    return Reply("menu.prompt", event={"type": "submitted", "registration_number": number, "receipt": stored.key,
                                       "deadline": "2026-12-14", "agency_id": "mof"})


@pytest.mark.parametrize("lang", ["ka", "en"])
async def test_telegram_sends_the_receipt_and_the_calendar_entry_as_documents(tmp_path, portal, lang):
    from standins.telegram_api import BotApi
    from tests.support import ThreadServer

    api = BotApi("123456:stand-in-token")
    prefix = f"test-{uuid.uuid4().hex[:12]}:"
    with ThreadServer(api.app()) as server:
        settings = settings_for(tmp_path / "home", portal.url, redis_url=REDIS_URL, redis_prefix=prefix,
                                telegram_bot_token=api.token, telegram_api_url=server.url, telegram_chat_interval=0)
        kv = await Kavshiri.build(settings, portal.url)
        try:
            await kv.telegram.deliver(7001, lang, [await kept(kv, "E-2026-0000007", lang)])
        finally:
            await kv.close()
            await delete_keys(REDIS_URL, prefix)
    (chat, pdf_name, pdf, caption), (_, ics_name, ics, _) = api.documents
    assert chat == 7001 and (pdf_name, ics_name) == ("E-2026-0000007.pdf", "E-2026-0000007.ics")
    assert flat(LETTER[lang][1]) in flat(pdf_text(pdf)) and caption == kv.catalog.text(lang, "receipt.caption", {"number": "E-2026-0000007"})
    assert b"BEGIN:VCALENDAR" in ics and b"DTSTART;VALUE=DATE:20261214" in ics


async def test_whatsapp_carries_the_pdf_and_sms_its_link(tmp_path, portal, twilio_api):
    settings = settings_for(tmp_path / "home", portal.url, twilio_account_sid=SID, twilio_auth_token=AUTH,
                            twilio_from="+995322000000", twilio_api_url=twilio_api.url, public_url=PUBLIC)
    kv = await Kavshiri.build(settings, portal.url)
    try:
        reply = await kept(kv, "E-2026-0000008", "ka")
        key = reply.event["receipt"]
        for channel in ("whatsapp", "sms"):
            citizen = await kv.engine.citizen(channel, "+995555000111", "ka")
            await kv.sms.deliver(citizen, "ka", [reply])
    finally:
        await kv.close()
    whatsapp, sms = twilio_api.messages[-2:]
    link = f"{PUBLIC}/receipts/E-2026-0000008.pdf?key={key}"
    assert whatsapp["media_url"] == link and link not in whatsapp["body"]
    assert sms["media_url"] is None and link in sms["body"]  # whole: a link is never shortened


def test_the_receipt_renders_the_same_bytes_twice():
    from connectors.i18n import Catalog
    from connectors.receipt import ReceiptRenderer
    from nlu.directory import Directory

    renderer = ReceiptRenderer(Catalog(Path(__file__).parents[1] / "locales"), Directory.load())
    stored = receipts.Receipt("E-2026-0000009", "ka", "mof", "letter", "S", "ტექსტი", datetime(2026, 12, 3, tzinfo=timezone.utc),
                              date(2027, 1, 4), "k")
    assert renderer.pdf(stored) == renderer.pdf(stored)


def test_no_font_is_a_clear_error(monkeypatch, tmp_path: Path):
    from connectors import receipt

    receipt._fonts.cache_clear()
    monkeypatch.setattr(receipt, "FONT_DIRS", (str(tmp_path),))
    try:
        with pytest.raises(RuntimeError, match="fonts-dejavu-core"):
            receipt._fonts()
    finally:
        receipt._fonts.cache_clear()
