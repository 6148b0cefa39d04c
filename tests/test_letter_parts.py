"""The splitter over phrasings it was not written from: what is said to the bot never reaches the letter."""
from __future__ import annotations

import pytest

from nlu.letter_parts import MAX_CHARS, sentences, split, subject_from

# Messages wholly addressed to the bot: greetings, wishes to write, questions about what to do.
TO_BOT = [
    "Hello there!",
    "good evening",
    "Thanks a lot, bye",
    "Hi, could you help me write to the tax office?",
    "I'd like to file a complaint against the city hall",
    "i wnat to complane abuot the polise",
    "I need to submit an application to the Public Service Hall.",
    "Whom should I write to about this?",
    "what should i do now?",
    "გამარჯობათ",
    "დიდი მადლობა",
    "მინდა საჩივარი შევიტანო პოლიციაში",
    "შეგიძლიათ დამეხმაროთ წერილის დაწერაში?",
    "ვის მივწერო ამაზე?",
    "gamarjobat, minda Civili davwero SSS-ze",
    "salami, msurs gavugzavno werili meriashi",
    "ra vqna?",
    "ara shvilo, me pensiaze vlaparakob, vis mivwero?",
    "gmadlobt didi",
    "Hi, thanks for helping me.",
    "მადლობა დახმარებისთვის",
    "no idea which one",
    "არ ვიცი, რომელი",
    "ar vici romeli",
]


@pytest.mark.parametrize("message", TO_BOT)
def test_what_is_said_to_the_bot_is_no_letter(message):
    parts = split(message)
    assert parts.text == "" and parts.to_bot


# (message, what the letter keeps, what must not be in it)
MIXED = [
    ("Good morning. My water bill for May is twice the usual amount.", "My water bill for May", "morning"),
    ("Hi! The bus stop on Chavchavadze Avenue has had no shelter since March. Thank you",
     "The bus stop on Chavchavadze Avenue", "Thank"),
    ("I want to complain because the clerk refused to take my documents on Monday.",
     "The clerk refused to take my documents", "complain"),
    ("I would like to write to the ministry as my pension has not been paid for two months.",
     "My pension has not been paid", "ministry"),
    ("გამარჯობა. სამი თვეა, პენსია არ მირიცხავენ. რა ვქნა?", "სამი თვეა, პენსია არ მირიცხავენ.", "გამარჯობა"),
    ("მინდა საჩივარი დავწერო, რომ ეზოში ნაგავი ორი კვირაა არ გაუტანიათ", "ეზოში ნაგავი ორი კვირაა", "მინდა"),
    ("gamarjoba! chvens quchaze sanatebi ar mushaobs ukve erti tvea. madloba",
     "chvens quchaze sanatebi ar mushaobs", "madloba"),
    ("minda werili mivwero radgan chemi shvilis skola ar gvpasuxobs", "chemi shvilis skola ar gvpasuxobs", "minda"),
    ("pensia ar momdis sami tvea, shemosavlebis samsaxurs minda mivwero", "pensia ar momdis sami tvea", "mivwero"),
    ("My pension is late, I want to write to the ministry about it.", "My pension is late.", "ministry"),
    ("Hello, my name is Nino, the bus on route 37 never comes on time.", "the bus on route 37 never comes", "Nino"),
    ("სახლი დაიტბორა, მინდა საჩივარი შევიტანო მერიაში", "სახლი დაიტბორა", "საჩივარი"),
    # a story that goes on to a question in the same sentence keeps the story
    ("gamarjobat, sami tvea pensia ar chamomrichxa da ar vici ra vqna, sad unda mivmarto?",
     "sami tvea pensia ar chamomrichxa.", "vqna"),
    ("My pension is late and I don't know what should I do?", "My pension is late.", "know"),
    ("Not sure which one. I don't know why they refused me.", "I don't know why they refused me.", "Not sure"),
]


@pytest.mark.parametrize(("message", "kept", "left_out"), MIXED)
def test_the_letter_keeps_the_facts_and_drops_the_rest(message, kept, left_out):
    parts = split(message)
    assert kept in parts.text
    assert left_out not in parts.text


@pytest.mark.parametrize("message", [
    "On 3 March a patrol officer fined me 50 lari on Rustaveli Avenue.\nI was parked legally.",
    "On Monday, at 5pm, the officer, who was rude, fined me; I paid it.",
    "3 მარტს, დილის 9 საათზე, სკოლის წინ ავტობუსი არ გაჩერდა.",
    "gushin, rustavelze, patrulma damajarima, tumca wesi ar damirghvevia.",
    "<b>short</b> body, (in brackets) and “quoted”",
])
def test_facts_alone_are_kept_whole(message):
    assert split(message).text == message


@pytest.mark.parametrize(("message", "subject", "text"), [
    ("Hi. I'd like to send a request to the Ministry of Finance. Subject: Staff bonuses in 2025. "
     "Text: Please send me the bonuses paid to staff in 2025.", "Staff bonuses in 2025",
     "Please send me the bonuses paid to staff in 2025."),
    ("მინდა გავუგზავნო საჯარო ინფორმაციის მოთხოვნა ფინანსთა სამინისტროს. თემა: 2025 წლის პრემიები. "
     "ტექსტი: გთხოვთ, მომაწოდოთ 2025 წელს გაცემული პრემიების ოდენობა.", "2025 წლის პრემიები",
     "გთხოვთ, მომაწოდოთ 2025 წელს გაცემული პრემიების ოდენობა."),
    ("tema: „skolis remonti“\nteksti: skolis saxuravi chamoingra, gtxovt shekete", "skolis remonti",
     "skolis saxuravi chamoingra, gtxovt shekete"),
    ("SUBJECT : Noise at night\nThe bar next door plays music until 4am.", "Noise at night",
     "The bar next door plays music until 4am."),
])
def test_subject_and_text_markers_are_read_as_such(message, subject, text):
    parts = split(message)
    assert (parts.subject, parts.text) == (subject, text)


def test_a_marked_text_is_taken_as_it_is():
    parts = split("Text: Hello, I ask for a copy of my file. Thank you.")
    assert parts.marked and parts.text == "Hello, I ask for a copy of my file. Thank you."


def test_the_word_subject_without_a_colon_is_no_marker():
    assert split("The subject of my letter is the new bridge.").subject == ""


def test_sentences_give_the_text_back():
    text = "One. Two!  Three?\nFour… five 1.5 km"
    assert "".join(sentences(text)) == text
    assert len(sentences(text)) == 5


def test_long_hostile_input_is_read_at_once():
    # Patterns that would make a backtracking regex explode: long runs of spaces, colons, markers.
    for message in ("subject" + " " * 50_000 + "x", "a:" * 30_000, "Text:" * 10_000, "." * 40_000, "hi " * 20_000):
        parts = split(message)
        assert len(parts.text) <= MAX_CHARS


# Wishes and questions that are the matter itself, not a wish to write or a question to the bot.
THE_LETTERS = [
    "მინდა მივიღო ბინადრობის ნებართვა.",
    "minda mivighot binadrobis nebartva.",
    "I'd like to obtain a work permit for my wife.",
    "I would like to get a copy of my file from 2019.",
    "Could I renew my licence before it expires (the card says 14 May 2027)?",
    "როდის შეაკეთებთ ჩვენს ქუჩაზე გზას?",
    "rodis sheaketebt chvens quchaze gzas?",
    "Is it possible to extend my stay while the appeal is pending?",
]


@pytest.mark.parametrize("message", THE_LETTERS)
def test_a_wish_or_question_about_the_matter_is_the_letters(message):
    assert split(message).text == message and not split(message).to_bot


def test_nothing_of_a_message_with_a_bracket_is_lost_and_the_bracket_stays_whole():
    message = ("Good morning. I'd like to apply for a residence permit. Can I still apply, as my visa expires soon "
               "(it ends on 2 April, I think. Maybe earlier)? Thank you.")
    parts = split(message)
    assert "(it ends on 2 April, I think. Maybe earlier)?" in parts.text
    assert parts.text.startswith("I'd like to apply for a residence permit.")
    assert all("(" not in said and ")" not in said for said in parts.to_bot)


# "I already wrote it": said to the bot, never the letter, and flagged so the question is not lost.
ALREADY_SAID = [
    "ეს ყველაფერი ზემოთ დავწერე.",
    "ხო დავწერე უკვე",
    "ukve gitxarit, zemot aris",
    "kho davwere!",
    "I already told you that, it's above.",
    "Please use what I wrote earlier.",
    "everything is in my earlier message, use that",
]


@pytest.mark.parametrize("message", ALREADY_SAID)
def test_pointing_at_what_was_written_is_said_to_the_bot(message):
    parts = split(message)
    assert parts.text == "" and parts.already_said


@pytest.mark.parametrize(("message", "kept"), [
    ("ხომ დავწერე, გუშინ საღამოს, ვაკის პარკთან.", "გუშინ საღამოს, ვაკის პარკთან."),
    ("ukve davwere, gushin dilit, saburtaloze.", "gushin dilit, saburtaloze."),  # never capitalised
    ("As I said before, it was last Friday at the bus station.", "It was last Friday at the bus station."),
])
def test_a_remark_before_an_answer_leaves_the_answer(message, kept):
    parts = split(message)
    assert parts.text == kept and parts.already_said


@pytest.mark.parametrize(("message", "kept"), [
    ("Good morning, I'd like to lodge a complaint since the bus driver insulted my mother.",
     "The bus driver insulted my mother."),
    ("I want to write to the city hall, that the lift in our block has been broken for a month.",
     "The lift in our block has been broken for a month."),
    ("I want to complain because of the noise from the bar next door.",
     "I want to complain because of the noise from the bar next door."),
    ("minda davwero sachivari radgan mezobeli xmaurobs.", "mezobeli xmaurobs."),  # never capitalised
])
def test_a_reason_kept_from_a_wish_reads_as_a_sentence(message, kept):
    assert split(message).text == kept


# A wish that goes on to say the matter: what follows the wish is the letter's, as a sentence of its own.
@pytest.mark.parametrize(("message", "kept"), [
    ("Hello. I would like to request figures on how many teachers left public schools in 2024, by district.",
     "How many teachers left public schools in 2024, by district."),
    ("I'd like to ask for information about the contracts the city hall signed for snow clearing last winter.",
     "The contracts the city hall signed for snow clearing last winter."),
    ("I want to complain to the police that a car has blocked our gate every night this week.",
     "A car has blocked our gate every night this week."),
    ("მინდა მოვითხოვო ინფორმაცია ბოლო ორი წლის განმავლობაში დარგული ხეების რაოდენობის შესახებ.",
     "ბოლო ორი წლის განმავლობაში დარგული ხეების რაოდენობის შესახებ."),
    ("შემოსავლების სამსახურს მინდა მივწერო, ზედმეტად გადახდილი გადასახადი არ დამიბრუნეს",
     "ზედმეტად გადახდილი გადასახადი არ დამიბრუნეს"),
    ("minda movitxovo sajaro informacia skolebshi gaxsnili axali klasebis raodenobaze",
     "skolebshi gaxsnili axali klasebis raodenobaze"),
    ("Saxelmwifo servisebis ganvitarebis saagentos minda mivwero, pasporti sami kviraa ver mivighe",
     "pasporti sami kviraa ver mivighe"),
    # a "that" after a noun of the matter opens no reason: the noun stays
    ("We would like to request the names of the firms that repaired School No. 5 last summer.",
     "The names of the firms that repaired School No. 5 last summer."),
])
def test_a_wish_that_says_the_matter_keeps_the_matter(message, kept):
    parts = split(message)
    assert parts.text == kept


# Only the wish, the kind of writing and the body (and up to two words more): the bot's, whatever the script.
@pytest.mark.parametrize("message", [
    "I'd like to send an information request to the Ministry of Education.",
    "I want to complain to the Revenue Service about a refund.",
    "საქართველოს შინაგან საქმეთა სამინისტროს მინდა მივწერო საჩივარი",
    "minda gavagzavno sachivari shemosavlebis samsaxurshi",
])
def test_a_wish_naming_only_the_writing_and_the_body_is_the_bots(message):
    parts = split(message)
    assert parts.text == "" and parts.to_bot


# "No" with a word calling the bot ("brother", "dear", „შვილო“) answers the bot; what follows is the letter's.
@pytest.mark.parametrize(("message", "kept"), [
    ("No dear, the clinic sent my test results to the wrong address.",
     "The clinic sent my test results to the wrong address."),
    ("არა შვილო, საავადმყოფომ ანალიზის პასუხები სხვა მისამართზე გაგზავნა",
     "საავადმყოფომ ანალიზის პასუხები სხვა მისამართზე გაგზავნა"),
    ("ara dzmao, skolam sabutebi dakarga da axla tavidan mitxoven",
     "skolam sabutebi dakarga da axla tavidan mitxoven"),
    ("არა ძმაო, არ ვიცი, ავტობუსი ნახევარ საათში ერთხელ დადის", "ავტობუსი ნახევარ საათში ერთხელ დადის"),
])
def test_a_no_to_the_bot_opening_the_message_is_left_out(message, kept):
    assert split(message).text == kept
@pytest.mark.parametrize(
    ("answer", "subject"),
    [
        ("მაინტერესებს, რამდენი ბავშვი ჩაირიცხა ქუთაისის საჯარო სკოლებში 2024 წელს, კლასების მიხედვით და სქესის მიხედვითაც",
         "რამდენი ბავშვი ჩაირიცხა ქუთაისის საჯარო სკოლებში 2024 წელს"),
        ("minda vicode ramdeni mosamartle mushaobs batumis saqalaqo sasamartloshi da ramdeni tanamshromeli",
         "Ramdeni mosamartle mushaobs batumis saqalaqo sasamartloshi"),
        ("gtxovt, xelfasi ori tvea ar gadauxdiat qarxnis mushebs da xelmdzghvaneloba aravis pasuxobs",
         "Xelfasi ori tvea ar gadauxdiat qarxnis mushebs"),
        ("I would like to know how many buses the city bought in 2023 for the western districts of Tbilisi",
         "How many buses the city bought in 2023 for the western"),
        ("Please, the canteen at my daughter's school served spoiled milk twice this month. Nobody answered.",
         "The canteen at my daughter's school served spoiled milk"),
    ],
)
def test_a_proposed_subject_is_the_first_clause_short_in_whole_words_without_chat(answer, subject):
    got = subject_from(answer, 60)
    assert got == subject and len(got) <= 60 and "…" not in got


def test_a_subject_from_an_answer_of_one_long_word_or_only_chat_is_still_short():
    assert len(subject_from("ა" * 500, 60)) == 60 and subject_from("მინდა", 60) == "მინდა"
    assert len(subject_from("I want to know " * 2_000, 60)) <= 60


@pytest.mark.parametrize(("message", "kept"), [
    ("complaint. passport office. they lost my application in march", "they lost my application in march"),
    ("განცხადება. იუსტიციის სახლი. ნასამართლობის ცნობა მჭირდება სამსახურისთვის",
     "ნასამართლობის ცნობა მჭირდება სამსახურისთვის"),
    ("chivili. shss. patrulma sabutebi ar damibruna", "patrulma sabutebi ar damibruna"),
    ("Complaint to the Ministry of Justice. My case has waited two years.", "My case has waited two years."),
])
def test_labels_naming_only_the_kind_or_the_body_are_said_to_the_bot(message, kept):
    assert split(message).text == kept
