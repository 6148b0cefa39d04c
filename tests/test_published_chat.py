"""Answers from published information through the engine, in both languages, on both stores:
what is published (newest first, Georgian dates), what is missing with the one-tap request,
questions about the right to information, and the register's title search."""
from __future__ import annotations

import pytest

from tests.conftest import SAMPLE_REGISTER, Chat, choice_ids, english_in, texts

SAMPLE = SAMPLE_REGISTER


async def test_bonuses_question_answers_newest_first_and_offers_the_missing_quarter(chat: Chat):
    await chat.start("en")
    out = await chat.say("How much do Ministry of Finance staff earn in bonuses?")
    text = texts(out)
    assert text.index("Q2 2026") < text.index("Q1 2026") < text.index("Q4 2025")
    assert "Q3 2025" not in text and "published.more" not in text
    assert "updated on 3 August 2026" in text and "/mof/5.3/2026-q2.xlsx" in text
    assert "for Q3 2026. It was due by 31 October 2026." in text
    assert "sample entries" in text
    assert {"published:more", "published:request"} <= set(choice_ids(out))
    more = await chat.choose("published:more")
    assert "Q3 2025" in texts(more) and "Q2 2026" not in texts(more)


async def test_the_same_answer_in_georgian_with_georgian_dates(chat: Chat):
    await chat.start("ka")
    out = await chat.say("რამდენი პრემია გასცა ფინანსთა სამინისტრომ?")
    text = texts(out)
    assert "განახლდა 2026 წლის 3 აგვისტოს" in text and "2026 წლის მესამე კვარტალი" in text
    assert "არაუგვიანეს 2026 წლის 31 ოქტომბრისა" in text
    assert english_in(out) == set()


async def test_missing_quarter_becomes_a_drafted_request_for_review(chat: Chat):
    await chat.start("en")
    await chat.say("How much do Ministry of Finance staff earn in bonuses?")
    review = await chat.choose("published:request")
    text = texts(review)
    assert "Q3 2026" in text and "item 5.3" in text and "31 October 2026" in text
    assert "submit" in choice_ids(review)
    draft = chat.kv.engine.services.store
    session = await draft.load_session("console:citizen-1")
    assert session.step == "review" and session.draft["agency_id"] == "mof"
    assert session.draft["request_type"] == "information_request"


async def test_missing_request_never_overwrites_an_unfinished_draft(chat: Chat):
    await chat.start("en")
    await chat.choose("new_request")
    await chat.say("Ministry of Finance")
    await chat.choose("type:letter")
    await chat.say("My own subject")
    await chat.choose("menu")
    await chat.say("How much do Ministry of Finance staff earn in bonuses?")
    out = await chat.choose("published:request")
    assert "unfinished draft" in texts(out)
    session = await chat.kv.store.load_session("console:citizen-1")
    assert session.draft["subject"] == "My own subject"


async def test_missing_agency_is_asked_for_then_answered(chat: Chat):
    await chat.start("en")
    out = await chat.say("Who is responsible for public information?")
    assert "Which organisation" in texts(out)
    out = await chat.say("Revenue Service")
    assert "officers responsible for public information" in texts(out)
    assert "updated on 12 September 2026" in texts(out)


async def test_unclear_topic_offers_the_likeliest_items(chat: Chat):
    await chat.start("en")
    out = await chat.say("Does the Ministry of Health publish how it spends its budget money?")
    ids = choice_ids(out)
    assert {"item:5.1", "item:5.2"} <= set(ids), texts(out)
    out = await chat.choose("item:5.2")
    assert "nothing from the Ministry of IDPs, Labour, Health" in texts(out) and "published:request" in choice_ids(out)


async def test_vacancies_in_georgian_typed_in_latin_letters(chat: Chat):
    await chat.start("ka")
    out = await chat.say("gzebis departaments aqvs vakansiebi?")
    assert "ხიდების ინჟინერი" in texts(out) and english_in(out) == set()


async def test_right_to_information_answers_cite_their_basis(chat: Chat):
    await chat.start("en")
    assert "Article 37" in texts(await chat.say("Do I need a reason to ask for information?"))
    assert "Article 40(1)" in texts(await chat.say("How long can they take to answer?"))
    out = await chat.say("They did not answer my request, what can I do?")
    assert "Article 41" in texts(out) and "Chapter XIII" in texts(out)


async def test_a_general_question_about_rights_offers_the_four_answers(chat: Chat):
    await chat.start("ka")
    out = await chat.say("რა არის ჩემი უფლებები?")
    assert {"procedure:no_reason", "procedure:term", "procedure:no_answer"} <= set(choice_ids(out))
    out = await chat.choose("procedure:term")
    assert "მუხლი 40" in texts(out) and english_in(out) == set()


async def test_complaint_forms_of_a_named_agency_come_from_item_2_3(chat: Chat):
    await chat.start("ka")
    out = await chat.say("ფინანსთა სამინისტროს საჩივრის ფორმები")
    assert "ადმინისტრაციული საჩივრის ნიმუში" in texts(out) and english_in(out) == set()


async def test_free_text_search_over_register_titles(chat: Chat):
    await chat.start("en")
    out = await chat.say("Is anything published about a bridge engineer?")
    assert "Roads Department: Vacancy: bridge engineer" in texts(out)
    out = await chat.say("Roads Department bridge engineer")
    assert "• Vacancy: bridge engineer" in texts(out)


@pytest.mark.parametrize("text", ["ხიდების ინჟინერი", "xidebis inJineri", "khidebis inzhineri"])
async def test_title_search_reads_georgian_in_both_scripts(chat: Chat, text: str):
    await chat.start("ka")
    out = await chat.say(f"გზების დეპარტამენტი {text}")
    assert "ვაკანსია: ხიდების ინჟინერი" in texts(out) and english_in(out) == set()


@pytest.mark.parametrize("text", ["Can I send a complaint to the Ministry of Finance?", "Ministry of Finance",
                                  "Ministry of Finance, about the bridge"])
async def test_wanting_to_write_still_starts_a_draft(chat: Chat, text: str):
    await chat.start("en")
    await chat.say(text)
    session = await chat.kv.store.load_session("console:citizen-1")
    assert session.step in ("type", "question") and session.draft["agency_id"] == "mof"


async def test_an_entry_whose_title_does_not_name_its_period_shows_it(chat: Chat):
    from datetime import date

    from published.register import Entry

    staff = Entry("mof", "3.3", "", "Staff by category and gender", "https://example.org/staff.xlsx",
                  "2026-Q3", date(2026, 10, 15), date(2026, 10, 15), "xlsx")
    await chat.kv.register.put_entries([staff])
    await chat.start("en")
    out = await chat.say("How many women work at the Ministry of Finance?")
    assert "Staff by category and gender — Q3 2026; updated on 15 October 2026" in texts(out)
    assert "sample" not in texts(out) and "published:request" not in choice_ids(out)
