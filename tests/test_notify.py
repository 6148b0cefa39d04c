"""Notification settings: reached by button or by words, addresses validated, only channels that
can deliver here offered, and a completion alerted once on every chosen channel."""
from __future__ import annotations

import time

import pytest

from bot.contacts import email_address, georgian_mobile
from kavshiri.app import Kavshiri
from tests.conftest import REDIS_URL, Chat, backend_settings, choice_ids, event, settings_for, texts
from tests.support import delete_keys

# SMS and e-mail configured, at addresses where nothing answers: these tests never deliver, and a
# test that tried would fail loudly instead of reaching anyone.
CHANNELS = {"twilio_account_sid": "AC" + "0" * 32, "twilio_auth_token": "unused", "twilio_from": "+15005550006",
            "twilio_api_url": "http://127.0.0.1:9", "smtp_url": "smtp://user:pass@127.0.0.1:9",
            "mail_from": "alerts@kavshiri.example.ge"}


@pytest.fixture(params=["sqlite", "redis"])
def backend(request) -> dict:
    return backend_settings(request.param)


@pytest.fixture
async def deployments(tmp_path, portal, backend):
    """Builds Kavshiri on one store with the given channel settings, as a restart with a changed
    configuration would; closes them all after."""
    built: list[Kavshiri] = []

    async def build(**channels) -> Kavshiri:
        settings = settings_for(tmp_path / "home", portal.url, **backend, **channels)
        built.append(await Kavshiri.build(settings, portal.url))
        return built[-1]

    yield build
    for kv in built:
        await kv.close()
    if backend["redis_url"]:
        await delete_keys(REDIS_URL, backend["redis_prefix"])


@pytest.fixture
async def kv(deployments) -> Kavshiri:
    return await deployments(**CHANNELS)


async def sent_code(kv, address: str) -> str:
    """The confirmation code queued for `address` (no SMS or e-mail sender runs here)."""
    for n in await kv.store.claim_due(time.time() + 1, 50):
        if n.address == address and n.reply["key"] == "notify.code":
            return n.reply["params"]["code"]
    raise AssertionError(f"no code queued for {address}")


async def add_address(chat: Chat, kind: str, typed: str, address: str) -> list[dict]:
    await chat.choose("notify")
    await chat.choose(f"notify:{kind}")
    sent = await chat.say(typed)
    assert address in texts(sent)
    return await chat.say(await sent_code(chat.kv, address))


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
    await chat.choose("back")
    await add_address(chat, "sms", "555 12 34 56", "+995555123456")
    settings = await add_address(chat, "sms", "+995 599 00 11 22", "+995599001122")
    assert "+995599001122" in texts(settings) and "+995555123456" not in texts(settings)
    citizen = await kv.store.get_citizen("console:n-sms")
    assert citizen.notify == ["sms:+995599001122"]
    cleared = await chat.choose("notify:clear")
    assert "notify:clear" not in choice_ids(cleared)
    assert (await kv.store.get_citizen("console:n-sms")).notify == []


async def test_a_completion_is_queued_once_per_channel_even_when_reported_twice(kv, operator):
    chat = Chat(kv, "n-both")
    await chat.start("en")
    await add_address(chat, "sms", "555 12 34 56", "+995555123456")
    await add_address(chat, "email", "me@example.ge", "me@example.ge")
    await chat.choose("menu")
    await chat.draft("Ministry of Justice", "letter", "Subject", "Body of the letter.")
    number = event(await chat.choose("submit"), "submitted")["registration_number"]
    for _ in range(2):
        await kv.alerts.on_update(number, "completed", "https://my.gov.ge/answer/1", None)
    queued = await kv.store.claim_due(time.time() + 1, 20)
    final = [n for n in queued if n.key.startswith(f"final:{number}:")]
    assert sorted((n.channel, n.address) for n in final) == [
        ("console", "n-both"), ("email", "me@example.ge"), ("sms", "+995555123456")]
    # Besides them, only the receipt e-mailed once at submission (bot/receipts.py).
    assert [(n.key, n.address) for n in queued if n not in final] == [(f"receipt:{number}:email", "me@example.ge")]


async def test_an_address_is_used_only_after_its_code_comes_back(kv):
    chat = Chat(kv, "n-code")
    await chat.start("en")
    await chat.choose("notify")
    await chat.choose("notify:email")
    await chat.say("someone.else@example.ge")
    code = await sent_code(kv, "someone.else@example.ge")
    wrong = "000000" if code != "000000" else "111111"
    assert "not right" in texts(await chat.say(wrong))
    await chat.say(wrong)
    failed = await chat.say(wrong)
    assert "three times" in texts(failed) and "notify:email" in choice_ids(failed)
    assert (await kv.store.get_citizen("console:n-code")).notify == []
    late = await chat.say(code)  # the right code after giving up is just text now
    assert (await kv.store.get_citizen("console:n-code")).notify == [] and late


async def test_codes_are_limited_per_day(kv):
    chat = Chat(kv, "n-many")
    await chat.start("en")
    for n in range(6):
        await chat.choose("notify")
        await chat.choose("notify:sms")
        answer = await chat.say(f"55512340{n}")
    assert "five codes today" in texts(answer)
    codes = [x for x in await kv.store.claim_due(time.time() + 1, 50) if x.reply["key"] == "notify.code"]
    assert len(codes) == 5


def test_contact_parsing():
    assert georgian_mobile("555123456") == georgian_mobile("+995 555-12-34-56") == "+995555123456"
    assert georgian_mobile("00995 599 000 111") == "+995599000111"
    assert georgian_mobile("322123456") is None and georgian_mobile("55512345") is None
    assert email_address(" a.b+c@sub.example.ge ") == "a.b+c@sub.example.ge"
    assert email_address("no@tld") is None and email_address("<x>@example.ge") is None


@pytest.mark.parametrize("typed", [
    "ceo,attacker0@evil.example", "ceo;attacker0@evil.example", "group:a@evil.example;", "ceo(x)@evil.example",
    "Victim <victim@x.ge>", "victim@x.ge (comment)", '"a,b"@x.ge', "victim@x.ge\nBcc: b@evil.example",
    "victim@x.ge, b@evil.example", "a@b@x.ge", "victim@[127.0.0.1]", "a..b@x.ge", "victim@-x.ge",
])
def test_an_e_mail_address_is_exactly_one_plain_address(typed):
    """Anything a mail library could read as more than one recipient, or as a name, is refused."""
    assert email_address(typed) is None
    assert email_address("Victim@X.Example.GE") == "Victim@x.example.ge"


async def test_case_variants_of_one_mailbox_share_its_daily_codes(kv):
    """"VICTIM@x.ge" and "victim@X.GE" are one mailbox: a sixth code to it is refused."""
    variants = ["victim@x.ge", "Victim@x.ge", "VICTIM@x.ge", "victim@X.GE", "vIctim@x.Ge", "victiM@x.ge"]
    for n, typed in enumerate(variants):
        chat = Chat(kv, f"n-case-{n}")  # a chat each: only the mailbox's allowance is shared
        await chat.start("en")
        await chat.choose("notify")
        await chat.choose("notify:email")
        answer = await chat.say(typed)
    assert "five codes today" in texts(answer)
    codes = [x for x in await kv.store.claim_due(time.time() + 1, 50) if x.reply["key"] == "notify.code"]
    assert len(codes) == 5


async def test_cancelling_or_a_new_chat_does_not_reset_the_daily_codes_to_one_number(kv):
    """Nobody can flood someone else's phone with codes by starting over."""
    for n in range(7):
        chat = Chat(kv, f"n-flood-{n % 2}")  # two chats taking turns
        await chat.start("en")
        await chat.choose("notify")
        await chat.choose("notify:sms")
        answer = await chat.say("555123456")
        await chat.choose("cancel")
    assert "five codes today" in texts(answer)
    codes = [x for x in await kv.store.claim_due(time.time() + 1, 50) if x.reply["key"] == "notify.code"]
    assert len(codes) == 5


async def test_only_channels_that_can_deliver_here_are_offered(deployments):
    chat = Chat(await deployments(), "n-none")  # neither SMS nor e-mail configured
    await chat.start("en")
    settings = await chat.choose("notify")
    assert "not available" in texts(settings)
    assert not {"notify:email", "notify:sms"} & set(choice_ids(settings))
    earlier = Chat(await deployments(**CHANNELS), "n-earlier")
    await earlier.start("en")
    assert "notify:email" in choice_ids(await earlier.choose("notify"))
    earlier.kv = await deployments()  # restarted without e-mail; the button is still on screen
    pressed = await earlier.choose("notify:email")
    assert "email are not available" in texts(pressed) and "notify:email" not in choice_ids(pressed)
    mail_only = Chat(await deployments(smtp_url=CHANNELS["smtp_url"], mail_from=CHANNELS["mail_from"]), "n-mail")
    await mail_only.start("ka")
    offered = choice_ids(await mail_only.choose("notify"))
    assert "notify:email" in offered and "notify:sms" not in offered


@pytest.mark.parametrize("lang,words", [("en", "no code will come"), ("ka", "კოდს ვერ მიიღებთ")])
async def test_a_citizen_waiting_for_a_code_is_told_when_the_channel_goes_away(deployments, lang, words):
    before = await deployments(**CHANNELS)
    chat = Chat(before, f"n-gone-{lang}")
    await chat.start(lang)
    await chat.choose("notify")
    await chat.choose("notify:email")
    await chat.say("me@example.ge")  # the code is queued
    after = await deployments()  # restarted without SMTP before the code went out
    chat.kv = after
    assert await after.outbox.deliver_due() == 0  # the code cannot go out any more
    assert await after.outbox.deliver_due() == 1  # and the chat is told so
    [lost] = await chat.inbox()
    assert "me@example.ge" in lost["text"]
    answer = await chat.say("123456")
    assert words in texts(answer) and "notify:email" not in choice_ids(answer)
    assert (await after.store.get_citizen(f"console:n-gone-{lang}")).notify == []
    [dead] = await after.store.dead_letters()
    assert dead.channel == "email" and dead.key.startswith("verify:")


async def test_an_address_typed_after_the_channel_went_away_gets_no_code(deployments):
    chat = Chat(await deployments(**CHANNELS), "n-typing")
    await chat.start("en")
    await chat.choose("notify")
    await chat.choose("notify:sms")
    chat.kv = await deployments()
    answer = await chat.say("555 12 34 56")
    assert "text message are not available" in texts(answer)
    assert await chat.kv.store.claim_due(time.time() + 1, 50) == []
