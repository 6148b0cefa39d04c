"""From a need to the body through the engine, in three scripts and on both stores: a need or a
story offers the likeliest bodies with why, a choice starts the draft, a municipality's or a court's
matter is answered plainly, and an explicit wish to send starts the draft with any published answer
beside it, never instead of it."""
from __future__ import annotations

import pytest

from tests.conftest import Chat, choice_ids, english_in, texts


@pytest.mark.parametrize(
    ("lang", "text", "body", "why"),
    [
        ("en", "Whom do I write to about my pension?", "agency:ssa", "Social Service Agency — pensions"),
        ("ka", "ვის მივწერო პენსიაზე?", "agency:ssa", "სოციალური მომსახურების სააგენტო — პენსიები"),
        ("ka", "ara shvilo, me pensiaze vlaparakob, vis mivwero?", "agency:ssa", "სოციალური მომსახურების სააგენტო — პენსიები"),
    ],
)
async def test_whom_do_i_write_to_offers_the_body_with_why_and_starts_an_empty_draft(chat: Chat, lang, text, body,
                                                                                      why):
    await chat.start(lang)
    out = await chat.say(text)
    assert why in texts(out)
    assert f"route:{body.split(':')[1]}" in choice_ids(out)
    assert "procedure" not in " ".join(choice_ids(out))
    started = await chat.choose(f"route:{body.split(':')[1]}")
    assert "type:complaint" in choice_ids(started)  # the body is set: next is the kind of request
    draft = (await chat.kv.store.load_session(f"console:{chat.address}")).draft
    assert draft["agency_id"] == "ssa" and "body" not in draft  # a question is never the letter
    if lang == "ka":
        assert english_in(chat.log) == set()


async def test_a_story_in_latin_letters_is_a_need_and_becomes_the_letters_text(chat: Chat):
    await chat.start("ka")
    story = "gamarjobat, sami tvea pensia ar chamomrichxa da ar vici ra vqna, sad unda mivmarto?"
    out = await chat.say(story)
    assert "სოციალური მომსახურების სააგენტო" in texts(out)
    assert "route:ssa" in choice_ids(out)
    assert "მიზეზის" not in texts(out)  # no procedure answer about reasons
    asked = await chat.choose("route:ssa")
    assert "type:complaint" in choice_ids(asked)  # the type is asked; the story waits for it
    draft = (await chat.kv.store.load_session(f"console:{chat.address}")).draft
    assert draft["agency_id"] == "ssa"
    letter = await chat.choose("type:complaint")
    assert "use_text:yes" in choice_ids(letter)  # shown as the letter it makes, for the citizen to confirm
    # Nothing the citizen told is lost; the greeting and the questions to Kavshiri stay out of the letter.
    assert "sami tvea pensia ar chamomrichxa" in texts(letter)
    assert not {"gamarjobat", "vqna", "mivmarto"} & set(texts(letter).replace("?", " ").split())


async def test_what_documents_for_a_pension_is_a_need_not_a_procedure(chat: Chat):
    await chat.start("en")
    out = await chat.say("What documents do I need for a pension?")
    assert "Social Service Agency — pensions" in texts(out)
    assert "need not give a reason" not in texts(out).lower() and "reason" not in texts(out).lower()


async def test_municipal_and_court_matters_are_answered_plainly(chat: Chat):
    await chat.start("en")
    out = await chat.say("The street lights in our street have not worked for a month")
    assert "street lighting" in texts(out) and "municipality" in texts(out)
    assert not [c for c in choice_ids(out) if c.startswith("route:")]
    out = await chat.say("I want to get divorced")  # a wish, but not one to send: courts decide it
    assert "court" in texts(out).lower()
    assert "route:legalaid" in choice_ids(out)
    started = await chat.choose("route:legalaid")
    assert "type:letter" in choice_ids(started)


async def test_georgian_court_matter_in_georgian(chat: Chat):
    await chat.start("ka")
    out = await chat.say("გაყრა მინდა მეუღლესთან, სად მივმართო?")
    assert "სასამართლო" in texts(out) and "route:legalaid" in choice_ids(out)
    assert english_in(out) == set()


async def test_how_do_i_send_a_request_is_about_kavshiri(chat: Chat):
    await chat.start("ka")
    out = await chat.say("rogor gavagzavno motxovna")
    assert "ახალი მიმართვა" in texts(out)
    assert "new_request" in choice_ids(out)
    assert "საჩივრის ფორმ" not in texts(out)  # not the complaint-forms procedure


async def test_an_explicit_wish_to_send_starts_the_draft_with_the_published_answer_beside_it(chat: Chat):
    await chat.start("ka")
    out = await chat.say(
        "მინდა გავუგზავნო საჯარო ინფორმაციის მოთხოვნა ფინანსთა სამინისტროს. "
        "თემა: პრემიები 2026 წელს. ტექსტი: გთხოვთ, მომაწოდოთ 2026 წელს გაცემული პრემიების ჯამური ოდენობა."
    )
    text = texts(out)
    assert "უკვე გამოქვეყნებულია" in text  # beside it...
    assert "ფინანსთა სამინისტრო" in text
    draft = (await chat.kv.store.load_session(f"console:{chat.address}")).draft
    assert draft["agency_id"] == "mof" and draft["request_type"] == "information_request"  # ...not instead
    assert "published:request" not in choice_ids(out)
    assert english_in(out) == set()


async def test_a_wish_to_complain_without_a_body_offers_the_bodies_at_the_agency_step(chat: Chat):
    await chat.start("en")
    out = await chat.say("I want to complain: a speed camera fined me, but I was not driving that day")
    assert "Patrol Police" in texts(out) and "speeding and camera fines" in texts(out)
    assert "agency:patrol" in choice_ids(out) and "browse:ministry" in choice_ids(out)
    await chat.choose("agency:patrol")
    draft = (await chat.kv.store.load_session(f"console:{chat.address}")).draft
    assert draft["agency_id"] == "patrol" and draft["request_type"] == "complaint"


async def test_a_need_typed_at_the_agency_step_offers_its_bodies(chat: Chat):
    await chat.start("ka")
    await chat.choose("new_request")
    out = await chat.say("ჯარიმა დამაკისრეს სიჩქარის გადაჭარბებისთვის")
    assert "საპატრულო პოლიცია" in texts(out) and "agency:patrol" in choice_ids(out)
    out = await chat.say("ნაგავს არ გაგვიტანენ")
    assert "მუნიციპალიტეტ" in texts(out) and "browse:ministry" in choice_ids(out)
    assert english_in(chat.log) == set()


async def test_a_question_about_published_information_still_gets_its_answer(chat: Chat):
    await chat.start("en")
    out = await chat.say("How much do Ministry of Finance staff earn in bonuses?")
    assert "Q2 2026" in texts(out) and not [c for c in choice_ids(out) if c.startswith("route:")]


async def test_a_need_in_the_very_first_message_is_answered_at_once(chat: Chat):
    out = await chat.say("pensia ar momdis, ra vqna?")  # a new citizen: no language chosen yet
    assert "პენსიები" in texts(out) and "route:ssa" in choice_ids(out)
    assert "41" not in texts(out)  # not the procedure for a refused information request (Article 41)


async def test_a_late_passport_without_a_number_is_a_need_with_status_beside_it(chat: Chat):
    await chat.start("en")
    out = await chat.say("my passport is late")
    assert {"route:psh", "route:sda"} & set(choice_ids(out)) and "check_status" in choice_ids(out)


@pytest.mark.parametrize("text", ["What will the weather be like tomorrow?", "what is the weather in Batumi",
                                  "amerikashi archevnebi vin moigo"])
async def test_chatter_that_names_a_matter_in_passing_stays_chatter(chat: Chat, text: str):
    await chat.start("en")
    out = await chat.say(text)
    assert not [c for c in choice_ids(out) if c.startswith("route:")]


STORIES = [  # a story answered with bodies, then the body typed, or a bare wish to write
    ("en", "My mother is 81 and her pension has not been paid since September, the bank says nothing came in",
     "The Social Service Agency, I suppose", "has not been paid since September"),
    ("ka", "დედაჩემს სექტემბრიდან პენსია არ ჩარიცხვია, ბანკში გვითხრეს, რომ არაფერი შემოსულა",
     "სოციალური მომსახურების სააგენტოს მივწერ", "სექტემბრიდან პენსია არ ჩარიცხვია"),
    ("ka", "dedachems seqtembridan pensia ar charicxvia, bankshi gvitxres rom araferi shemosula",
     "socialuri momsaxurebis saagento", "seqtembridan pensia ar charicxvia"),
]


@pytest.mark.parametrize(("lang", "story", "body", "kept"), STORIES)
async def test_a_body_typed_after_a_story_keeps_the_story_for_the_letter(chat: Chat, lang, story, body, kept):
    await chat.start(lang)
    assert "route:ssa" in choice_ids(await chat.say(story))
    await chat.say(body)  # typed, not pressed
    letter = await chat.choose("type:complaint")
    assert kept in texts(letter) and "use_text:yes" in choice_ids(letter)


@pytest.mark.parametrize(("lang", "story", "wish", "kept"), [
    (STORIES[0][0], STORIES[0][1], "I just want to write a complaint about it", STORIES[0][3]),
    (STORIES[1][0], STORIES[1][1], "საჩივარი მინდა დავწერო", STORIES[1][3]),
    (STORIES[2][0], STORIES[2][1], "chivili minda davwero", STORIES[2][3]),
])
async def test_a_wish_to_write_after_a_story_keeps_the_story(chat: Chat, lang, story, wish, kept):
    await chat.start(lang)
    assert "route:ssa" in choice_ids(await chat.say(story))
    replies = await chat.say(wish)
    draft = (await chat.kv.store.load_session(f"console:{chat.address}")).draft
    assert kept in (draft.get("kept", "") + texts(replies))


@pytest.mark.parametrize(("lang", "first"), [
    ("ka", "გამარჯობა შვილო, ზამთრის გათბობის დახმარება წელს აღარ ჩამერიცხა, ვის მივწერო?"),
    ("ka", "gamarjoba, zamtris gatbobis daxmareba wels agar chamericxa, vis mivwero?"),
    ("en", "Hello dear, good morning to you, my pension did not come this month, who do I write to?"),
    ("ka", "გამარჯობა შვილო, როგორა ხარ, ჯანმრთელად ბრძანდებოდე, პენსია არ მომივიდა ამ თვეში"),
    ("ka", "გამარჯობა შვილო, გათბობის ფული არ მომივიდა, ვის მივწერო შვილო?"),
])
async def test_a_first_message_that_greets_and_tells_a_need_is_answered_not_only_welcomed(chat: Chat, lang, first):
    out = await chat.say(first)  # a new citizen: no start()
    answered = any(i.startswith("route:") for i in choice_ids(out)) or chat.kv.catalog.text(lang, "route.ask_need") in texts(out)
    assert answered, texts(out)


async def test_a_first_hello_alone_gets_the_welcome_and_the_menu(chat: Chat):
    out = await chat.say("გამარჯობა, როგორ ხართ?")
    assert "new_request" in choice_ids(out) and not any(i.startswith("route:") for i in choice_ids(out))
