"""Guided drafting, journeys of the language review (c09, c10, c13, c17) in Georgian script,
Latin-typed Georgian and English, asserted on what the stand-in portal receives."""
from __future__ import annotations

import pytest

from kavshiri.app import Kavshiri
from tests.conftest import Chat, choice_ids, event, texts

SCRIPTS = ["ka", "latin", "en"]
LANG = {"ka": "ka", "latin": "ka", "en": "en"}
# The formal frame of every letter, by language.
OPENING = {"ka": "პატივცემულო ქალბატონო/ბატონო,", "en": "Dear Sir or Madam,"}
CLOSING = {"ka": "პატივისცემით", "en": "Yours faithfully"}
COMPLAINT = {"ka": "მოგმართავთ საჩივრით", "en": "I am writing to complain"}
ARTICLE_37 = {"ka": "37-ე მუხლის", "en": "Article 37"}


async def submitted_letter(chat: Chat, operator, replies: list[dict]) -> dict:
    """Skip the optional questions left, send, and return what the portal registered."""
    for _ in range(6):
        if "submit" in choice_ids(replies):
            break
        replies = await chat.choose("skip" if "skip" in choice_ids(replies) else "use_text:yes")
    number = event(await chat.choose("submit"), "submitted")["registration_number"]
    [registration] = [r for r in operator.registrations() if r["registration_number"] == number]
    return registration


def assert_formal(body: str, lang: str) -> None:
    paragraphs = body.split("\n\n")
    assert paragraphs[0] == OPENING[lang] and paragraphs[-1] == CLOSING[lang], body


# c10: everything in one message, with the subject and text marked.
C10 = {
    "ka": "გამარჯობა. მინდა გავუგზავნო საჯარო ინფორმაციის მოთხოვნა ფინანსთა სამინისტროს. თემა: 2025 წლის პრემიები. "
          "ტექსტი: გთხოვთ, მომაწოდოთ 2025 წელს თანამშრომლებზე გაცემული პრემიების ჯამური ოდენობა.",
    "latin": "gamarjobat. minda gavugzavno sajaro informaciis motxovna finansta saministros. tema: 2025 wlis premiebi. "
             "teksti: gtxovt, momawodot 2025 wels tanamshromlebze gacemuli premiebis jamuri odenoba.",
    "en": "Hi. I'd like to send a request for public information to the Ministry of Finance. Subject: Staff bonuses "
          "in 2025. Text: Please send me the total bonuses paid to staff in 2025, by department.",
}
C10_SAID = {"ka": ("2025 წლის პრემიები", "პრემიების ჯამური ოდენობა", ("გამარჯობა", "მინდა")),
            "latin": ("2025 wlis premiebi", "premiebis jamuri odenoba", ("gamarjobat", "minda")),
            "en": ("Staff bonuses in 2025", "total bonuses paid to staff", ("Hi", "I'd like"))}


@pytest.mark.parametrize("script", SCRIPTS)
async def test_c10_a_whole_request_in_one_message_is_shown_then_sent_without_the_chat(kv: Kavshiri, operator, script):
    lang = LANG[script]
    chat = Chat(kv)
    await chat.start(lang)
    replies = await chat.say(C10[script])
    subject, fact, chatter = C10_SAID[script]
    assert "use_text:yes" in choice_ids(replies) and fact in texts(replies)  # "Use this as the text?"
    assert operator.registrations() == []
    replies = await chat.choose("use_text:yes")
    assert "period" not in texts(replies).lower() and "პერიოდ" not in texts(replies)  # 2025 already says it
    sent = await submitted_letter(chat, operator, replies)
    assert sent["subject"] == subject and sent["agency_id"] == "mof"
    assert fact in sent["body"] and ARTICLE_37[lang] in sent["body"]
    assert not any(word in sent["body"] for word in chatter)
    assert_formal(sent["body"], lang)


# c13: a one-line wish, typed carelessly: the facts are asked for, one question at a time.
C13 = {
    "ka": ("მინდა საჩივარი დავწერო პოლიციაზე", "პატრულმა უმიზეზოდ დამაჯარიმა და მართვის მოწმობა წამართვა.",
           "გუშინ, რუსთაველის გამზირზე", "დამიბრუნეთ მართვის მოწმობა", "სამკერდე ნიშნის ნომერი არ მითხრა."),
    "latin": ("minda sachivari davwero policiaze", "patrulma umizezod damajarima da martvis mowmoba wamartva.",
              "gushin, rustavelis gamzirze", "damibrunet martvis mowmoba", "samkerde nishnis nomeri ar mitxra."),
    "en": ("i wnat to complane abuot the polise", "An officer fined me for nothing and took my driving licence.",
           "Yesterday on Rustaveli Avenue", "return my licence", "He also refused to give me his badge number."),
}


@pytest.mark.parametrize("script", SCRIPTS)
async def test_c13_a_one_line_complaint_asks_what_happened_and_keeps_what_is_typed_at_the_review(
        kv: Kavshiri, operator, script):
    lang = LANG[script]
    wish, happened, when, demand, more = C13[script]
    chat = Chat(kv)
    await chat.start(lang)
    replies = await chat.say(wish)
    assert "use_text:yes" not in choice_ids(replies)  # the wish alone is never the letter
    assert texts(replies).endswith({"ka": "რა მოხდა? აღწერეთ თქვენი სიტყვებით.",
                                    "en": "What happened? Describe it in your own words."}[lang])
    await chat.say(happened)
    await chat.say(when)
    await chat.choose("skip")  # who was involved: not known
    review = await chat.say(demand)
    assert "submit" in choice_ids(review) and happened in texts(review)
    offer = await chat.say(more)  # typed at the review: offered, not thrown away
    assert "add:yes" in choice_ids(offer) and more in texts(offer)
    review = await chat.choose("add:yes")
    assert more in texts(review)
    sent = await submitted_letter(chat, operator, review)
    body = sent["body"]
    assert sent["request_type"] == "complaint" and sent["agency_id"] == "mia"
    assert all(part in body for part in (happened, when, demand, more, COMPLAINT[lang]))
    assert wish not in body
    assert_formal(body, lang)


# c09: a pensioner's chat lines at a question are not the letter.
C09 = {
    "ka": ("ფინანსთა სამინისტრო", "არა შვილო, მე პენსიაზე ვლაპარაკობ, ვის მივწერო?",
           "სამი თვეა, პენსია არ ჩამომრიცხეს."),
    "latin": ("finansta saministro", "ara shvilo, me pensiaze vlaparakob, vis mivwero?",
              "sami tvea pensia ar chamomricxes."),
    "en": ("Ministry of Finance", "No dear, I'm talking about my pension, whom do I write to?",
           "My pension has not been paid for three months."),
}


@pytest.mark.parametrize("script", SCRIPTS)
async def test_c09_words_said_to_the_bot_at_a_question_never_reach_the_letter(kv: Kavshiri, operator, script):
    lang = LANG[script]
    agency, to_bot, facts = C09[script]
    chat = Chat(kv)
    await chat.start(lang)
    await chat.choose("new_request")
    await chat.say(agency)
    await chat.choose("type:letter")
    replies = await chat.say(to_bot)
    assert "submit" not in choice_ids(replies) and to_bot not in texts(replies)
    assert {"ka": "მიმართვაში არ ჩავწერე", "en": "left that out of your letter"}[lang] in texts(replies)
    review = await chat.say(facts)
    sent = await submitted_letter(chat, operator, review)
    assert facts in sent["body"] and to_bot not in sent["body"]
    assert_formal(sent["body"], lang)


# c17: a long text is kept whole and shown whole at the review, never cut at 400 characters.
C17 = {
    "ka": "გთხოვთ, მომაწოდოთ ინფორმაცია 2025 წელს სამინისტროს თანამშრომლებზე გაცემული პრემიების შესახებ. ",
    "latin": "gtxovt, momawodot informacia 2025 wels saministros tanamshromlebze gacemuli premiebis shesaxeb. ",
    "en": "Please tell me how much the ministry paid its staff in bonuses in 2025, by department and by month. ",
}


@pytest.mark.parametrize("script", SCRIPTS)
async def test_c17_a_long_text_is_shown_whole_at_the_review_and_sent_whole(kv: Kavshiri, operator, script):
    lang = LANG[script]
    long_text = (C17[script] * 8).strip() + " END"
    chat = Chat(kv)
    await chat.start(lang)
    await chat.choose("new_request")
    await chat.say("MoF")
    await chat.choose("type:information_request")
    replies = await chat.say(long_text)
    replies = await chat.choose("skip")  # form: electronic by default
    assert "submit" in choice_ids(replies)
    assert long_text in texts(replies)  # whole, to its last word
    sent = await submitted_letter(chat, operator, replies)
    assert long_text in sent["body"] and not sent["subject"].endswith("…") and len(sent["subject"]) <= 60
    assert_formal(sent["body"], lang)


async def test_a_draft_with_words_is_deleted_only_when_the_citizen_confirms(kv: Kavshiri):
    chat = Chat(kv)
    await chat.start("en")
    await chat.choose("new_request")
    await chat.say("MIA")
    await chat.choose("type:letter")
    await chat.say("The street lights on my road have been off for a month.")
    replies = await chat.say("stop")  # c11: never a silent cancel
    assert "discard:yes" in choice_ids(replies)
    replies = await chat.choose("discard:no")
    assert "street lights" in texts(replies) and "submit" in choice_ids(replies)
    await chat.choose("cancel")
    replies = await chat.choose("discard:yes")
    assert "discarded" in texts(replies)
    assert (await kv.store.load_session("console:citizen-1")).draft == {}


async def test_free_text_at_the_type_step_is_read_for_what_it_is(kv: Kavshiri):
    # c14: an agency's name, or the facts, typed where the type is asked, are not met with a fallback.
    chat = Chat(kv)
    await chat.start("ka")
    await chat.choose("new_request")
    await chat.say("შსს")
    replies = await chat.say("იუსტიციის სამინისტრო")
    assert "იუსტიციის სამინისტრო" in texts(replies) and "type:letter" in choice_ids(replies)
    replies = await chat.say("არ ვიცი")
    assert "აირჩიეთ ერთ-ერთი" in texts(replies)  # the four types, one line each, not the fallback again
    replies = await chat.say("ჩემს ქუჩაზე ორი კვირაა ნაგავი არ გაუტანიათ.")
    assert "შევინახე" in texts(replies) and "type:complaint" in choice_ids(replies)
    replies = await chat.choose("type:complaint")
    assert "ნაგავი არ გაუტანიათ" in texts(replies) and "use_text:yes" in choice_ids(replies)


async def test_each_part_of_the_letter_is_changed_on_its_own(kv: Kavshiri):
    chat = Chat(kv)
    await chat.start("en")
    await chat.draft("MIA", "complaint", "Fine", "An officer fined me.")
    replies = await chat.choose("edit:request")
    assert "Please look into this." in texts(replies) and "keep" in choice_ids(replies)
    replies = await chat.say("cancel the fine")
    assert "What I ask for: cancel the fine" in texts(replies) and "An officer fined me." in texts(replies)
    replies = await chat.choose("edit:facts")
    replies = await chat.choose("keep")
    replies = await chat.say("On Monday")
    replies = await chat.say("Officer 12")
    assert "When and where: On Monday" in texts(replies) and "Who was involved: Officer 12" in texts(replies)


@pytest.mark.parametrize("size", [40, 97, 150])
def test_pages_hold_every_word_within_the_size_and_end_at_sentences_where_they_can(size):
    from bot.flows.review import pages

    text = ("პატივცემულო ქალბატონო/ბატონო,\n\n" + "ეზოში ნაგავი ორი კვირაა არ გაუტანიათ. " * 9
            + "x" * 230 + "\n\nპატივისცემით")
    found = pages(text, size)
    assert all(len(p) <= size for p in found)
    assert "".join("".join(found).split()) == "".join(text.split())  # nothing lost, nothing added
    sentence_pages = [p for p in found if "ნაგავი" in p and "x" not in p]
    assert sentence_pages and all(p.endswith((".", ",")) for p in sentence_pages[:-1])


async def test_back_shows_the_previous_answer_to_keep_or_change(kv: Kavshiri):
    # c03: going back showed nothing of what was written, and offered no way to keep it.
    chat = Chat(kv)
    await chat.start("en")
    await chat.choose("new_request")
    await chat.say("MIA")
    await chat.choose("type:complaint")
    await chat.say("A clerk shouted at me.")
    await chat.say("Monday, at the Tbilisi hall")
    replies = await chat.choose("back")
    assert "Monday, at the Tbilisi hall" in texts(replies) and "keep" in choice_ids(replies)
    replies = await chat.choose("keep")
    assert "Who was involved" in texts(replies)  # on from where the citizen was
    await chat.choose("back")
    replies = await chat.choose("back")
    assert "A clerk shouted at me." in texts(replies)
    replies = await chat.choose("back")
    assert "type:complaint" in choice_ids(replies)  # from the first question, the type


async def test_a_new_type_keeps_every_answer_in_the_letter(kv: Kavshiri, operator):
    chat = Chat(kv)
    await chat.start("en")
    await chat.draft("MIA", "complaint", "Driveway", "A patrol car blocked my driveway.")
    await chat.choose("edit:request_type")
    review = await chat.choose("type:letter")
    assert "A patrol car blocked my driveway." in texts(review) and "Please look into this." in texts(review)
    sent = await submitted_letter(chat, operator, review)
    assert sent["request_type"] == "letter" and "Please look into this." in sent["body"]


@pytest.mark.parametrize(("lang", "skip"), [("en", "don't know"), ("ka", "არ ვიცი"), ("ka", "ar vici"), ("en", "-")])
async def test_an_optional_question_is_skipped_in_words_too(kv: Kavshiri, lang, skip):
    chat = Chat(kv)
    await chat.start(lang)
    await chat.choose("new_request")
    await chat.say("MIA")
    await chat.choose("type:complaint")
    await chat.say("A clerk shouted at me." if lang == "en" else "თანამშრომელმა შეურაცხყოფა მომაყენა.")
    await chat.say(skip)  # when and where
    replies = await chat.say(skip)  # who
    assert "skip" not in choice_ids(replies)  # on to the demand, which cannot be skipped
    session = await kv.store.load_session("console:citizen-1")
    assert session.draft["fields"]["when_where"] == session.draft["fields"]["who"] == ""


async def test_facts_given_with_the_body_but_no_type_wait_for_the_type_then_are_confirmed(kv: Kavshiri, operator):
    chat = Chat(kv)
    await chat.start("en")
    replies = await chat.say("I want to write to the Public Service Hall. The queue machine in Rustavi lost my "
                             "ticket twice this week and I waited for five hours.")
    assert "kept your words" in texts(replies) and "type:complaint" in choice_ids(replies)
    replies = await chat.choose("type:complaint")
    assert "use_text:yes" in choice_ids(replies) and "I want to write" not in texts(replies)
    await chat.choose("use_text:yes")
    await chat.choose("skip")
    await chat.choose("skip")
    sent = await submitted_letter(chat, operator, await chat.say("fix the queue machine"))
    assert sent["agency_id"] == "psh" and "lost my ticket twice this week" in sent["body"]
    assert "I want to write" not in sent["body"]


# A wish that goes on to say the matter ("I'd like to request data on X"): X reaches the letter, the wish does not.
WISH_WITH_MATTER = {
    "ka": ("ფინანსთა სამინისტროს მინდა მივწერო, 2024 წელს მინისტრის მოადგილეებზე გაცემული პრემიების ოდენობა "
           "მაინტერესებს თვეების მიხედვით.", "მოადგილეებზე გაცემული პრემიების ოდენობა", ("მინდა მივწერო",)),
    "latin": ("finansta saministros minda mivwero, 2024 wels ministris moadgileebze gacemuli premiebis odenoba "
              "mainteresebs tveebis mixedvit.", "moadgileebze gacemuli premiebis odenoba", ("minda mivwero",)),
    "en": ("Hi, I would like to request data from the Ministry of Finance on the bonuses paid to deputy ministers "
           "in 2024, month by month.", "The bonuses paid to deputy ministers in 2024, month by month.",
           ("I would like", "request data")),
}


@pytest.mark.parametrize("script", SCRIPTS)
async def test_a_wish_that_goes_on_to_the_matter_keeps_the_matter_and_not_the_wish(kv: Kavshiri, operator, script):
    lang = LANG[script]
    message, matter, wish = WISH_WITH_MATTER[script]
    chat = Chat(kv)
    await chat.start(lang)
    replies = await chat.say(message)
    for _ in range(3):  # the type, if the message did not say it
        if "type:information_request" not in choice_ids(replies):
            break
        replies = await chat.choose("type:information_request")
    assert "use_text:yes" in choice_ids(replies) and matter in texts(replies), texts(replies)
    sent = await submitted_letter(chat, operator, await chat.choose("use_text:yes"))
    assert sent["agency_id"] == "mof" and matter in sent["body"]
    assert not any(w in sent["body"] for w in wish), sent["body"]


async def test_words_typed_at_use_this_text_are_added_and_shown(kv: Kavshiri):
    chat = Chat(kv)
    await chat.start("en")
    await chat.say("Complaint to the Public Service Hall: the queue machine in Rustavi lost my ticket twice.")
    replies = await chat.say("It happened on 1 and 2 December.")
    assert "use_text:yes" in choice_ids(replies)
    assert "lost my ticket twice" in texts(replies) and "It happened on 1 and 2 December." in texts(replies)
    replies = await chat.choose("use_text:again")
    assert "What happened?" in texts(replies)


async def test_the_form_is_a_choice_typed_words_pick_it_or_ask_again(kv, operator):
    chat = Chat(kv, "form-typed")
    await chat.start("en")
    await chat.choose("new_request")
    await chat.say("Ministry of Finance")
    await chat.choose("type:information_request")
    asked = await chat.say("The staff bonus report for 2025")  # the year says the period
    assert "answer:electronic" in choice_ids(asked)
    again = await chat.say("done")  # not a form: asked again, never put in the letter
    assert "answer:electronic" in choice_ids(again) and "submit" not in choice_ids(again)
    review = await chat.say("by email please")
    assert "submit" in choice_ids(review) and "done" not in texts(review)
    assert "electronic form" in texts(review)


# Marked words typed where the type is asked are the letter's whole, even when they name a type.
MARKED_AT_TYPE = {
    "ka": ("შსს", "თემა: განცხადება ბინადრობაზე. ტექსტი: მინდა მივიღო ბინადრობის ნებართვა. შემიძლია განაცხადი "
                  "ახლა შევიტანო (ვიზა მარტში მთავრდება)?", "ვიზა მარტში მთავრდება"),
    "latin": ("shss", "tema: gancxadeba binadrobaze. teksti: minda mivighot binadrobis nebartva. shemidzlia "
                      "axla (viza martshi mtavrdeba)?", "viza martshi mtavrdeba"),
    "en": ("Public Service Hall", "Subject: application for a work permit. Text: I would like to get a work permit. "
                                 "Can I apply while my visa is still valid (it ends in April)?", "it ends in April"),
}


@pytest.mark.parametrize("script", SCRIPTS)
async def test_marked_words_at_the_type_step_are_kept_whole_whatever_they_name(kv: Kavshiri, script):
    agency, message, inside = MARKED_AT_TYPE[script]
    chat = Chat(kv)
    await chat.start(LANG[script])
    await chat.choose("new_request")
    await chat.say(agency)
    replies = await chat.say(message)
    if "use_text:yes" not in choice_ids(replies):  # the type was not read from the subject: chosen
        replies = await chat.choose("type:application")
    assert "use_text:yes" in choice_ids(replies), texts(replies)
    assert inside in texts(replies) and message.split(":")[-1].split("(")[0].strip()[-12:] in texts(replies)


# "I already wrote it" at a question: never the letter; an optional question moves on, the core is asked again.
ALREADY = {
    "ka": ("შსს", "გუშინ პოლიციელმა უხეშად მომმართა 2026 წლის 1 დეკემბერს.", "ხომ დავწერე ზემოთ", "ზემოთ დავწერე"),
    "latin": ("shss", "gushin policielma uxeshad mommarta 2026 wlis 1 dekembers.", "kho davwere", "ukve gitxarit"),
    "en": ("Public Service Hall", "A clerk shouted at me in the queue on 1 December 2026.", "I already wrote that above",
           "it's all in what I sent before, use that"),
}


DEMAND = {"ka": "გთხოვთ, შეისწავლოთ ეს შემთხვევა.", "en": "Please look into this."}


@pytest.mark.parametrize("script", SCRIPTS)
async def test_i_already_wrote_it_is_said_to_the_bot(kv: Kavshiri, operator, script):
    lang = LANG[script]
    agency, facts, remark, core_remark = ALREADY[script]
    chat = Chat(kv)
    await chat.start(lang)
    await chat.choose("new_request")
    await chat.say(agency)
    replies = await chat.choose("type:complaint")
    replies = await chat.say(core_remark)  # nothing kept yet: asked again, saying so
    assert {"ka": "ვერ ვპოულობ", "en": "could not find"}[lang] in texts(replies)
    replies = await chat.say(facts)
    replies = await chat.say(remark)  # at "who" (the date said when): on to what is asked of the body
    assert {"ka": "რას ითხოვთ", "en": "What do you want"}[lang] in texts(replies)
    replies = await chat.say(DEMAND[lang])
    sent = await submitted_letter(chat, operator, replies)
    assert facts in sent["body"] and remark not in sent["body"] and core_remark not in sent["body"]


# A complaint's facts that say when it happened: the "when and where?" question is not asked again,
# and "who was involved?" fits any body (no police badge for a wage complaint).
DATED_FACTS = {
    "ka": ("შრომის ინსპექცია", "დამსაქმებელმა 4 სექტემბრიდან ხელფასი არ გადამიხადა.", "ვინ იყო ჩართული"),
    "latin": ("shromis inspeqcia", "gushinwin sabazhoze amanati damikaves da aravin amixsna mizezi.", "ვინ იყო ჩართული"),
    "en": ("Revenue Service", "On the 21st of October the customs office held my parcel without a reason.",
           "Who was involved"),
}


@pytest.mark.parametrize("script", SCRIPTS)
async def test_facts_that_say_when_skip_the_when_question_and_who_asks_for_no_badge(kv: Kavshiri, script):
    lang = LANG[script]
    agency, facts, who = DATED_FACTS[script]
    chat = Chat(kv)
    await chat.start(lang)
    await chat.choose("new_request")
    await chat.say(agency)
    await chat.choose("type:complaint")
    replies = await chat.say(facts)
    asked = texts(replies)
    assert who in asked and "როდის" not in asked and "When" not in asked
    assert "badge" not in asked and "სამკერდე" not in asked


@pytest.mark.parametrize(("lang", "agency", "badge"), [("ka", "საპატრულო პოლიცია", "სამკერდე"), ("en", "Border Police", "badge")])
async def test_who_was_involved_asks_for_a_badge_number_only_of_the_police(kv: Kavshiri, lang, agency, badge):
    chat = Chat(kv)
    await chat.start(lang)
    await chat.choose("new_request")
    await chat.say(agency)
    await chat.choose("type:complaint")
    await chat.say("ოფიცერმა უხეშად მომმართა." if lang == "ka" else "An officer shouted at me.")
    asked = texts(await chat.choose("skip"))  # when and where
    assert badge in asked


SKIPPED_IN_PASSING = {  # an answer to an optional question that ends by telling the bot to skip it
    "ka": ("შრომის ინსპექცია", "დამსაქმებელმა 4 სექტემბრიდან ხელფასი არ გადამიხადა.", "ვინ იქნება, არ ვიცი შვილო, არავინ"),
    "latin": ("shromis inspeqcia", "gushin xelfasi ar gadamixades.", "vin unda iyos, kamera iyo ra :) gamotove"),
    "en": ("Revenue Service", "On 21 October the customs office held my parcel.", "who knows, it was a machine, skip"),
}


@pytest.mark.parametrize("script", SCRIPTS)
async def test_an_answer_ending_in_skip_is_a_skip_and_never_the_letters(kv: Kavshiri, operator, script):
    lang = LANG[script]
    agency, facts, aside = SKIPPED_IN_PASSING[script]
    chat = Chat(kv)
    await chat.start(lang)
    await chat.choose("new_request")
    await chat.say(agency)
    await chat.choose("type:complaint")
    await chat.say(facts)  # the date says when: "who?" comes next
    replies = await chat.say(aside)
    assert {"ka": "რას ითხოვთ", "en": "What do you want"}[lang] in texts(replies)
    replies = await chat.say(DEMAND[lang])
    sent = await submitted_letter(chat, operator, replies)
    assert aside not in sent["body"] and facts in sent["body"]


@pytest.mark.parametrize(("lang", "asked"), [
    ("en", "The 2025 exam pass rates by subject. An electronic copy by email is fine."),
    ("ka", "2025 წლის გამოცდების შედეგები საგნების მიხედვით, ელექტრონულად გამომიგზავნეთ."),
    ("ka", "2025 wlis gamocdebis shedegebi, elektronulad gamomigzavnet"),
])
async def test_a_form_said_with_the_information_is_not_asked_again(kv: Kavshiri, lang, asked):
    chat = Chat(kv, f"form-said-{lang}")
    await chat.start(lang)
    await chat.choose("new_request")
    await chat.say("შეფასებისა და გამოცდების ეროვნული ცენტრი" if lang == "ka" else "National Assessment and Examinations Center")
    await chat.choose("type:information_request")
    review = await chat.say(asked)  # the year says the period, the words say the form
    assert "submit" in choice_ids(review) and "answer:electronic" not in choice_ids(review)


@pytest.mark.parametrize(("lang", "said", "sends"), [
    ("en", "is that ok? ok send it", True),
    ("en", "ok.. send it i guess", True),
    ("en", "please don't send it yet", False),
    ("ka", "კარგი, გაგზავნე", True),
    ("ka", "ჯერ არ გაგზავნო", False),
    ("ka", "kargi, gaagzavne", True),
])
async def test_send_said_at_the_end_of_a_short_message_at_the_review(kv: Kavshiri, operator, lang, said, sends):
    chat = Chat(kv, f"send-tail-{lang}-{len(said)}")
    await chat.start(lang)
    await chat.draft("იუსტიციის სამინისტრო" if lang == "ka" else "Ministry of Justice", "letter", "Subject",
                     "When will the new rules on notaries come into force?")
    await chat.say(said)
    assert (len(operator.registrations()) == 1) is sends
    if not sends:
        assert all(said not in (r.get("body") or "") for r in operator.registrations())
