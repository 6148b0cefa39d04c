"""Latin-typed Georgian in Georgian script: the conversion, and the review's step that shows it."""
from __future__ import annotations

import random
import time

import pytest

from kavshiri.app import Kavshiri
from nlu import transliterate
from nlu.lexicon import Lexicon
from nlu.transliterate import to_georgian
from tests.conftest import Chat, choice_ids, english_in, event, texts

# Chat-style sentences about pensions, police, taxes, passports…, each in several typing habits.
SENTENCES = [
    # chat style: sh, ch, kh/x, ts, t for თ, q for ქ
    ("chemi pensia ar movida am tveshi", "ჩემი პენსია არ მოვიდა ამ თვეში"),
    ("patrulma policiam jarima damiwera, rac arasamartliania",
     "პატრულმა პოლიციამ ჯარიმა დამიწერა, რაც არასამართლიანია"),
    ("saqartvelos shinagan saqmeta saministros vtxov ganixilos chemi sachivari",
     "საქართველოს შინაგან საქმეთა სამინისტროს ვთხოვ განიხილოს ჩემი საჩივარი"),
    ("sajaro informaciis motxovna: gtxovt momawodot biujetis xarjebis shesaxeb informacia",
     "საჯარო ინფორმაციის მოთხოვნა: გთხოვთ მომაწოდოთ ბიუჯეტის ხარჯების შესახებ ინფორმაცია"),
    ("xelfasi ar momces ukve sami tve", "ხელფასი არ მომცეს უკვე სამი თვე"),
    ("mindoda gamegzavna werili tbilisis meriashi", "მინდოდა გამეგზავნა წერილი თბილისის მერიაში"),
    ("pasporti mchirdeba saswrafod, sad unda mivmartot?", "პასპორტი მჭირდება სასწრაფოდ, სად უნდა მივმართოთ?"),
    # keyboard style with Shift: T=თ, S=შ, C=ჩ, W=ჭ, R=ღ
    ("Semosavlebis samsaxurma gadasaxadi arasworad damaricxa",
     "შემოსავლების სამსახურმა გადასახადი არასწორად დამარიცხა"),
    ("Cemi pensia ar Camericxa am TveSi", "ჩემი პენსია არ ჩამერიცხა ამ თვეში"),
    ("gtxovT gadasaxadis davalianeba gaauqmoT", "გთხოვთ გადასახადის დავალიანება გააუქმოთ"),
    ("Cemi Civili ar ganixiles", "ჩემი ჩივილი არ განიხილეს"),
    ("SSS-s vtxov rom gamoikvlion", "შსს-ს ვთხოვ რომ გამოიკვლიონ"),
    # the national romanisation, with apostrophes for the ejectives
    ("mat'areblis ch'kvianma mdzgholma q'veli gaaprtxila", "მატარებლის ჭკვიანმა მძღოლმა ყველი გააფრთხილა"),
    ("ts'erili gavgzavne 10 dekembers", "წერილი გავგზავნე 10 დეკემბერს"),
    ("chemi p'iradobis mots'mobis vada gavida", "ჩემი პირადობის მოწმობის ვადა გავიდა"),
    ("gamarjobat, pensiis gaangarishebashi shecdomaa", "გამარჯობათ, პენსიის გაანგარიშებაში შეცდომაა"),
]


@pytest.mark.parametrize(("typed", "georgian"), SENTENCES)
def test_chat_sentences_in_every_typing_habit_become_the_georgian_meant(typed, georgian):
    assert to_georgian(typed).text == georgian


def test_words_the_lexicon_cannot_settle_are_returned_never_guessed_silently():
    words = Lexicon(["ქარი", "კარი", "თავი", "ჩემი"])
    converted = to_georgian("chemi kari, tavi email gamoiyeneba", words)
    assert converted.text.startswith("ჩემი ") and "თავი email" in converted.text  # English stays English
    unsettled = {u.typed: u for u in converted.unsettled}
    assert set(unsettled) == {"kari", "gamoiyeneba"}  # the long word is not in this small list
    assert set(unsettled["kari"].options) == {"ქარი", "კარი"}  # both are words: the citizen chooses
    assert unsettled["gamoiyeneba"].options == () and unsettled["gamoiyeneba"].shown == "გამოიყენება"
    for word in converted.unsettled:  # each is where it says in the new text
        assert converted.text[word.start:word.start + len(word.shown)] == word.shown


def test_a_capital_starting_a_sentence_is_a_capital_and_a_shifted_key_inside_one():
    assert to_georgian("Sakartvelos mtavrobam gadawyvita. Semdeg Sakartvelos").text == (
        "საქართველოს მთავრობამ გადაწყვიტა. შემდეგ საქართველოს"
    )


def test_numbers_registration_numbers_addresses_and_english_stay_as_typed():
    typed = (
        "registraciis nomeri E-2026-0000001 an e 2026 0000042, 150 lari 5km-ze.\n"
        "chemi email aris giorgi.beridze@gmail.com, naxet https://my.gov.ge/ka?x=1 an www.police.ge; "
        "facebook-ze davwere."
    )
    converted = to_georgian(typed)
    assert converted.text == (
        "რეგისტრაციის ნომერი E-2026-0000001 ან e 2026 0000042, 150 ლარი 5km-ზე.\n"
        "ჩემი email არის giorgi.beridze@gmail.com, ნახეთ https://my.gov.ge/ka?x=1 ან www.police.ge; "
        "facebook-ზე დავწერე."
    )
    assert converted.unsettled == ()


def test_punctuation_and_line_breaks_are_kept():
    converted = to_georgian("gamarjobat!\n\n  (pensia) — \"sachivari\"…\r\nmadloba")
    assert converted.text == "გამარჯობათ!\n\n  (პენსია) — \"საჩივარი\"…\r\nმადლობა"


def test_a_long_text_takes_time_in_proportion_to_its_length():
    rnd = random.Random(7)
    syllables = ["ka", "tsi", "sha", "chi", "kh", "ts'", "q'o", "dz", "gh", "ar", "Te", "pa", "ri", "S", "me", "la"]

    def text(chars: int) -> str:
        words = [""]
        while sum(map(len, words)) < chars:
            words.append("".join(rnd.choice(syllables) for _ in range(rnd.randint(1, 6))))
        return " ".join(words)[:chars]

    def seconds(t: str) -> float:
        transliterate._cached_word.cache_clear()
        started = time.perf_counter()
        to_georgian(t)
        return time.perf_counter() - started

    to_georgian("warm up the lexicon")
    short, long = text(2_000), text(20_000)
    assert len(long) == 20_000
    assert seconds(long) / seconds(short) < 25  # ten times the text: about ten times the time
    assert len(to_georgian("a" * 20_000).text) == 20_000  # one enormous "word" is bounded too


async def _draft_in_latin(chat: Chat) -> list[dict]:
    """A complaint typed in Latin letters throughout, answering the guided questions."""
    await chat.start("ka")
    return await chat.draft("შსს", "complaint", "policiis sachivari",
                            "policiam mankana gamicera da jarima damakisra", demand="jarima gaauqmet")


def _latin_in(text: str) -> bool:
    return any("a" <= c.lower() <= "z" for c in text)


async def test_a_latin_typed_letter_reaches_the_portal_in_georgian_script(kv: Kavshiri, operator):
    chat = Chat(kv)
    review = await _draft_in_latin(chat)
    assert "script" in choice_ids(review)
    preview = await chat.choose("script")
    assert "პოლიციის საჩივარი" in texts(preview)  # the subject too
    assert "პოლიციამ მანქანა გამიჩერა და ჯარიმა [დამაქისრა]" in texts(preview)  # not in the lexicon: to check
    assert {"script:use", "script:keep", "script:fix"} <= set(choice_ids(preview))
    assert operator.registrations() == []  # nothing is sent before the citizen confirms
    await chat.choose("script:fix")
    fixed = await chat.say("დამაკისრა")
    assert "ჯარიმა დამაკისრა" in texts(fixed) and "[" not in texts(fixed)
    done = await chat.choose("script:use")
    event(done, "submitted")
    [sent] = operator.registrations()
    assert sent["subject"] == "პოლიციის საჩივარი"
    # The letter composed from the answers, every answer in Georgian script (the demand too).
    assert sent["body"].startswith("პატივცემულო") and "პოლიციამ მანქანა გამიჩერა და ჯარიმა დამაკისრა" in sent["body"]
    assert "ჯარიმა გააუქმეთ" in sent["body"] and not _latin_in(sent["body"])
    assert english_in(preview + fixed + done) == set()  # the citizen's Latin letter was only in the review


async def test_keep_as_written_sends_the_latin_letter_and_any_word_can_be_fixed(kv: Kavshiri, operator):
    chat = Chat(kv)
    await _draft_in_latin(chat)
    await chat.choose("script")
    await chat.choose("script:fix")
    await chat.say("damakisra")  # typed in Latin letters: converted like the letter
    replies = await chat.choose("script:fix")  # nothing left to check: any word, as shown then as meant
    assert "ქარი კარი" in texts(replies)
    replies = await chat.say("მანქანა ავტომობილი")
    assert "პოლიციამ ავტომობილი გამიჩერა" in texts(replies)
    await chat.choose("script:fix")
    replies = await chat.say("ტრაქტორი ველოსიპედი")
    assert "„ტრაქტორი ველოსიპედი“" in texts(replies)  # not in the letter: said so, nothing changed
    await chat.choose("back")
    replies = await chat.choose("script:keep")
    assert "policiam mankana gamicera" in texts(replies) and "submit" in choice_ids(replies)
    await chat.choose("submit")
    [sent] = operator.registrations()
    assert sent["body"].startswith("პატივცემულო")  # the letter as composed, the answers as typed
    assert "policiam mankana gamicera da jarima damakisra" in sent["body"] and "jarima gaauqmet" in sent["body"]


async def test_english_and_georgian_script_drafts_are_not_offered_a_conversion(kv: Kavshiri):
    english = Chat(kv, address="citizen-en")
    await english.start("en")
    review = await english.draft("Public Service Hall", "complaint", "Queue", "I waited four hours in the queue.")
    assert "script" not in choice_ids(review)
    georgian = Chat(kv, address="citizen-ka")
    await georgian.start("ka")
    review = await georgian.draft("შსს", "complaint", "პოლიციის საჩივარი", "პოლიციამ მანქანა გამიჩერა.")
    assert "script" not in choice_ids(review)


async def test_an_ambiguous_word_is_settled_by_the_citizen_choosing_its_spelling(kv: Kavshiri, operator):
    chat = Chat(kv)
    await chat.start("ka")
    await chat.draft("შსს", "complaint", "policiis sachivari", "chemi saxlis kari gatexes")
    preview = await chat.choose("script")
    assert "ჩემი სახლის [კარი]" in texts(preview)  # კარი (door) or ქარი (wind): both are words
    question = await chat.choose("script:fix")
    spellings = {c["label"]: c["id"] for m in question for c in m["choices"]}
    assert {"კარი", "ქარი"} <= set(spellings)
    preview = await chat.choose(spellings["კარი"])
    assert "ჩემი სახლის კარი" in texts(preview) and "[კარი]" not in texts(preview)
    await chat.choose("script:use")
    # The facts typed in Latin, the demand in Georgian script: the letter is offered, both reach it.
    body = operator.registrations()[0]["body"]
    assert "\n\nჩემი სახლის კარი გატეხეს\n\n" in body and "განიხილოთ ეს საკითხი" in body and not _latin_in(body)


async def test_the_script_preview_has_a_way_back_and_words_typed_there_go_to_the_review(kv):
    chat = Chat(kv, "script-back")
    await _draft_in_latin(chat)
    preview = await chat.choose("script")
    assert "back" in choice_ids(preview)
    review = await chat.choose("back")
    assert "submit" in choice_ids(review) and "script" in choice_ids(review)
    await chat.choose("script")
    said = await chat.say("moitsa, es ar unda eweros")  # about the letter: offered as an addition, never lost
    assert "add:yes" in choice_ids(said) and "moitsa, es ar unda eweros" in texts(said)
async def _latin_application(chat: Chat) -> list[dict]:
    """An application typed in Latin letters, unlike the complaint above."""
    await chat.start("ka")
    return await chat.draft("იუსტიციის სახლი", "application", "piradobis mowmoba",
                            "gtxovt gamomicemot axali piradobis mowmoba")


async def test_the_review_says_the_letter_can_go_in_georgian_script_and_offers_it_first(kv: Kavshiri):
    chat = Chat(kv)
    review = await _latin_application(chat)
    ids = choice_ids(review)
    assert ids[:2] == ["submit", "script"]
    hint = "თქვენ ლათინური ასოებით წერთ. გაგზავნამდე შემიძლია წერილი ქართული ასოებით გადავწერო."
    assert texts(review).startswith(hint)  # one line, above the letter
    english = Chat(kv, address="citizen-en")
    await english.start("en")
    review = await english.draft("Public Service Hall", "complaint", "Queue", "I waited four hours in the queue.")
    assert "Latin letters" not in texts(review) and "script" not in choice_ids(review)


@pytest.mark.parametrize("send", ["gaagzavne", "gagzavnet", "send"])
async def test_send_typed_at_a_latin_review_shows_georgian_script_then_sends_what_it_shows(kv: Kavshiri, operator, send):
    chat = Chat(kv)
    await _latin_application(chat)
    preview = await chat.say(send)
    assert operator.registrations() == []  # one question first
    assert "პირადობის" in texts(preview) and {"script:use", "script:keep"} <= set(choice_ids(preview))
    done = await chat.say(send)  # "send" with the Georgian letter on the screen sends that letter
    event(done, "submitted")
    [sent] = operator.registrations()
    assert "პირადობის მოწმობა" in sent["body"] and "piradobis" not in sent["body"]


async def test_send_typed_after_the_preview_was_seen_sends_at_once(kv: Kavshiri, operator):
    chat = Chat(kv)
    await _latin_application(chat)
    await chat.say("gaagzavne")
    await chat.choose("script:keep")
    event(await chat.say("gaagzavne"), "submitted")
    assert len(operator.registrations()) == 1
