"""The engine acting on understood text: drafts from free text, words inside flows, clarifying."""
from __future__ import annotations

from kavshiri.app import Kavshiri
from tests.conftest import Chat, choice_ids, english_in, event, texts

DELAYED = "complaint to the Ministry of Justice about my case being delayed for two years"


async def test_free_text_fills_agency_type_and_text_and_skips_those_steps(kv: Kavshiri, operator):
    chat = Chat(kv)
    replies = await chat.say(DELAYED)  # the very first message
    said = texts(replies)
    assert "Understood: Complaint to the Ministry of Justice" in said
    assert "Use this as the text?" in said and "my case being delayed for two years" in said
    assert "use_text:yes" in choice_ids(replies) and not any(i.startswith("type:") for i in choice_ids(replies))
    await chat.choose("use_text:yes")
    await chat.choose("skip")  # when and where
    await chat.choose("skip")  # who
    review = await chat.say("decide my case")
    assert "my case being delayed for two years" in texts(review) and "submit" in choice_ids(review)
    done = await chat.say("yes")  # "yes" in words sends, as the button does
    assert event(done, "submitted")["agency_id"] == "moj"
    assert [r["request_type"] for r in operator.registrations()] == ["complaint"]


async def test_georgian_in_latin_letters_starts_a_draft_to_the_named_body(kv: Kavshiri):
    chat = Chat(kv)
    await chat.start("ka")
    replies = await chat.say("minda chivili davwero shss-ze")
    said = texts(replies)
    assert "საჩივარი" in said and "შინაგან საქმეთა სამინისტრო" in said
    assert "შევინახე" not in said  # nothing beyond whom and what: the text is still to write
    assert english_in(replies) == set()


async def test_cancel_help_and_language_in_words_inside_a_flow(kv: Kavshiri):
    chat = Chat(kv)
    await chat.start("ka")
    await chat.choose("new_request")
    await chat.say("შსს")
    helped = await chat.say("დახმარება მჭირდება ამ ნაბიჯზე")  # not the one-word command
    assert "MY.GOV.GE" in texts(helped) and "type:complaint" in choice_ids(helped)
    switched = await chat.say("switch to english")
    assert "What would you like to send to" in texts(switched)
    cancelled = await chat.say("forget it, I changed my mind")
    assert "new_request" in choice_ids(cancelled) and await kv.store.load_session("console:citizen-1")
    session = await kv.store.load_session("console:citizen-1")
    assert session.step == "menu" and session.draft == {}


async def test_no_at_the_review_asks_what_to_change_and_sends_nothing(kv: Kavshiri, operator):
    chat = Chat(kv)
    await chat.start("ka")
    await chat.draft("შსს", "letter", "თემა", "ტექსტი")
    replies = await chat.say("არა")
    assert "რა შევცვალოთ" in texts(replies) and "edit:facts" in choice_ids(replies)
    assert operator.registrations() == []


async def test_a_message_the_bot_is_unsure_of_gets_a_clarifying_question(kv: Kavshiri):
    chat = Chat(kv)
    await chat.start("en")
    replies = await chat.say("something about my papers")
    assert "not sure" in texts(replies)
    assert {"check_status", "my_requests"} <= set(choice_ids(replies))
    assert (await chat.choose("my_requests"))  # a clarifying choice is a live button


async def test_asking_for_the_other_language_switches_at_once(kv: Kavshiri):
    chat = Chat(kv)
    await chat.start("en")
    replies = await chat.say("ქართულად მიპასუხე")
    assert replies[0]["lang"] == "ka" and english_in(replies) == set()


async def test_a_yes_with_more_to_say_does_not_send(kv: Kavshiri, operator):
    chat = Chat(kv)
    await chat.start("en")
    await chat.draft("Public Service Hall", "letter", "Queue", "I waited four hours.")
    replies = await chat.say("yes but first I want to change the subject line of the letter")
    assert "submit" in choice_ids(replies) and operator.registrations() == []


async def test_a_body_named_alone_is_confirmed_and_the_type_asked(kv: Kavshiri):
    chat = Chat(kv)
    await chat.start("en")
    replies = await chat.say("Revenue Service")
    assert "you are writing to the Revenue Service" in texts(replies)
    assert "type:complaint" in choice_ids(replies)


async def test_a_letter_too_long_for_the_portal_in_the_first_message_is_kept_not_dropped(kv: Kavshiri):
    chat = Chat(kv)
    await chat.start("en")
    letter = "x" * 6000
    replies = await chat.say("I want to complain to the Ministry of Internal Affairs about the police officer. " + letter)
    assert "6000 characters" in texts(replies) and "4000" in texts(replies)
    session = await kv.store.load_session("console:citizen-1")
    assert session.draft["too_long"] == letter and session.draft["agency_id"] == "mia"


async def test_english_or_georgian_as_a_word_switches_at_once_and_keeps_the_draft(kv: Kavshiri):
    chat = Chat(kv)
    await chat.start("ka")
    await chat.choose("new_request")
    await chat.say("შსს")
    switched = await chat.say("english")
    assert switched[0]["lang"] == "en" and "What would you like to send" in texts(switched)
    back = await chat.say("qartulad")
    assert back[0]["lang"] == "ka" and english_in(back) == set()
    session = await kv.store.load_session("console:citizen-1")
    assert session.draft["agency_id"] == "mia"


async def test_send_it_in_georgian_at_the_review_sends(kv: Kavshiri, operator):
    chat = Chat(kv)
    await chat.start("ka")
    await chat.draft("შსს", "letter", "თემა", "ტექსტი")
    done = await chat.say("gaagzavne")
    assert event(done, "submitted")["agency_id"] == "mia" and len(operator.registrations()) == 1
