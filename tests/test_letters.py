"""The letter templates: every type in both languages, optional parts dropped, no identity typed in."""
from __future__ import annotations

import string
import tomllib

import pytest

from bot.flows.draft import QUESTIONS
from bot.letters import HERE, KINDS, compose
from bot.models import REQUEST_TYPES

SAMPLE = {
    "information": "the bonuses paid to staff", "period": "2025", "form": "", "what_happened": "A clerk shouted at me.",
    "when_where": "3 March, Tbilisi hall", "who": "", "asks": "apologise", "applied_for": "a parking permit",
    "grounds": "I live on this street.", "documents": "", "message": "When will the road be repaired?",
}


def test_every_request_type_has_a_letter():
    assert set(REQUEST_TYPES) <= set(KINDS)


@pytest.mark.parametrize("kind", REQUEST_TYPES)
@pytest.mark.parametrize("lang", ["ka", "en"])
def test_each_letter_is_formal_and_in_the_citizens_words(kind, lang):
    text = compose(kind, lang, {q: SAMPLE[q] for q in QUESTIONS[kind]})
    paragraphs = text.split("\n\n")
    assert paragraphs[0] == {"ka": "პატივცემულო ქალბატონო/ბატონო,", "en": "Dear Sir or Madam,"}[lang]
    assert paragraphs[-1] == {"ka": "პატივისცემით", "en": "Yours faithfully"}[lang]
    assert SAMPLE[QUESTIONS[kind][0]] in text
    assert "{" not in text and "\n\n\n" not in text


@pytest.mark.parametrize("kind", KINDS)
def test_no_template_asks_for_the_citizens_identity(kind):
    # Name, address and signature come from the portal account, never from the letter's text.
    with (HERE / f"{kind}.toml").open("rb") as fh:
        tables = tomllib.load(fh)
    for lang in ("ka", "en"):
        templates = [t for t in tables[lang].values() if isinstance(t, str)]
        names = {n for t in templates for _, n, _, _ in string.Formatter().parse(t) if n}
        assert not names & {"name", "address", "signature", "phone", "id_number"}


def test_an_information_request_cites_article_37_and_asks_for_electronic_delivery():
    ka = compose("information_request", "ka", {"information": "ბიუჯეტი"})
    en = compose("information_request", "en", {"information": "the budget"})
    assert "37-ე მუხლის" in ka and "ელექტრონული ფორმით" in ka
    assert "Article 37" in en and "in electronic form" in en
    assert "paper" in compose("information_request", "en", {"information": "x", "form": "paper"})


def test_skipped_questions_leave_no_trace():
    full = compose("complaint", "en", {"what_happened": "x", "when_where": "Monday", "who": "Officer 12", "asks": "y"})
    short = compose("complaint", "en", {"what_happened": "x", "when_where": "", "who": "", "asks": "y"})
    assert "When and where: Monday" in full and "Who was involved: Officer 12" in full
    assert "When and where" not in short and "Who was involved" not in short


def test_an_unknown_kind_is_an_error():
    with pytest.raises(KeyError):
        compose("petition", "en", {})


@pytest.mark.parametrize(
    ("lang", "asks", "kept"),
    [
        ("ka", "გთხოვთ, გააუქმოთ დაკისრებული ჯარიმა", "ვითხოვ: გააუქმოთ დაკისრებული ჯარიმა"),
        ("ka", "თუ შეიძლება, დამიბრუნეთ ამანათი", "ვითხოვ: დამიბრუნეთ ამანათი"),
        ("ka", "რომ შეამოწმონ ჩემი ხელფასის დარიცხვა", "ვითხოვ: შეამოწმონ ჩემი ხელფასის დარიცხვა"),
        ("ka", "gtxovt, gadamixadot xelfasi", "ვითხოვ: gadamixadot xelfasi"),
        ("ka", "Gtxovt rom gamoikvlion sabazho", "ვითხოვ: gamoikvlion sabazho"),
        ("en", "Please could you refund the customs fee", "What I ask for: could you refund the customs fee"),
        ("en", "Kindly, pay my wages for October.", "What I ask for: pay my wages for October."),
    ],
)
def test_a_demand_opening_with_please_or_that_reads_once(lang, asks, kept):
    letter = compose("complaint", lang, {"what_happened": "x", "asks": asks})
    assert kept in letter
    assert "გთხოვთ: გთხოვთ" not in letter and "ვითხოვ: გთხოვთ" not in letter and "for: Please" not in letter


@pytest.mark.parametrize("answer", ["გთხოვთ", "please", "Pleased to hear back soon", "thatched roof leaks"])
def test_an_answer_that_is_only_courtesy_or_merely_starts_alike_stays_whole(answer):
    assert answer in compose("complaint", "en", {"what_happened": "x", "asks": answer})
