"""Notification settings: reached by button or by words, addresses validated, and a completion
alerted once on every chosen channel."""
from __future__ import annotations

import time

import pytest

from bot.contacts import email_address, georgian_mobile
from tests.conftest import Chat, choice_ids, event, texts


@pytest.mark.parametrize("words", ["alerts", "შეტყობინებები", "/notify"])
async def test_settings_are_reached_by_words_in_both_languages(kv, words):
    chat = Chat(kv, f"n-{words}")
    await chat.start("ka")
    replies = await chat.say(words)
    assert "notify:email" in choice_ids(replies) and "notify:sms" in choice_ids(replies)


async def test_a_mobile_number_is_validated_and_replaces_the_previous_one(kv):
    chat = Chat(kv, "n-sms")
    await chat.start("en")
    await chat.choose("notify")
    await chat.choose("notify:sms")
    wrong = await chat.say("032 2 12 34 56")
    assert "not a Georgian mobile number" in texts(wrong)
    await chat.say("555 12 34 56")
    await chat.choose("notify:sms")
    settings = await chat.say("+995 599 00 11 22")
    assert "+995599001122" in texts(settings) and "+995555123456" not in texts(settings)
    citizen = await kv.store.get_citizen("console:n-sms")
    assert citizen.notify == ["sms:+995599001122"]
    cleared = await chat.choose("notify:clear")
    assert "notify:clear" not in choice_ids(cleared)
    assert (await kv.store.get_citizen("console:n-sms")).notify == []


async def test_a_completion_is_queued_once_per_channel_even_when_reported_twice(kv, operator):
    chat = Chat(kv, "n-both")
    await chat.start("en")
    await chat.choose("notify")
    await chat.choose("notify:sms")
    await chat.say("555 12 34 56")
    await chat.choose("notify:email")
    await chat.say("me@example.ge")
    await chat.choose("menu")
    await chat.draft("Ministry of Justice", "letter", "Subject", "Body of the letter.")
    number = event(await chat.choose("submit"), "submitted")["registration_number"]
    for _ in range(2):
        await kv.alerts.on_update(number, "completed", "https://my.gov.ge/answer/1", None)
    queued = await kv.store.claim_due(time.time() + 1, 20)
    assert sorted((n.channel, n.address) for n in queued) == [
        ("console", "n-both"), ("email", "me@example.ge"), ("sms", "+995555123456")]
    assert all(n.key.startswith(f"final:{number}:") for n in queued)


def test_contact_parsing():
    assert georgian_mobile("555123456") == georgian_mobile("+995 555-12-34-56") == "+995555123456"
    assert georgian_mobile("00995 599 000 111") == "+995599000111"
    assert georgian_mobile("322123456") is None and georgian_mobile("55512345") is None
    assert email_address(" a.b+c@sub.example.ge ") == "a.b+c@sub.example.ge"
    assert email_address("no@tld") is None and email_address("<x>@example.ge") is None
