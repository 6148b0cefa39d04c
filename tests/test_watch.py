"""The deadline watch on both stores with a moved clock: reported on the first working day after
the deadline, exactly once (two sweeps at once, a sweep killed midway), and what follows it:
the reminder and complaint drafted, shown and submitted linked at the stand-in portal, "Not now",
"I got the answer elsewhere", the refusal path and "What can I do?"."""
from __future__ import annotations

import asyncio
from calendar import monthrange
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from bot.deadline import TBILISI
from bot.ports import Draft
from bot.watch import Watch
from kavshiri.app import Kavshiri, open_store
from tests.conftest import Chat, choice_ids, english_in, event, texts

FRIDAY = date(2026, 1, 16)  # Monday 19 January (Epiphany) is a holiday: Tuesday is the first working day
FIRST_WORKING_DAY = date(2026, 1, 20)


class Clock:
    def __init__(self, day: date) -> None:
        self.at = datetime(day.year, day.month, day.day, 10, 0, tzinfo=TBILISI)

    def now(self) -> datetime:
        return self.at


def move_clock(kv: Kavshiri, day: date) -> Clock:
    clock = Clock(day)
    kv.engine.services.clock = kv.watch.clock = kv.outbox.clock = clock
    return clock


async def overdue_request(kv: Kavshiri, chat: Chat, agency: str = "Public Service Hall",
                          subject: str = "Queue statistics", body: str = "Please send the 2025 queue statistics.",
                          deadline: date = FRIDAY) -> str:
    """A request sent through the stand-in portal, its deadline set to `deadline`."""
    await chat.draft(agency, "information_request", subject, body)
    number = event(await chat.choose("submit"), "submitted")["registration_number"]
    stored = await kv.store.get_submission(number)
    await kv.store.save_submission(replace(stored, deadline=deadline, registered_at=datetime(2026, 1, 5, 11, 0, tzinfo=TBILISI)))
    return number


def written(kv: Kavshiri, day: date, lang: str = "en") -> str:
    return kv.catalog.value(lang, day)


async def late_alerts(kv: Kavshiri, *chats: Chat) -> list[list[dict]]:
    await kv.outbox.deliver_due()
    return [[m for m in await c.inbox() if m["event"] and m["event"]["type"] == "late"] for c in chats]


async def english_chat(kv: Kavshiri, address: str = "citizen-1") -> Chat:
    chat = Chat(kv, address)
    await chat.start("en")
    return chat


async def test_a_deadline_on_a_friday_before_a_holiday_is_reported_on_tuesday_once(kv: Kavshiri):
    chat = await english_chat(kv)
    number = await overdue_request(kv, chat)
    for day in (FRIDAY, FRIDAY + timedelta(days=1), FRIDAY + timedelta(days=2), FRIDAY + timedelta(days=3)):
        move_clock(kv, day)
        assert (await kv.watch.sweep(day)).alerted == [], day
    move_clock(kv, FIRST_WORKING_DAY)
    report = await kv.watch.sweep(FIRST_WORKING_DAY)
    assert report.alerted == [number] and report.checked == 1
    for later in (FIRST_WORKING_DAY, FIRST_WORKING_DAY + timedelta(days=1), FIRST_WORKING_DAY + timedelta(days=30)):
        assert (await kv.watch.sweep(later)).alerted == []
    [alerts] = await late_alerts(kv, chat)
    assert len(alerts) == 1
    text = texts(alerts)
    assert number in text and "Public Service Hall" in text and "10 days" in text and written(kv, FRIDAY) in text
    assert {f"late:remind:{number}", f"late:complain:{number}", f"late:later:{number}",
            f"late:answered:{number}"} <= set(choice_ids(alerts))


async def test_two_sweeps_at_once_and_one_killed_midway_still_alert_once_per_channel(kv: Kavshiri):
    chat, web = await english_chat(kv), Chat(kv, "w-1", channel="web")
    citizen = await kv.store.get_citizen("console:citizen-1")
    citizen.notify = ["web:w-1"]  # every alert goes to a second channel too
    await kv.store.save_citizen(citizen)
    numbers = [await overdue_request(kv, chat) for _ in range(3)]
    move_clock(kv, FIRST_WORKING_DAY)

    class Killed(BaseException):
        """The process dies: nothing after this runs."""

    class DiesOnSecondEnqueue:
        def __init__(self, store) -> None:
            self.store, self.calls = store, 0

        def __getattr__(self, name):
            return getattr(self.store, name)

        async def enqueue(self, notification):
            self.calls += 1
            if self.calls == 2:  # between the two channels of the first request
                raise Killed
            return await self.store.enqueue(notification)

    dying = Watch(DiesOnSecondEnqueue(kv.store), kv.watch.directory, kv.watch.calendar, kv.watch.clock)
    with pytest.raises(Killed):
        await dying.sweep(FIRST_WORKING_DAY)

    other_store = await open_store(kv.settings)  # a second worker process's connection
    try:
        other = Watch(other_store, kv.watch.directory, kv.watch.calendar, kv.watch.clock)
        reports = await asyncio.gather(kv.watch.sweep(FIRST_WORKING_DAY), other.sweep(FIRST_WORKING_DAY))
    finally:
        await other_store.close()
    assert set().union(*(r.alerted for r in reports)) == set(numbers)  # between them, everything was queued
    assert (await kv.watch.sweep(FIRST_WORKING_DAY + timedelta(days=1))).alerted == []
    console_alerts, web_alerts = await late_alerts(kv, chat, web)
    for alerts in (console_alerts, web_alerts):
        assert sorted(m["event"]["registration_number"] for m in alerts) == sorted(numbers)


async def test_reminder_and_complaint_are_shown_whole_submitted_and_linked(kv: Kavshiri, operator):
    chat = await english_chat(kv)
    number = await overdue_request(kv, chat)
    move_clock(kv, FIRST_WORKING_DAY)
    await kv.watch.sweep(FIRST_WORKING_DAY)

    review = await chat.choose(f"late:remind:{number}")
    letter = texts(review)
    assert number in letter and written(kv, FRIDAY) in letter and written(kv, date(2026, 1, 5)) in letter
    assert "Public Service Hall" in letter and "follow_up:send" in choice_ids(review)
    assert len(operator.registrations()) == 1  # nothing is sent before the citizen confirms
    sent = await chat.choose("follow_up:send")
    reminder = event(sent, "submitted")
    assert reminder["linked_to"] == number and reminder["agency_id"] == "psh"

    review = await chat.choose(f"late:complain:{number}")
    letter = texts(review)
    assert "To: Ministry of Justice of Georgia" in letter  # the body above the Public Service Hall
    assert "Complaint about: Public Service Hall" in letter and "counts as a refusal" in letter
    assert "MY.GOV.GE" in letter and "Attachments: request " + number in letter
    complaint = event(await chat.choose("follow_up:send"), "submitted")
    assert (complaint["agency_id"], complaint["request_type"], complaint["linked_to"]) == ("moj", "complaint", number)

    at_portal = {r["registration_number"]: r for r in operator.registrations()}
    assert at_portal[reminder["registration_number"]]["linked_to"] == number
    assert at_portal[reminder["registration_number"]]["request_type"] == "letter"
    assert at_portal[complaint["registration_number"]]["linked_to"] == number
    assert at_portal[complaint["registration_number"]]["agency_id"] == "moj"

    # The complaint is watched in turn: one month, then the citizen hears of it once.
    due = date.fromisoformat(complaint["deadline"])
    sent_on = (await kv.store.get_submission(complaint["registration_number"])).registered_at.date()
    assert timedelta(days=28) <= due - sent_on <= timedelta(days=35)
    after = kv.watch.calendar.next_working_day(due)
    move_clock(kv, after)
    report = await kv.watch.sweep(after)
    assert report.alerted == [complaint["registration_number"]]  # not the original, not the reminder
    [alerts] = await late_alerts(kv, chat)
    assert [m["event"]["registration_number"] for m in alerts] == [number, complaint["registration_number"]]
    assert f"late:complain:{complaint['registration_number']}" not in choice_ids(alerts)


async def test_not_now_asks_once_more_a_week_later_and_answered_elsewhere_closes(kv: Kavshiri):
    chat = await english_chat(kv)
    later, answered = await overdue_request(kv, chat), await overdue_request(kv, chat)
    move_clock(kv, FIRST_WORKING_DAY)
    assert sorted((await kv.watch.sweep(FIRST_WORKING_DAY)).alerted) == sorted([later, answered])
    assert "a week" in texts(await chat.choose(f"late:later:{later}"))
    assert "stop watching" in texts(await chat.choose(f"late:answered:{answered}"))
    week = FIRST_WORKING_DAY + timedelta(days=7)
    assert (await kv.watch.sweep(week - timedelta(days=1))).asked_again == []
    assert (await kv.watch.sweep(week)).asked_again == [later]
    assert (await kv.watch.sweep(week)).asked_again == []
    move_clock(kv, week)
    assert "not ask" in texts(await chat.choose(f"late:later:{later}"))
    assert (await kv.watch.sweep(week + timedelta(days=14))).asked_again == []
    [alerts] = await late_alerts(kv, chat)
    assert sorted(m["event"]["registration_number"] for m in alerts) == sorted([later, answered, later])


async def test_a_not_now_chosen_while_a_sweep_runs_is_not_undone_by_it(kv: Kavshiri):
    chat = await english_chat(kv)
    number = await overdue_request(kv, chat)
    move_clock(kv, FIRST_WORKING_DAY)

    class CitizenAnswersAtOnce:  # the citizen presses "Not now" before the sweep marks the request
        def __init__(self, store) -> None:
            self.store = store

        def __getattr__(self, name):
            return getattr(self.store, name)

        async def enqueue(self, notification):
            queued = await self.store.enqueue(notification)
            await chat.choose(f"late:later:{number}")
            return queued

    racing = Watch(CitizenAnswersAtOnce(kv.store), kv.watch.directory, kv.watch.calendar, kv.watch.clock)
    assert (await racing.sweep(FIRST_WORKING_DAY)).alerted == [number]
    week = FIRST_WORKING_DAY + timedelta(days=7)
    assert (await kv.watch.sweep(week)).asked_again == [number]  # the "Not now" stood


async def test_cancelling_a_complaint_keeps_the_letter_being_written(kv: Kavshiri, operator):
    chat = await english_chat(kv)
    number = await overdue_request(kv, chat)
    await chat.choose("new_request")
    await chat.say("Ministry of Finance")
    await chat.choose("type:application")
    await chat.say("Tax refund")  # halfway through another letter, the alert's choice is pressed
    assert "follow_up:send" in choice_ids(await chat.choose(f"late:complain:{number}"))
    cancelled = await chat.say(choice="cancel")  # the complaint goes at once: no "Delete this draft?"
    assert "nothing was sent" in texts(cancelled) and "discard:yes" not in choice_ids(cancelled)
    resumed = await chat.choose("new_request")  # the letter resumes where it was: its next question
    assert "unfinished draft" in texts(resumed) and "On what grounds?" in texts(resumed)
    await chat.say("Please refund it.")
    review = await chat.choose("skip")  # no documents
    assert "Tax refund" in texts(review) and "Please refund it." in texts(review) and "submit" in choice_ids(review)
    assert len(operator.registrations()) == 1  # the complaint was not sent


async def test_someone_elses_request_is_not_theirs_to_act_on(kv: Kavshiri, operator):
    owner, stranger = await english_chat(kv), await english_chat(kv, "citizen-2")
    number = await overdue_request(kv, owner)
    replies = await stranger.choose(f"late:remind:{number}")
    assert "follow_up:send" not in choice_ids(replies) and number in texts(replies)
    replies = await stranger.choose(f"options:{number}")
    assert "Legal Aid" not in texts(replies)


async def test_a_refusal_without_the_explanation_of_rights_offers_the_complaint(kv: Kavshiri, operator):
    chat = await english_chat(kv)
    await chat.draft("Public Service Hall", "information_request", "Budget", "Please send the 2025 budget.")
    number = event(await chat.choose("submit"), "submitted")["registration_number"]
    response = operator.client.post(f"/sim/correspondence/{number}/complete",
                                    json={"answer": "No.", "outcome": "refused", "rights_explained": False})
    response.raise_for_status()
    assert await kv.alerts.poll_open() == 1
    await kv.outbox.deliver_due()
    alert = await chat.inbox()
    assert event(alert, "refused") and "did not explain your rights" in texts(alert)
    assert f"late:complain:{number}" in choice_ids(alert)

    options = await chat.choose(f"options:{number}")
    assert "was refused" in texts(options) and "Ministry of Justice" in texts(options)
    refused = (await kv.store.get_submission(number)).completed_at.astimezone(TBILISI).date()
    year, month = refused.year + refused.month // 12, refused.month % 12 + 1
    by = date(year, month, min(refused.day, monthrange(year, month)[1]))  # one month on (Civil Code)
    while not kv.watch.calendar.is_working_day(by):
        by += timedelta(days=1)
    assert written(kv, by) in texts(options)  # the last day to complain
    review = await chat.choose(f"late:complain:{number}")
    assert "annul the refusal" in texts(review) and "On " in texts(review)
    complaint = event(await chat.choose("follow_up:send"), "submitted")
    assert complaint["linked_to"] == number and complaint["agency_id"] == "moj"


async def test_a_refusal_with_its_explanation_says_nothing_of_it(kv: Kavshiri, operator):
    chat = await english_chat(kv)
    await chat.draft("Public Service Hall", "information_request", "Budget", "Please send the 2025 budget.")
    number = event(await chat.choose("submit"), "submitted")["registration_number"]
    operator.complete(number, "No.", outcome="refused")
    await kv.alerts.poll_open()
    await kv.outbox.deliver_due()
    alert = await chat.inbox()
    assert "rights" not in texts(alert) and f"late:complain:{number}" in choice_ids(alert)


async def test_what_can_i_do_before_and_after_the_deadline(kv: Kavshiri):
    chat = await english_chat(kv)
    number = await overdue_request(kv, chat)
    move_clock(kv, FRIDAY - timedelta(days=3))
    listing = await chat.choose("my_requests")
    assert "what_can_i_do" in choice_ids(listing)
    assert f"options:{number}" in choice_ids(await chat.choose("what_can_i_do"))  # which request?
    before = texts(await chat.choose(f"options:{number}"))
    assert "Days left: 3" in before and "Legal Aid Service" in before and "free" in before
    assert "court" in before and "within one month" in before
    move_clock(kv, FRIDAY + timedelta(days=5))
    after = await chat.choose(f"options:{number}")
    assert "Days overdue: 5" in texts(after) and "Article 177" in texts(after)
    assert {f"late:remind:{number}", f"late:complain:{number}"} <= set(choice_ids(after))


async def test_what_can_i_do_for_a_request_sent_on_the_portal_itself(kv: Kavshiri):
    chat = await english_chat(kv)
    citizen = await kv.store.get_citizen("console:citizen-1")
    draft = Draft("moj", "application", "Pension", "Please recalculate my pension.")
    number = (await kv.portal.submit(citizen.portal_id, draft, "portal-direct-0001")).registration_number
    assert number in texts(await chat.choose("my_requests"))
    await chat.choose("what_can_i_do")
    advice = texts(await chat.say(number))
    assert "waiting for an answer" in advice and "one month (General Administrative Code, Article 100)" in advice


async def test_in_georgian_the_alert_and_the_letters_are_georgian(kv: Kavshiri, operator):
    chat = Chat(kv)
    await chat.start("ka")
    number = await overdue_request(kv, chat, "იუსტიციის სახლი", "რიგების სტატისტიკა",
                                   "გთხოვთ, მომაწოდოთ 2025 წლის რიგების სტატისტიკა.")
    move_clock(kv, FIRST_WORKING_DAY)
    await kv.watch.sweep(FIRST_WORKING_DAY)
    [alerts] = await late_alerts(kv, chat)
    assert "ვადა გავიდა" in texts(alerts)
    review = await chat.choose(f"late:complain:{number}")
    assert "საქართველოს იუსტიციის სამინისტრო" in texts(review)
    await chat.choose("follow_up:send")
    options = await chat.choose(f"options:{number}")
    assert "იურიდიული დახმარების სამსახურს" in texts(options)
    assert english_in(alerts + review + options) == set()
