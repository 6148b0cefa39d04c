"""The citizen journey through the engine, against the stand-in portal over real HTTP."""
from __future__ import annotations

from datetime import date

from bot.engine import MAX_INPUT
from bot.flows.draft import ANSWER_MAX
from connectors.i18n import date_text
from kavshiri.app import Kavshiri
from tests.conftest import Chat, choice_ids, english_in, event, settings_for, texts

SUBJECT_KA = "2025 წლის ხელფასები"
BODY_KA = "გთხოვთ, მომაწოდოთ 2025 წელს გაცემული ხელფასებისა და პრემიების ჯამური ოდენობა."


async def test_georgian_journey_from_greeting_to_alert(kv: Kavshiri, operator):
    chat = Chat(kv)
    replies = await chat.say("გამარჯობა")
    assert all(m["lang"] == "ka" for m in replies)
    assert "new_request" in choice_ids(replies)
    await chat.choose("new_request")
    replies = await chat.say("შსს")
    assert "შინაგან საქმეთა სამინისტრო" in texts(replies)
    replies = await chat.choose("type:information_request")
    assert "მიზეზის მითითების გარეშე" in texts(replies)  # the rights, before they write
    form = await chat.say(f"{SUBJECT_KA}. {BODY_KA}")  # the year in it says the period
    assert "answer:electronic" in choice_ids(form)
    review = await chat.choose("answer:electronic")
    assert SUBJECT_KA in texts(review) and BODY_KA in texts(review) and "ელექტრონული ფორმით" in texts(review)
    assert operator.registrations() == []  # nothing is sent before the citizen confirms
    done = await chat.choose("submit")
    submitted = event(done, "submitted")
    number = submitted["registration_number"]
    assert number in texts(done)
    due = date.fromisoformat(submitted["deadline"])
    assert f"არაუგვიანეს {date_text(due, 'ka', 'gen_full')}" in texts(done)
    assert [r["registration_number"] for r in operator.registrations()] == [number]

    status = await chat.say(f"სტატუსი {number}")
    assert "რეგისტრირებულია" in texts(status)
    operator.complete(number, "ხელფასების ანგარიში თან ერთვის.")
    assert await kv.alerts.poll_open() == 1
    assert await kv.outbox.deliver_due() == 1
    alert = await chat.inbox()
    assert event(alert, "completed")["registration_number"] == number
    assert "პასუხი მზადაა" in texts(alert)
    listing = await chat.choose("my_requests")
    assert number in texts(listing) and "/answers/" in texts(listing)
    assert english_in(chat.log) == set()


async def test_english_journey_with_edit_back_and_a_second_alert_never_sent(kv: Kavshiri, operator):
    chat = Chat(kv)
    await chat.start("en")
    await chat.say("hi")
    await chat.draft("Public Service Hall", "complaint", "Queue", "I waited four hours.")
    replies = await chat.choose("edit:subject")
    assert "subject" in texts(replies).lower()
    replies = await chat.say("Queue at the Tbilisi hall")
    assert "Queue at the Tbilisi hall" in texts(replies)  # straight back to the review
    await chat.choose("edit:facts")
    replies = await chat.say("back")
    assert "submit" in choice_ids(replies)  # back from an edit returns to the review
    done = await chat.say("send")
    number = event(done, "submitted")["registration_number"]
    operator.complete(number, "We apologise.", outcome="refused")
    await kv.alerts.poll_open()
    await kv.alerts.on_update(number, "refused", None, None)  # a late callback for the same news
    await kv.outbox.deliver_due()
    alerts = await chat.inbox()
    assert len(alerts) == 1 and "refused" in alerts[0]["text"]


async def test_typed_agency_variants_and_ambiguity(kv: Kavshiri):
    chat = Chat(kv)
    await chat.start("ka")
    await chat.choose("new_request")
    replies = await chat.say("ministry")
    assert len([i for i in choice_ids(replies) if i.startswith("agency:")]) >= 2
    replies = await chat.say("iusticiis saministro")
    assert "იუსტიციის სამინისტრო" in texts(replies)


async def test_browse_a_ministry_and_its_agencies(kv: Kavshiri):
    chat = Chat(kv)
    await chat.start("en")
    await chat.choose("new_request")
    replies = await chat.choose("browse:agency")
    parents = [i for i in choice_ids(replies) if i.startswith("parent:")]
    assert "parent:moj" in parents or "page:next" in choice_ids(replies)
    while "parent:moj" not in choice_ids(replies):
        replies = await chat.choose("page:next")
    replies = await chat.choose("parent:moj")
    agencies = [i for i in choice_ids(replies) if i.startswith("agency:")]
    assert "agency:moj" in agencies and len(agencies) > 2
    replies = await chat.choose(agencies[1])
    assert "type:letter" in choice_ids(replies)


async def test_language_switch_mid_draft_keeps_the_draft(kv: Kavshiri):
    chat = Chat(kv)
    await chat.start("ka")
    await chat.choose("new_request")
    await chat.say("MIA")
    await chat.choose("type:letter")
    replies = await chat.say("/lang")
    assert "cancel" not in choice_ids(replies)  # leaving the question never costs the draft (c12)
    replies = await chat.choose("back")
    assert "რისი თქმა ან კითხვა" in texts(replies)  # back at the question, draft intact
    await chat.say("/lang")
    replies = await chat.choose("lang:en")
    assert all(m["lang"] == "en" for m in replies)
    assert "tell or ask" in texts(replies)  # still at the question, now in English
    replies = await chat.say("Body text about the road repairs")
    assert "Body text about the road repairs" in texts(replies) and "Dear Sir or Madam" in texts(replies)


async def test_bad_input_gets_a_clear_answer_and_loses_nothing(kv: Kavshiri):
    chat = Chat(kv)
    await chat.start("en")
    assert "empty" in texts(await chat.say(""))
    assert "no text" in texts(await chat.say("\x00\x01\x1b"))
    assert "too long" in texts(await chat.say("x" * (MAX_INPUT + 1)))
    assert "no longer works" in texts(await chat.choose("agency:moj"))  # never offered here
    assert "no longer works" in texts(await chat.choose("nonsense:<script>"))
    await chat.choose("new_request")
    await chat.say("MIA")
    await chat.choose("type:application")
    await chat.say("A permit\x07 with a bell")
    long_body = "word " * 4000
    replies = await chat.say(long_body)
    assert f"{len(long_body.strip())} characters" in texts(replies) and str(ANSWER_MAX) in texts(replies)
    session = await kv.store.load_session("console:citizen-1")
    assert session.draft["too_long"] == long_body.strip()  # kept, not cut
    assert session.draft["fields"]["applied_for"] == "A permit with a bell"
    replies = await chat.choose("type:letter")  # a stale button from an earlier step
    assert "no longer works" in texts(replies) and "grounds" in texts(replies)
    await chat.say("<b>short</b> body")
    replies = await chat.choose("skip")
    assert "<b>short</b> body" in texts(replies)  # markup is kept as text; channels escape it
    assert "A permit with a bell" in texts(replies)


async def test_portal_failures_keep_the_draft(kv: Kavshiri, operator):
    chat = Chat(kv)
    await chat.start("en")
    await chat.draft("MIA", "letter", "Subject", "Body")

    operator.faults(fail_next=10)
    replies = await chat.choose("submit")
    assert "not answering" in texts(replies) and "submit" in choice_ids(replies)
    operator.faults(fail_next=0, reject_next=1)
    replies = await chat.choose("submit")
    assert "did not accept" in texts(replies) or "problem" in texts(replies)
    assert "submit" in choice_ids(replies)  # back at the review with the draft
    operator.faults(reject_next=0, delay_seconds=3)
    replies = await chat.choose("submit")
    assert "too long to answer" in texts(replies)
    operator.faults(delay_seconds=0, fail_after_commit=1)
    replies = await chat.choose("submit")
    number = event(replies, "submitted")["registration_number"]
    assert [r["registration_number"] for r in operator.registrations()] == [number]


async def test_a_restart_mid_draft_continues_where_the_citizen_was(tmp_path, portal):
    settings = settings_for(tmp_path / "home", portal.url)
    first = await Kavshiri.build(settings, portal.url)
    chat = Chat(first)
    await chat.start("ka")
    await chat.choose("new_request")
    await chat.say("PSH")
    await chat.choose("type:application")
    await chat.say("მისამართის შეცვლა")
    await first.close()

    second = await Kavshiri.build(settings, portal.url)
    chat = Chat(second)
    await chat.say("ახალ მისამართზე გადავედი")
    replies = await chat.choose("skip")
    assert "მისამართის შეცვლა" in texts(replies) and "submit" in choice_ids(replies)
    await second.close()


async def test_a_citizen_sees_only_their_own_requests(kv: Kavshiri):
    alice, bob = Chat(kv, "alice"), Chat(kv, "bob")
    await alice.start("en")
    await bob.start("en")
    await alice.draft("MIA", "letter", "Private", "Private matter")
    number = event(await alice.choose("submit"), "submitted")["registration_number"]
    replies = await bob.say(f"status {number}")
    assert "You have no request numbered" in texts(replies) and "Private" not in texts(replies)
    assert number not in texts(await bob.choose("my_requests"))


async def test_asking_for_the_status_first_does_not_swallow_the_alert(kv: Kavshiri, operator):
    chat = Chat(kv)
    await chat.start("en")
    await chat.draft("MIA", "letter", "Subject", "Body")
    number = event(await chat.choose("submit"), "submitted")["registration_number"]
    operator.complete(number, "Done.")
    assert "answered" in texts(await chat.say(f"status {number}"))  # seen before any callback
    await kv.alerts.poll_open()
    await kv.outbox.deliver_due()
    assert event(await chat.inbox(), "completed")["registration_number"] == number
