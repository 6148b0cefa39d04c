"""The operator desk and the handover flow, on both stores: the named no-operator outcomes in
order, the queue, take-over, relaying, hand-back, tickets, and who may see what."""
from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta, timezone

from bot import desk as d
from bot.deadline import WorkCalendar
from bot.desk import Desk, OfficeHours, transcript_key
from connectors.accounts import Accounts
from tests.conftest import Chat, choice_ids, english_in, texts

TBILISI = timezone(timedelta(hours=4))
HOURS = OfficeHours(time(9), time(18))


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


async def operator(kv, login: str, agencies: list[str], online: bool = True) -> dict:
    await Accounts(kv.store, kv.engine.services.clock).add(login, login.title(), "a long test password", agencies)
    await kv.desk.set_presence(login, online)
    return await kv.store.get_record("operator", login)


async def test_no_operator_outcomes_are_checked_in_order(kv):
    clock = Clock(datetime(2026, 11, 24, 10, 0, tzinfo=TBILISI))  # a Tuesday, a working day
    desk = Desk(kv.store, clock, WorkCalendar(), HOURS)
    assert await desk.availability("mia") == d.NO_LIVE_AGENTS
    await Accounts(kv.store, clock).add("nino", "Nino", "a long test password", ["mia"])
    await Accounts(kv.store, clock).add("giorgi", "Giorgi", "a long test password", ["moj"])
    assert await desk.availability("mia") == d.NONE_ONLINE
    await desk.set_presence("nino", True)
    assert await desk.availability("mia") == d.AVAILABLE
    assert await desk.availability("mof") == d.NO_LIVE_AGENTS
    clock.at = datetime(2026, 1, 7, 10, 0, tzinfo=TBILISI)  # Orthodox Christmas, a Wednesday
    assert await desk.availability("mia") == d.HOLIDAY
    clock.at = datetime(2026, 11, 28, 10, 0, tzinfo=TBILISI)  # a Saturday
    assert await desk.availability("mia") == d.OUTSIDE_HOURS
    clock.at = datetime(2026, 11, 24, 18, 0, tzinfo=TBILISI)
    assert await desk.availability("mia") == d.OUTSIDE_HOURS
    clock.at = datetime(2026, 11, 24, 17, 59, tzinfo=TBILISI)  # still open, but the console went quiet
    assert await desk.availability("mia") == d.NONE_ONLINE
    assert await Desk(kv.store, clock, WorkCalendar(), None).availability("mia") == d.NONE_ONLINE


async def test_a_closed_ticket_is_forgotten_90_days_after_closing(kv):
    """The worker's sweep deletes handled tickets (the citizen's words and contact) once past
    their time; open ones, however old, and recently closed ones stay."""
    now = datetime.now(timezone.utc)
    nino = await operator(kv, "nino", [])
    numbers = {}
    for name, days, close in (("old", 91, True), ("recent", 89, True), ("open", 400, False)):
        desk = Desk(kv.store, Clock(now - timedelta(days=days)), WorkCalendar(), None)
        numbers[name] = await desk.open_ticket(f"console:{name}", "mia", "ტექსტი", "+995 555 12 34 56")
        if close:
            assert await desk.close_ticket(nino, numbers[name])
    assert (await kv.purge())["closed_tickets"] == 1
    kept = {t["number"] for t in await kv.store.records("ticket")}
    assert kept == {numbers["recent"], numbers["open"]}


async def citizen(kv, name: str, lang: str = "en") -> Chat:
    chat = Chat(kv, address=name)
    await chat.start(lang)
    await kv.engine.citizen("console", name)  # exists; the agency comes from the draft or the site
    return chat


async def delivered(kv, chat: Chat) -> list[dict]:
    await kv.outbox.deliver_due()
    return await chat.inbox()


async def test_queue_take_over_relay_and_hand_back(kv):
    kv.desk.hours = None  # around the clock: this test must not depend on the time of day
    nino = await operator(kv, "nino", ["mia"])
    first, second = await citizen(kv, "c1"), await citizen(kv, "c2")
    for chat in (first, second):
        await chat.draft("MIA", "letter", "Subject", "Body")  # the draft names the agency
    assert "queue: 1" in texts(await first.say("operator"))  # a whole-message command, even mid-draft
    assert "queue: 2" in texts(await second.choose("human"))
    assert "queue: 1" in texts(await first.choose("human"))  # asking again keeps the place

    assert await kv.desk.take(nino, "console:c1")
    assert await kv.desk.position("console:c2") == 1
    assert "has joined" in texts(await delivered(kv, first))
    assert await first.say("Where is my passport?") == []  # the person answers, not the bot
    transcript = await kv.store.read_log(transcript_key("console:c1"), 10)
    assert transcript[-1]["from"] == "citizen" and transcript[-1]["text"] == "Where is my passport?"
    assert await kv.desk.say(nino, "console:c1", "It is ready.")
    assert texts(await delivered(kv, first)) == "It is ready."
    assert not await kv.desk.say(nino, "console:c2", "not mine yet")

    assert await kv.desk.release(nino, "console:c1", "hand_back")
    assert "handed the chat back" in texts(await delivered(kv, first))
    assert await first.say("help")  # the bot again
    audit = [(a["action"], a.get("text")) for a in await kv.store.read_log("audit", 20) if a["conversation"] == "console:c1"]
    assert audit == [("take", None), ("say", "It is ready."), ("hand_back", None)]


async def test_closing_ends_the_live_chat_and_says_so(kv):
    kv.desk.hours = None
    nino = await operator(kv, "nino", [])
    chat = await citizen(kv, "c1")
    await chat.choose("human")
    await kv.desk.take(nino, "console:c1")
    await delivered(kv, chat)
    assert await kv.desk.release(nino, "console:c1", "close")
    assert "closed the chat" in texts(await delivered(kv, chat))
    assert not await kv.desk.release(nino, "console:c1", "close")  # once
    assert [a["action"] for a in await kv.store.read_log("audit", 20)][-2:] == ["take", "close"]


async def test_only_one_of_two_operators_takes_a_conversation(kv):
    kv.desk.hours = None
    a, b = await operator(kv, "a", []), await operator(kv, "b", [])
    chat = await citizen(kv, "c1")
    await chat.choose("human")
    taken = await asyncio.gather(kv.desk.take(a, "console:c1"), kv.desk.take(b, "console:c1"))
    assert sorted(taken) == [False, True]


async def test_citizen_can_stop_waiting_and_end_a_live_chat(kv):
    kv.desk.hours = None
    nino = await operator(kv, "nino", [])
    chat = await citizen(kv, "c1")
    await chat.choose("human")
    assert "no longer waiting" in texts(await chat.choose("stop_waiting"))
    assert await kv.desk.conversations(nino) == []
    await chat.choose("human")
    await kv.desk.take(nino, "console:c1")
    assert "I am here again" in texts(await chat.choose("end_chat"))
    assert await kv.desk.live_operator("console:c1") is None


async def test_no_one_online_leaves_a_ticket_for_that_agencys_operators(kv):
    kv.desk.hours = None
    nino = await operator(kv, "nino", ["mia"], online=False)
    giorgi = await operator(kv, "giorgi", ["moj"])
    chat = await citizen(kv, "c1", "ka")
    await chat.draft("შსს", "letter", "პასპორტი", "როდის იქნება მზად?")
    replies = await chat.choose("human")
    assert "ხაზზე არცერთი ოპერატორი" in texts(replies) and "leave_message" in choice_ids(replies)
    await chat.choose("leave_message")
    assert "2000" in texts(await chat.say("ა" * 2001))  # too long: asked to shorten
    await chat.say("მინდა ვიცოდე, როდის იქნება პასპორტი მზად.")
    assert "ელფოსტის" in texts(await chat.say("not a contact"))
    created = await chat.say("+995 555 12 34 56")
    assert "T-" in texts(created) and not english_in(chat.log)
    [ticket] = await kv.desk.tickets(nino)
    assert ticket["contact"] == "+995 555 12 34 56" and ticket["agency_id"] == "mia"
    assert await kv.desk.tickets(giorgi) == []
    assert not await kv.desk.close_ticket(giorgi, ticket["number"])
    assert await kv.desk.close_ticket(nino, ticket["number"]) and await kv.desk.tickets(nino) == []


async def test_no_one_online_can_send_it_as_a_letter_instead(kv):
    kv.desk.hours = None
    chat = await citizen(kv, "c1")
    await kv.store.save_citizen((await kv.store.get_citizen("console:c1")).__class__(
        "console:c1", "console", "c1", lang="en", agency="mia"))  # came from the agency's site
    assert "No operator answers chats for this organisation" in texts(await chat.say("I want to talk to a person"))
    replies = await chat.choose("send_letter")
    session = await kv.store.load_session("console:c1")
    assert session.step == "question" and session.draft["agency_id"] == "mia"
    assert session.draft["request_type"] == "letter" and "tell or ask" in texts(replies)


async def test_the_site_agency_is_preselected_for_a_new_draft(kv):
    await kv.engine.citizen("web", "site-visitor", "en", "mia")
    chat = Chat(kv, address="site-visitor", channel="web")
    replies = await chat.choose("new_request")
    assert "type:letter" in choice_ids(replies)  # straight to the type: the agency is known


async def test_a_password_reset_signs_out_every_session_and_presence_never_undoes_it(kv):
    accounts = Accounts(kv.store, kv.engine.services.clock)
    await accounts.add("nino", "Nino", "a long test password", ["mia"])
    session_id, _ = await accounts.login("nino", "a long test password")
    assert await accounts.session(session_id)
    await accounts.add("nino", "Nino", "a brand new password", ["psh"])  # the reset
    await kv.desk.seen("nino")  # a console still polling with the old cookie
    assert await accounts.session(session_id) is None
    stored = await kv.store.get_record("operator", "nino")
    assert stored["agencies"] == ["psh"] and await accounts.login("nino", "a brand new password")
