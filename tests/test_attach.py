"""Files attached to a draft, through the engine on both stores against the stand-in portal.

The files come as a connector hands them over (a description and a fetch); the channel tests
(test_telegram, test_sms) send real ones through the Bot API and Twilio stand-ins."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from bot.desk import transcript_key
from bot.flows import attach
from bot.messages import FileTooLarge, InboundFile, Reply
from bot.ports import ATTACHMENT_MAX_BYTES, ATTACHMENTS_MAX, Draft
from kavshiri.app import Kavshiri
from tests import files
from tests.conftest import Chat, choice_ids, english_in, event, texts
from tests.test_desk import operator as desk_operator

SUBJECT = {"en": "Copy of a decision", "ka": "გადაწყვეტილების ასლი"}
BODY = {"en": "Please send me a copy of decision 12/2026, enclosed.",
        "ka": "გთხოვთ, გამომიგზავნოთ თანდართული გადაწყვეტილების ასლი."}
# What the letter keeps: all but the opening "please", which the letter's own sentence says.
IN_LETTER = {lang: body.split(" ", 1)[1] for lang, body in BODY.items()}
AGENCY = {"en": "Ministry of Justice", "ka": "იუსტიციის სამინისტრო"}


class Sent:
    """A file as a connector describes it; `fetched` records whether the engine asked for it."""

    def __init__(self, name: str, data: bytes, content_type: str, size: int | None = -1) -> None:
        self.data, self.fetched = data, 0
        self.file = InboundFile(name, content_type, len(data) if size == -1 else size, self.fetch)

    async def fetch(self, limit: int) -> bytes:
        self.fetched += 1
        if len(self.data) > limit:
            raise FileTooLarge(self.file.name)
        return self.data


async def to_body(chat: Chat, lang: str) -> None:
    await chat.start(lang)
    await chat.choose("new_request")
    await chat.say(AGENCY[lang])
    await chat.choose("type:application")
    await chat.say(SUBJECT[lang])


@pytest.mark.parametrize("lang", ["en", "ka"])
async def test_files_join_the_draft_are_reviewed_and_reach_the_portal(kv: Kavshiri, operator, lang):
    chat = Chat(kv, f"attach-{lang}")
    await to_body(chat, lang)
    pdf, photo = Sent("decision.pdf", files.pdf(), "application/pdf"), Sent("photo.jpg", files.jpeg(3000), "image/jpeg")
    added = texts(await chat.say(files=(pdf.file,)))
    assert "decision.pdf" in added and ("1 of 5" if lang == "en" else "5-დან 1") in added
    # The caption of the next file is the letter's text: the draft is complete and reviewed.
    review = await chat.say(BODY[lang], files=(photo.file,))
    shown = texts(review)
    assert "photo.jpg" in shown and "decision.pdf" in shown and IN_LETTER[lang] in shown
    assert ("2 of 5" if lang == "en" else "5-დან 2") in shown
    assert "submit" in choice_ids(review) and "edit:attachments" in choice_ids(review)
    if lang == "ka":
        assert english_in(review) == {"decision", "pdf", "photo", "jpg"}  # the files' own names
        assert "კილობაიტი" in shown  # sizes spelled out, not "kB"
    done = await chat.choose("submit")
    submitted = event(done, "submitted")
    [row] = [r for r in operator.registrations() if r["registration_number"] == submitted["registration_number"]]
    assert [(a["name"], a["size"]) for a in row["attachments"]] == [("decision.pdf", len(pdf.data)),
                                                                    ("photo.jpg", len(photo.data))]
    assert submitted["attachments"] == [a["id"] for a in row["attachments"]]
    assert operator.client.get(f"/sim/attachments/{row['attachments'][0]['id']}").content == pdf.data


@pytest.mark.parametrize("lang", ["en", "ka"])
async def test_too_large_is_refused_before_fetching_and_the_limit_is_stated(kv: Kavshiri, lang):
    chat = Chat(kv, f"large-{lang}")
    await to_body(chat, lang)
    big = Sent("scan.pdf", files.pdf(), "application/pdf", size=ATTACHMENT_MAX_BYTES + 1)
    answer = texts(await chat.say(files=(big.file,)))
    assert big.fetched == 0 and "scan.pdf" in answer
    assert ("10 MB" if lang == "en" else "10 მეგაბაიტი") in answer
    # A channel that cannot say the size beforehand: the fetch stops at the limit.
    unknown = Sent("huge.pdf", files.pdf() + b"0" * ATTACHMENT_MAX_BYTES, "application/pdf", size=None)
    assert "huge.pdf" in texts(await chat.say(files=(unknown.file,)))
    session = await kv.store.load_session(chat.channel + ":" + chat.address)
    assert session.step == "question" and session.draft["fields"]["applied_for"] == SUBJECT[lang] and session.draft["attachments"] == []


async def test_wrong_types_are_refused_by_label_or_by_content(kv: Kavshiri):
    chat = Chat(kv, "types")
    await to_body(chat, "en")
    video = Sent("clip.mp4", b"\x00\x00\x00\x18ftypmp42", "video/mp4")
    answer = texts(await chat.say(files=(video.file,)))
    assert video.fetched == 0 and "PDF, JPEG, PNG, DOCX" in answer
    # Labelled as "some bytes", it is fetched, and the portal reads what it really is.
    disguised = Sent("invoice.pdf", files.EXE, "application/octet-stream")
    answer = texts(await chat.say(files=(disguised.file,)))
    assert disguised.fetched == 1 and "PDF, JPEG, PNG, DOCX" in answer and "invoice.pdf" in answer
    session = await kv.store.load_session("console:types")
    assert session.draft["attachments"] == []


async def test_at_most_five_files_and_a_removed_one_leaves_room(kv: Kavshiri, operator):
    chat = Chat(kv, "many")
    await to_body(chat, "en")
    await chat.say(BODY["en"])
    sent = [Sent(f"page{n}.png", files.png(n + 1, 1), "image/png") for n in range(ATTACHMENTS_MAX + 1)]
    answer = texts(await chat.say(files=tuple(s.file for s in sent)))
    assert f"{ATTACHMENTS_MAX} of {ATTACHMENTS_MAX}" in answer and "at most 5 files" in answer
    assert sent[-1].fetched == 0
    listing = await chat.choose("edit:attachments")
    assert choice_ids(listing)[:ATTACHMENTS_MAX] == [f"detach:{n}" for n in range(ATTACHMENTS_MAX)]
    review = await chat.choose("detach:0")
    assert "Removed: page0.png" in texts(review) and "4 of 5" in texts(review)
    review = await chat.choose("back")
    assert "page0.png" not in texts(review) and "page1.png" in texts(review)
    number = event(await chat.choose("submit"), "submitted")["registration_number"]
    [row] = [r for r in operator.registrations() if r["registration_number"] == number]
    assert [a["name"] for a in row["attachments"]] == [f"page{n}.png" for n in range(1, ATTACHMENTS_MAX)]


@pytest.mark.parametrize("lang", ["en", "ka"])
async def test_a_file_outside_a_draft_is_explained_and_not_fetched(kv: Kavshiri, lang):
    chat = Chat(kv, f"outside-{lang}")
    await chat.start(lang)
    pdf = Sent("a.pdf", files.pdf(), "application/pdf")
    answer = await chat.say(files=(pdf.file,))
    assert pdf.fetched == 0 and "new_request" in choice_ids(answer)
    assert ("while you write a request" if lang == "en" else "მიმართვის წერისას") in texts(answer)


async def test_a_caption_that_starts_a_request_takes_the_file_along(kv: Kavshiri):
    chat = Chat(kv, "caption")
    await chat.start("en")
    pdf = Sent("fine.pdf", files.pdf(), "application/pdf")
    replies = await chat.say("I want to write a complaint to the Ministry of Justice", files=(pdf.file,))
    assert "Attached: fine.pdf" in texts(replies)
    session = await kv.store.load_session("console:caption")
    assert session.step == "question" and [a["name"] for a in session.draft["attachments"]] == ["fine.pdf"]


async def test_files_the_portal_no_longer_holds_leave_the_draft_with_a_word(kv: Kavshiri, operator):
    chat = Chat(kv, "expired")
    await to_body(chat, "en")
    await chat.say(files=(Sent("old.pdf", files.pdf(), "application/pdf").file,))
    await chat.say(BODY["en"])

    class Later:
        def now(self) -> datetime:
            return datetime.now(timezone.utc) + timedelta(days=8)

    kv.engine.services.clock = Later()
    answer = texts(await chat.choose("submit"))
    assert "no longer kept" in answer and "old.pdf" in answer and "Attachments" not in answer
    number = event(await chat.choose("submit"), "submitted")["registration_number"]
    [row] = [r for r in operator.registrations() if r["registration_number"] == number]
    assert row["attachments"] == []


async def test_a_file_the_portal_refuses_at_submit_can_be_removed_and_the_rest_sent(kv: Kavshiri, operator):
    chat = Chat(kv, "refused")
    await to_body(chat, "en")
    await chat.say(files=(Sent("used.pdf", files.pdf("used"), "application/pdf").file,
                          Sent("fresh.pdf", files.pdf("fresh"), "application/pdf").file))
    await chat.say(BODY["en"])
    # The same citizen's file is named by another request first (say, from another channel).
    citizen = await kv.store.get_citizen("console:refused")
    session = await kv.store.load_session("console:refused")
    used = session.draft["attachments"][0]["id"]
    await kv.portal.submit(citizen.portal_id, Draft("moj", "letter", "Other", "Other text.", (used,)), "other-request-1")
    refused = await chat.choose("submit")
    assert "no longer holds one of the attached files" in texts(refused)
    assert choice_ids(refused)[:2] == ["detach:0", "detach:1"]
    await chat.choose("detach:0")
    review = await chat.choose("back")
    assert "fresh.pdf" in texts(review) and "used.pdf" not in texts(review)
    number = event(await chat.choose("submit"), "submitted")["registration_number"]
    [row] = [r for r in operator.registrations() if r["registration_number"] == number]
    assert [a["name"] for a in row["attachments"]] == ["fresh.pdf"]


async def test_a_file_in_a_live_operator_chat_is_not_fetched_and_its_caption_is_relayed(kv: Kavshiri):
    kv.desk.hours = None  # around the clock: this test must not depend on the time of day
    nino = await desk_operator(kv, "nino", ["moj"])
    chat = Chat(kv, "live")
    await to_body(chat, "en")
    await chat.say("operator")
    assert await kv.desk.take(nino, "console:live")
    pdf = Sent("passport.pdf", files.pdf(), "application/pdf")
    answer = await chat.say("Here is my passport", files=(pdf.file,))
    assert pdf.fetched == 0 and "operator cannot see files" in texts(answer)
    said = await kv.store.read_log(transcript_key("console:live"), 10)
    assert said[-1]["text"] == "Here is my passport"


async def test_after_a_portal_failure_the_rest_of_the_message_is_not_fetched(kv: Kavshiri, operator):
    chat = Chat(kv, "portal-down")
    await to_body(chat, "en")
    first = Sent("one.pdf", files.pdf("one"), "application/pdf")
    second = Sent("two.pdf", files.pdf("two"), "application/pdf")
    operator.faults(fail_next=10)  # every attempt at the first upload fails
    answer = texts(await chat.say(BODY["en"], files=(first.file, second.file)))
    operator.faults(fail_next=0)
    assert first.fetched == 1 and second.fetched == 0
    assert "could not take “one.pdf”" in answer and "could not take “two.pdf”" in answer
    session = await kv.store.load_session("console:portal-down")
    assert session.draft["attachments"] == [] and session.draft["fields"]["grounds"] == BODY["en"]


class Stuck(Sent):
    """A file the channel never finishes handing over."""

    async def fetch(self, limit: int) -> bytes:
        self.fetched += 1
        await asyncio.Event().wait()
        return b""


async def test_files_that_take_too_long_are_declined_and_the_words_kept(kv: Kavshiri, monkeypatch):
    monkeypatch.setattr(attach, "ATTACH_SECONDS", 0.5)
    chat = Chat(kv, "slow")
    await to_body(chat, "en")
    stuck, later = Stuck("stuck.pdf", files.pdf(), "application/pdf"), Sent("later.pdf", files.pdf(), "application/pdf")
    # Within the conversation lock's lease: the turn ends, and is saved, however long the channel takes.
    answer = texts(await asyncio.wait_for(chat.say(BODY["en"], files=(stuck.file, later.file)), 20))
    assert "could not receive “stuck.pdf”" in answer and "could not receive “later.pdf”" in answer
    assert later.fetched == 0
    session = await kv.store.load_session("console:slow")
    # No file came, so the documents question is still to be answered.
    assert session.step == "question" and session.draft["fields"]["grounds"] == BODY["en"] and session.draft["attachments"] == []


@pytest.mark.parametrize("lang", ["en", "ka"])
def test_too_many_names_the_button_that_removes_files_as_it_reads(kv: Kavshiri, lang):
    button = kv.catalog.text(lang, "choice.edit_attachments")
    said = kv.catalog.render(lang, Reply("attachment.too_many", {"name": "a.pdf", **attach.limits()})).text
    assert f"“{button}”" in said if lang == "en" else f"„{button}“" in said


async def test_files_sent_under_one_name_can_be_told_apart(kv: Kavshiri, operator):
    chat = Chat(kv, "same-name")
    await to_body(chat, "en")
    for n in range(3):  # WhatsApp photos come one a message, each named alike
        await chat.say(files=(Sent("photo-1.jpg", files.jpeg(1000 + n), "image/jpeg").file,))
    await chat.say(files=(Sent(".profile", files.pdf(), "application/pdf").file,))
    await chat.say(BODY["en"])
    listing = await chat.choose("edit:attachments")
    labels = [c["label"] for c in listing[-1]["choices"][:4]]
    assert labels == ["Remove photo-1.jpg", "Remove photo-1 (2).jpg", "Remove photo-1 (3).jpg", "Remove .profile"]
