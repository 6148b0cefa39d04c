"""Understanding text: the trained models, entities, the data they come from, and the CLI."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from nlu import corpus
from nlu.agencies import AgencyMatcher
from nlu.directory import Directory
from nlu.evaluate import evaluate
from nlu.model import Models
from nlu.normalize import fold
from nlu.understanding import INTENTS, Understander
from tests.support import KAVSHIRI


@pytest.fixture(scope="module")
def nlu() -> Understander:
    return Understander(AgencyMatcher(Directory.load()), Models.load())


@pytest.mark.parametrize(
    ("text", "intent", "lang", "script", "agency", "request_type"),
    [
        ("minda chivili davwero shss-ze", "submit_request", "ka", "latin", "mia", "complaint"),
        ("სად ვნახო ფინანსთა სამინისტროს ხელფასები?", "ask_published_info", "ka", "geo", "mof", None),
        ("my complaint to MIA, number 0451223, any news?", "check_status", "en", "latin", "mia", "complaint"),
        ("ᲒᲐᲛᲐᲠᲯᲝᲑᲐ", "greet", "ka", "geo", None, None),  # Mtavruli capitals
        ("Gamarjoba", "greet", "ka", "latin", None, None),  # a sentence-initial capital
        ("saqarTvelos iusticiis saministros werili minda mivwero", "submit_request", "ka", "latin", "moj", "letter"),
        ("how long do they have to answer me?", "ask_procedure", "en", "latin", None, None),
        ("what's the weather like in Batumi", "out_of_scope", "en", "latin", None, None),
    ],
)
def test_the_issues_examples_and_every_script(nlu, text, intent, lang, script, agency, request_type):
    got = nlu.parse(text)
    assert (got.intent, got.lang, got.script) == (intent, lang, script)
    assert (got.entities["agency"].id if got.entities["agency"] else None) == agency
    assert got.entities["request_type"] == request_type
    assert got.ranking[0] == (got.intent, got.confidence) or got.entities["reg_number"]


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("salaries and bonuses at the ministry of justice", "5.3"),
        ("shss-shi vakansiebi aris?", "3.1"),
        ("ფინანსთა სამინისტროს შესყიდვების გეგმა", "4.1"),
        ("who is the public information officer of the revenue service", "2.1"),
        ("კულტურის სამინისტროს ტელეფონის ნომერი და მისამართი", "1.6"),
    ],
)
def test_annex_topics(nlu, text, topic):
    got = nlu.parse(text)
    assert (got.intent, got.entities["topic"]) == ("ask_published_info", topic)


def test_registration_number_channel_and_asked_language(nlu):
    got = nlu.parse("status of E-2026-0000042 please")
    assert (got.intent, got.entities["reg_number"]) == ("check_status", "E-2026-0000042")
    assert nlu.parse("notify me by sms when they answer").entities["channel"] == "sms"
    assert nlu.parse("shetyobinebebi telegramshi gamomigzavne").entities["channel"] == "telegram"
    switch = nlu.parse("ინგლისურად მელაპარაკე")
    assert (switch.intent, switch.entities["lang"], switch.lang) == ("change_language", "en", "ka")


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("status of e2026-0000042?", "E-2026-0000042"),
        ("E 2026 0000042", "E-2026-0000042"),
        ("E/2026/0000042 ra xdeba", "E-2026-0000042"),
        ("N0451223 statusi", "0451223"),
        ("ნომერი0451223", "0451223"),
        ("in 2026 1234567 people wrote", "E-2026-1234567"),  # "in" is a word, not a prefix
        ("tbilisi 0179", None),
    ],
)
def test_registration_numbers_as_people_type_them(nlu, text, number):
    got = nlu.parse(text)
    assert got.entities["reg_number"] == number
    assert number is None or got.intent == "check_status"


@pytest.mark.parametrize(
    ("text", "request_type"),
    [
        ("საჩივრის გაგზავნა მინდა იუსტიციის სამინისტროში", "complaint"),  # genitive, with syncope
        ("sachivrit minda mivmarto", "complaint"),  # instrumental
        ("ჩემს განცხადებას უპასუხეს?", "application"),  # dative of an a-stem
        ("where is the complaint form of the revenue service", None),  # the Annex item's name
        ("i want to send a complant to the MIA", "complaint"),  # typos
        ("I want to submit an aplication", "application"),
        ("საჩვარი მინდა", "complaint"),
        ("წერილობით უნდა მიპასუხონ?", None),  # "in writing": another word, not a typo of წერილი
        ("see you later", None),
    ],
)
def test_request_types_in_any_case(nlu, text, request_type):
    assert nlu.parse(text).entities["request_type"] == request_type


@pytest.mark.parametrize(
    ("text", "intent", "agency", "topic"),
    [
        ("Ministry of Health contacts", "ask_published_info", "moh", "1.6"),
        ("Revenue Service", "submit_request", "rs", None),
        ("ფინანსთა სამინისტროს ბიუჯეტი", "ask_published_info", "mof", "5.1"),
        ("ფინანსთა სამინისტროს ბიუჯეტის შესრულება", "ask_published_info", "mof", "5.2"),
        ("who is the health minister", "ask_published_info", "moh", "1.5"),
    ],
)
def test_a_body_and_an_annex_item_without_a_verb(nlu, text, intent, agency, topic):
    got = nlu.parse(text)
    assert (got.intent, got.entities["agency"] and got.entities["agency"].id, got.entities["topic"]) == (
        intent, agency, topic)


def test_the_named_body_is_masked_whole_and_a_topic_word_next_to_it_kept(nlu):
    read = nlu.masker.read
    assert read(fold("i want to write to the Ministry of Justice").split())[0].endswith("te @body")
    assert read(fold("services of the Public Service Hall").split())[0].startswith("servitses")
    assert read(fold("შსს-ში საჩივარი").split())[0] == "@body sachivari"
    assert read(fold("what is the weather in Batumi").split())[0] == fold("what is the weather in Batumi")


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01", "🙂🙂🙂", "<script>alert(1)</script>", "ж" * 50_000,
                                  "წერილი " * 10_000, "12345"])
def test_bad_input_gets_an_answer_not_an_error(nlu, text):
    got = nlu.parse(text)
    assert got.intent in INTENTS and 0.0 <= got.confidence <= 1.0 and got.lang in ("ka", "en")


def test_a_known_language_decides_an_ambiguous_latin_message(nlu):
    assert nlu.parse("ok", "ka").lang == "ka" and nlu.parse("ok", "en").lang == "en"


def test_the_committed_artifact_was_trained_on_the_committed_data():
    assert Models.load().data_hash == corpus.data_hash(), "training data changed: run `kavshiri nlu train`"


def test_training_is_deterministic_and_reproduces_the_artifact(tmp_path: Path, nlu):
    from nlu.train import train

    train(out=tmp_path / "model.npz")
    again = Understander(nlu.matcher, Models.load(tmp_path / "model.npz"))
    texts = [e.text for e in corpus.load_dev()]
    assert [again.parse(t).intent for t in texts] == [nlu.parse(t).intent for t in texts]
    assert [again.parse(t).entities["topic"] for t in texts] == [nlu.parse(t).entities["topic"] for t in texts]


@pytest.mark.parametrize("load", [corpus.load_dev, corpus.load_test], ids=["dev", "test"])
def test_the_evaluation_sets_are_never_trained_on(load):
    trained = {fold(e.text) for e in [*corpus.load_examples(), *corpus.body_phrases()]}
    examples = load()
    assert len(examples) >= 150 and not [e.text for e in examples if fold(e.text) in trained]
    assert {e.intent for e in examples} == set(INTENTS) and {e.source for e in examples} == set(corpus.SOURCES)
    assert min(sum(e.source == s for e in examples) for s in corpus.SOURCES) >= 50


def test_the_development_and_test_sets_do_not_overlap():
    assert not {fold(e.text) for e in corpus.load_dev()} & {fold(e.text) for e in corpus.load_test()}


def test_development_set_accuracy_stays_where_it_was_measured(nlu):
    report = evaluate(nlu, corpus.load_dev())
    fields = report.fields
    assert fields["intent"]["all"].accuracy >= 0.95, "\n".join(report.errors)
    assert min(fields["intent"][s].accuracy for s in corpus.SOURCES) >= 0.94
    assert fields["agency"]["all"].accuracy >= 0.98 and fields["topic"]["all"].accuracy >= 0.97
    assert fields["request_type"]["all"].accuracy >= 0.98 and fields["channel"]["all"].accuracy >= 0.98
    assert fields["reg_number"]["all"].accuracy == 1.0 and fields["lang"]["all"].accuracy >= 0.97


def test_a_topic_mark_that_no_synonym_knows_is_refused(tmp_path: Path):
    for source in corpus.SOURCES:
        (tmp_path / f"{source}.yml").write_text('version: "3.1"\nnlu: []\n')
    (tmp_path / "en.yml").write_text('version: "3.1"\nnlu:\n- intent: ask_published_info\n'
                                     '  examples: |\n    - where are the [moon rocks](topic)\n')
    with pytest.raises(ValueError, match="moon rocks"):
        corpus.load_examples(tmp_path, corpus.load_entities())


def test_parse_command_writes_the_documented_json_lines():
    lines = "minda chivili davwero shss-ze\nსად ვნახო ფინანსთა სამინისტროს ხელფასები?\n\n"
    done = subprocess.run([KAVSHIRI, "nlu", "parse", "--json"], input=lines, capture_output=True,
                          text=True, timeout=60, check=True)
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(rows) == 3
    assert set(rows[0]) == {"text", "lang", "script", "intent", "confidence", "entities"}
    assert set(rows[0]["entities"]) == {"agency", "request_type", "topic", "reg_number", "channel", "lang"}
    assert set(rows[0]["entities"]["agency"]) == {"id", "name_en", "name_ka", "score"}
    assert (rows[0]["intent"], rows[0]["entities"]["agency"]["id"]) == ("submit_request", "mia")
    assert (rows[1]["entities"]["topic"], rows[1]["script"]) == ("5.3", "geo")
    assert rows[2]["entities"]["agency"] is None


def test_export_rasa_writes_data_a_rasa_server_trains_on(tmp_path: Path):
    subprocess.run([KAVSHIRI, "nlu", "export-rasa", str(tmp_path)], capture_output=True, timeout=60, check=True)
    domain = yaml.safe_load((tmp_path / "domain.yml").read_text())
    assert domain["intents"] == list(INTENTS) and "agency" in domain["entities"]
    intents = set()
    for path in (tmp_path / "data").glob("*.yml"):
        document = yaml.safe_load(path.read_text())
        assert str(document["version"]) == "3.1"
        assert all("metadata" not in item for item in document["nlu"] if "synonym" in item)
        intents |= {item["intent"] for item in document["nlu"] if "intent" in item}
    assert intents == set(INTENTS)
    synonyms = yaml.safe_load((tmp_path / "data" / "entities.yml").read_text())["nlu"]
    mia = next(item for item in synonyms if item.get("synonym") == "mia")
    assert "შსს" in mia["examples"]
    assert yaml.safe_load((tmp_path / "config.yml").read_text())["pipeline"]


def test_bench_and_eval_commands_print_their_figures():
    bench = subprocess.run([KAVSHIRI, "nlu", "bench", "--rounds", "1"], capture_output=True, text=True,
                           timeout=120, check=True)
    figures = json.loads(bench.stdout)
    assert {"parses_per_s", "p50_ms", "p99_ms", "load_s", "max_rss_mb"} <= set(figures)
    assert figures["parses"] == figures["texts"] >= 250
    report = subprocess.run([KAVSHIRI, "nlu", "eval"], capture_output=True, text=True, timeout=120, check=True)
    assert "ka_latin" in report.stdout and "topic" in report.stdout


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("thanks", "thanks"), ("thank you so much, that helped", "thanks"),
        ("მადლობა", "thanks"), ("დიდი მადლობა დახმარებისთვის", "thanks"),
        ("madloba", "thanks"), ("didi madloba", "thanks"),
        ("bye", "goodbye"), ("ok, goodbye", "goodbye"),
        ("ნახვამდის", "goodbye"), ("კარგად იყავით", "goodbye"),
        ("naxvamdis", "goodbye"), ("nakhvamdis, kargad", "goodbye"),
        ("hello", "greet"), ("გამარჯობა", "greet"), ("gamarjoba", "greet"),
        ("no thank you", "deny"), ("არა, მადლობა", "deny"), ("ara, madloba", "deny"),
    ],
)
def test_thanks_and_goodbye_are_neither_a_greeting_nor_a_no(nlu, text, intent):
    assert nlu.parse(text).intent == intent


@pytest.mark.parametrize(
    "text",
    [
        "whom do I write to about my pension?",
        "which agency handles driving licences",
        "where do I complain about a speeding fine",
        "ვის მივწერო პენსიის შესახებ?",
        "სად მივმართო მართვის მოწმობის გამო",
        "რომელი უწყება განიხილავს ჯარიმებს?",
        "vis mivmarto pensiis gamo?",
        "sad vuchivlo jarimaze",
        "romeli uwyeba ganixilavs martvis mowmobebs",
    ],
)
def test_asking_which_body_handles_a_matter_names_no_body(nlu, text):
    got = nlu.parse(text)
    assert (got.intent, got.entities["agency"]) == ("find_body", None)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Civili minda davwero SSS-ze", "chivili minda davtsero shss ze"),  # shifted keys: ჩივილი, შსს
        ("Cemi saCivari", "chemi sachivari"),
        ("ShSS-shi", "shss shi"),  # "Sh" is already შ
        ("Sakartvelo", "sakartvelo"),  # a capital that starts a sentence
        ("Minda werili", "minda tserili"),
        ("Rogor gavagzavno", "rogor gavagzavno"),
        ("RS MIA SSG", "rs mia ssg"),  # abbreviations stay
        ("Thanks, Can you help", "tanks tsan kou help"),  # English stays English
        ("iusTiciis saministro", "iustitsiis saministro"),  # a shifted key inside a word, as before
        ("sacivari minda sss-ze", "sachivari minda shss ze"),  # Shift forgotten: საჩივარი, შსს
        ("cemi saqme", "chemi sakme"),
        ("wesdeba, sad, the weird house", "tsesdeba sad te tseird house"),  # წესდება; no Georgian word
    ],
)
def test_keyboard_shift_capitals_read_as_georgian_letters_where_that_makes_a_word(text, folded):
    assert fold(text) == folded


def test_keyboard_shift_capitals_reach_the_understanding(nlu):
    got = nlu.parse("gamarjobat, minda Civili davwero SSS-ze")
    assert (got.intent, got.entities["request_type"], got.entities["agency"].id) == ("submit_request", "complaint", "mia")
    assert nlu.parse("ShSS-shi Civili minda").entities["agency"].id == "mia"
    assert nlu.parse("შსს-ში ჩივილი მინდა").entities["agency"].id == "mia"


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("send it", "submit"), ("Send", "submit"), ("გააგზავნე", "submit"), ("გაგზავნეთ", "submit"),
        ("gaagzavne", "submit"), ("gagzavnet", "submit"),
        ("english", "lang_en"), ("ინგლისურად", "lang_en"), ("inglisurad", "lang_en"),
        ("continue in Georgian", "lang_ka"), ("ქართულად", "lang_ka"), ("qartulad", "lang_ka"),
        ("language", "change_language"), ("ენა", "change_language"), ("ena", "change_language"),
    ],
)
def test_send_it_and_going_on_in_a_language_are_commands(nlu, text, command):
    assert nlu.command(text) == command


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("can we continue in georgian please", "ka"),
        ("let's carry on in English", "en"),
        ("ქართულად გავაგრძელოთ, თუ შეიძლება", "ka"),
        ("ინგლისურად გადავიდეთ", "en"),
        ("qartulad gavagrdzelot, tu sheidzleba", "ka"),
        ("inglisurad gadavidet", "en"),
    ],
)
def test_going_on_in_a_language_is_a_sure_switch(nlu, text, lang):
    got = nlu.parse(text)
    assert (got.intent, got.entities["lang"]) == ("change_language", lang) and got.confidence >= 0.6


@pytest.mark.parametrize(
    "text",
    ["2026-0000004", "ე-2026-0000004", "E–2026–0000004", "e 2026 0000004", "Е-2026-0000004",  # Cyrillic Е
     "E—2026—0000004", "ნომერი ე2026-0000004", "statusi e‑2026‑0000004"],
)
def test_registration_numbers_typed_loosely_are_found(nlu, text):
    got = nlu.parse(text)
    assert (got.intent, got.entities["reg_number"]) == ("check_status", "E-2026-0000004")


@pytest.mark.parametrize(
    "text",
    ["2026 0000006", "ra xdeba 2026 0000006-ze?", "მოთხოვნა 2026 - 0000006", "2026 /0000006 status", "2026–0000006",
     "E 2026 - 0000006", "ე2026 0000006", "Е 2026 0000006", "e-2026 0000006"],
)
def test_a_year_and_number_read_as_one_registration_number_however_joined(nlu, text):
    assert nlu.parse(text).entities["reg_number"] == "E-2026-0000006"


def test_a_spaced_year_and_number_search_stays_linear():
    from nlu.understanding import reg_number

    assert reg_number("2026 " * 800 + "1") is None and reg_number("2026 -" * 700) is None


@pytest.mark.parametrize(
    "text", ["2026-2027 budget of the ministry", "the 2026 budget", "2026 - a hard year", "in 2026 12000 fines were written"],
)
def test_a_year_is_not_a_registration_number(nlu, text):
    assert nlu.parse(text).entities["reg_number"] is None


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("საცივარი", "საჩივარი"),  # a rare word of the lexicon, a letter away from a word of ours
        ("ვაკანსიბი", "ვაკანსიები"),  # not a word at all
        ("სამინისტორში", "სამინისტროში"),  # two letters swapped
        ("ხელფასბი", "ხელფასბი"),  # ხელფასი or ხელფასები: a tie is left alone
        ("შსს", "შსს"),  # too short to correct
    ],
)
def test_georgian_script_typos_are_corrected_with_the_lexicon(typed, meant):
    assert fold(typed) == fold(meant)


def test_a_corrected_typo_reaches_the_understanding(nlu):
    got = nlu.parse("საცივარი მინდა დავწერო შსს-ში")
    assert (got.intent, got.entities["request_type"], got.entities["agency"].id) == ("submit_request", "complaint", "mia")
    assert nlu.parse("შსს-ს ვაკანსიბი სად ვნახო?").entities["topic"] == "3.1"


@pytest.mark.parametrize("text", ["my personal number is 01001012345", "ჩემი პირადი ნომერია 01001012345",
                                  "piradi nomeri 01001012345", "01001012345"])
def test_a_personal_number_is_not_a_reference_number(nlu, text):
    assert nlu.parse(text, None).entities.get("reg_number") is None
