"""No loops and no dead ends (issue 12): a second misunderstanding at one step explains the choices
and offers a way out; "not found" stays at the step; thanks and goodbye get a short goodbye; a person
and alerts are offered only where they exist; the deadline's legal basis waits behind "Why this date?"."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from connectors.accounts import Accounts
from kavshiri.app import Kavshiri
from nlu.understanding import Understanding
from tests.conftest import Chat, backend_settings, choice_ids, english_in, event, settings_for, texts

# (language, words the type step cannot read, a line of the explanation, the status command)
SCRIPTS = [
    ("ka", "არ ვიცი, რომელი", "ასაჩივრებთ დაწესებულების", "სტატუსი"),
    ("ka", "ar vici romeli", "ასაჩივრებთ დაწესებულების", "statusi"),
    ("en", "no idea which one", "complain about a decision", "status"),
]
AGENCY = {"ka": "შსს", "en": "MIA"}


async def at_type_step(chat: Chat, lang: str) -> None:
    await chat.start(lang)
    await chat.choose("new_request")
    replies = await chat.say(AGENCY[lang])
    assert "type:complaint" in choice_ids(replies)


@pytest.mark.parametrize(("lang", "unclear", "explained", "_status"), SCRIPTS)
async def test_a_second_misunderstanding_explains_each_choice_and_offers_a_way_out(kv, lang, unclear, explained,
                                                                                   _status):
    chat = Chat(kv)
    await at_type_step(chat, lang)
    first = await chat.say(unclear)
    assert explained not in texts(first) and "menu" not in choice_ids(first)
    second = await chat.say(unclear)
    assert explained in texts(second)
    assert texts(second).count("•") == 4  # the four types, one line each
    assert "menu" in choice_ids(second) and "type:complaint" in choice_ids(second)
    assert "human" not in choice_ids(second)  # no operator account serves this body
    session = await kv.store.load_session("console:citizen-1")
    assert session.step == "type" and session.context["missed"] == {"step": "type", "count": 2}
    if lang == "ka":
        assert english_in(chat.log) == set()


async def test_progress_counts_misunderstandings_afresh_and_a_person_is_offered_where_one_could_answer(kv):
    await Accounts(kv.store, kv.engine.services.clock).add("nino", "Nino", "a long test password", ["mia"])
    chat = Chat(kv)
    await at_type_step(chat, "en")
    await chat.say("no idea")
    await chat.choose("back")  # progress: another step
    await chat.say("MIA")
    again = await chat.say("no idea")
    assert "complain about a decision" not in texts(again)  # the first miss here, after progress
    explained = await chat.say("still no idea")
    assert "complain about a decision" in texts(explained) and "human" in choice_ids(explained)


@pytest.mark.parametrize(("lang", "_unclear", "_explained", "status"), SCRIPTS)
async def test_a_number_not_found_stays_at_the_step_with_the_citizens_own_numbers(kv, lang, _unclear, _explained,
                                                                                   status):
    chat = Chat(kv)
    await at_type_step(chat, lang)
    await chat.choose("type:letter")
    await chat.say("Text of the letter." if lang == "en" else "წერილის ტექსტი.")  # the letter's one question
    mine = event(await chat.choose("submit"), "submitted")["registration_number"]
    missing = await chat.say(f"{status} E-2026-9999999")
    assert "E-2026-9999999" in texts(missing)
    assert f"status:{mine}" in choice_ids(missing)  # their own request, one tap away
    assert (await kv.store.load_session("console:citizen-1")).step == "status"
    found = await chat.choose(f"status:{mine}")
    assert mine in texts(found)


class Understands:
    """The embedded understander, except for the few texts a test decides the meaning of: the
    `thanks` and `goodbye` intents the model is still learning."""

    def __init__(self, real, meanings: dict[str, str]) -> None:
        self.real, self.meanings, self.matcher = real, meanings, real.matcher

    def command(self, text: str) -> str | None:
        return None if text in self.meanings else self.real.command(text)

    def parse(self, text: str, lang_hint: str | None = None) -> Understanding:
        understood = self.real.parse(text, lang_hint)
        if text in self.meanings:
            return replace(understood, intent=self.meanings[text], confidence=0.9, entities={})
        return understood

    async def parse_async(self, text: str, lang_hint: str | None = None) -> Understanding:
        return self.parse(text, lang_hint)

    async def close(self) -> None:
        await self.real.close()


FAREWELLS = [("ka", "მადლობა", "არაფრის"), ("ka", "madloba", "არაფრის"), ("en", "thanks", "You're welcome"),
             ("ka", "ნახვამდის", "ნახვამდის!"), ("ka", "kargad iyavit", "ნახვამდის!"), ("en", "bye", "Goodbye")]


@pytest.mark.parametrize(("lang", "said", "answer"), FAREWELLS)
async def test_thanks_and_goodbye_get_a_short_goodbye_never_the_introduction(kv, lang, said, answer):
    intent = "thanks" if answer in ("არაფრის", "You're welcome") else "goodbye"
    kv.engine.services.understander = Understands(kv.engine.services.understander, {said: intent})
    chat = Chat(kv)
    await chat.start(lang)
    replies = await chat.say(said)
    assert answer in texts(replies) and "Kavshiri" not in texts(replies) and "კავშირი" not in texts(replies)
    assert "new_request" in choice_ids(replies)  # a way forward
    await at_type_step(chat, lang)
    during = await chat.say(said)
    assert answer in texts(during) and "new_request" in choice_ids(during)  # the draft is kept for later
    assert (await kv.store.load_session("console:citizen-1")).draft["agency_id"] == "mia"


@pytest.mark.parametrize(("lang", "asked", "told"), [
    ("en", "what is the weather in Batumi", "I can help you write"),
    ("ka", "რა ამინდია ბათუმში", "შემიძლია დაგეხმაროთ"),
    ("ka", "ra amindia batumshi", "შემიძლია დაგეხმაროთ"),
])
async def test_out_of_scope_says_what_kavshiri_can_do_and_offers_it(kv, lang, asked, told):
    chat = Chat(kv)
    await chat.start(lang)
    replies = await chat.say(asked)
    assert told in texts(replies) and "new_request" in choice_ids(replies)


@pytest.mark.parametrize(("lang", "asked_for", "told", "call_me", "promise"), [
    ("ka", "ოპერატორი", "ამ სერვისში ჩატით ოპერატორები არ პასუხობენ", "დამირეკეთ, გთხოვთ", "დაგიკავშირდებათ"),
    ("ka", "operatori", "ამ სერვისში ჩატით ოპერატორები არ პასუხობენ", "damireket, gtxovt", "დაგიკავშირდებათ"),
    ("en", "operator", "No operators answer chats in this service", "please call me back", "will contact you"),
])
async def test_a_person_is_not_offered_where_no_operator_could_answer_and_no_call_back_is_promised(
        kv, lang, asked_for, told, call_me, promise):
    chat = Chat(kv)
    await chat.start(lang)
    menu = await chat.choose("menu")
    assert "human" not in choice_ids(menu) and "notify" not in choice_ids(menu)  # nothing but this chat
    asked = await chat.say(asked_for)
    assert told in texts(asked)
    assert "leave_message" not in choice_ids(asked) and "send_letter" in choice_ids(asked)
    kept = await chat.say(call_me)
    assert promise not in texts(kept) and await kv.store.records("ticket") == []
    assert "send_letter" in choice_ids(kept)  # still a way forward
    await Accounts(kv.store, kv.engine.services.clock).add("nino", "Nino", "a long test password", [])
    assert "human" in choice_ids(await chat.choose("menu"))


async def test_alerts_are_offered_when_another_channel_can_carry_them(tmp_path: Path, portal):
    extra = backend_settings("sqlite")
    kv = await Kavshiri.build(settings_for(tmp_path / "home", portal.url, smtp_url="smtp://u:p@127.0.0.1:9",
                                           **extra), portal.url)
    try:
        chat = Chat(kv)
        await chat.start("en")
        assert "notify" in choice_ids(await chat.choose("menu"))
    finally:
        await kv.close()


@pytest.mark.parametrize(("lang", "why", "basis"), [
    ("ka", "რატომ ეს თარიღი", "ზოგადი ადმინისტრაციული კოდექსის მე-40 მუხლი"),
    ("en", "Why this date", "General Administrative Code, Article 40"),
])
async def test_the_sent_message_is_short_and_the_legal_basis_waits_behind_why_this_date(kv, lang, why, basis):
    chat = Chat(kv)
    await chat.start(lang)
    await chat.draft("ფინანსთა სამინისტრო" if lang == "ka" else "Ministry of Finance", "information_request",
                     "Bonuses", "How much was paid in bonuses in 2025?")
    done = await chat.choose("submit")
    sent = done[0]
    number = event(done, "submitted")["registration_number"]
    assert number in sent["text"] and len(sent["text"].split()) <= 40 and basis not in sent["text"]
    assert ("ფინანსთა სამინისტრო" if lang == "ka" else "the Ministry of Finance") in sent["text"]
    assert why in " ".join(c["label"] for c in sent["choices"])
    await chat.choose("new_request")
    await chat.choose("cancel")  # the draft is gone, and another was started and dropped
    explained = await chat.choose("why_date")
    assert basis in texts(explained) and "new_request" in choice_ids(explained)


@pytest.mark.parametrize("lang", ["ka", "en"])
async def test_every_reply_ends_with_a_way_forward(kv, lang):
    chat = Chat(kv)
    await chat.start(lang)
    turns = [await chat.say("x" * 20_001), await chat.say("what is the weather in Batumi"),
             await chat.say("status E-2026-9999999"), await chat.choose("menu"), await chat.choose("new_request"),
             await chat.say("Ministry of Magic"), await chat.say("MIA"), await chat.say("hmm"), await chat.say("hmm"),
             await chat.choose("cancel"), await chat.choose("my_requests"), await chat.say("operator")]
    assert [i for i, out in enumerate(turns) if not out[-1]["choices"]] == []


@pytest.mark.parametrize(("lang", "said"), [
    ("ka", "მადლობა შვილო, ღმერთმა გაგიმარჯოს"),
    ("ka", "madloba shvilo, gmertma gagimarjos"),
    ("en", "thank you so much, god bless you and your family"),
])
async def test_a_blessed_thank_you_is_still_a_thank_you(kv, lang, said):
    chat = Chat(kv, f"blessed-{lang}-{len(said)}")
    await chat.start(lang)
    replies = await chat.say(said)
    assert kv.catalog.text(lang, "farewell.thanks") in texts(replies)
