"""Folding Georgian in every script and spelling, and finding the body a citizen means."""
import pytest

from nlu.agencies import AgencyMatcher
from nlu.directory import Directory
from nlu.normalize import fold, stem, tokens


@pytest.fixture(scope="module")
def matcher() -> AgencyMatcher:
    return AgencyMatcher(Directory.load())


def chosen(matcher: AgencyMatcher, text: str) -> str | None:
    resolution = matcher.resolve(text)
    return resolution.chosen.id if resolution.chosen else None


# --- fold ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        "იუსტიციის",  # Mkhedruli
        "ᲘᲣᲡᲢᲘᲪᲘᲘᲡ",  # Mtavruli capitals
        "iusticiis",  # keyboard layout
        "iustitsiis",  # chat / national romanisation
        "iusTiciis",  # keyboard with a shifted key (T = თ)
        "Iustitsiis",  # a sentence-initial capital
        "IUSTICIIS",  # caps lock
    ],
)
def test_every_spelling_of_a_word_meets(spelling):
    assert fold(spelling) == "iustitsiis"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("საქართველო", "sakartvelo"),
        ("Sakartvelo", "sakartvelo"),  # a capital at the start is just a capital
        ("saqarTvelo", "sakartvelo"),  # keyboard: q = ქ, T = თ
        ("sak'art'velo", "sakartvelo"),  # national romanisation, ejective marks dropped
        ("Sakarthvelo", "sakartvelo"),  # the older "th" for თ
        ("xelSekruleba", "khelshekruleba"),  # keyboard x = ხ, S = შ inside a word
        ("khelshekruleba", "khelshekruleba"),  # chat kh, sh
        ("ხელშეკრულება", "khelshekruleba"),
        ("ღვინო", "ghvino"),
        ("Rvino", "rvino"),  # an initial capital is not read as the shifted key
        ("aRsruleba", "aghsruleba"),  # R = ღ inside a word
        ("წყალი", "tskali"),
        ("wyali", "tskali"),  # w = წ, y = ყ
        ("ts'q'ali", "tskali"),  # national: ts' = წ, q' = ყ
        ("ჭადრაკი", "chadraki"),
        ("Wadraki", "wadraki".replace("w", "ts")),  # initial W stays a plain w
        ("ჟურნალი", "jurnali"),  # ჟ joins ჯ: without Shift, "sabajo" is საბაჟო
        ("zhurnali", "jurnali"),  # chat and national zh
        ("Jurnali", "jurnali"),  # an initial J stays j
        ("ძმა", "dzma"),
        ("ჰიმნი", "himni"),
    ],
)
def test_fold_maps_scripts_and_romanisations_to_one_skeleton(text, folded):
    assert fold(text) == folded


def test_fold_cleans_punctuation_space_repeats_and_compatibility_forms():
    assert fold("  Გამარჯობა!!!   როგორ ხარ?? ") == "gamarjoba rogor khar"
    assert fold("gamarjobaaaa") == "gamarjoba"
    assert fold("ძალიააან 1000 ლარი") == "dzalian 1000 lari"  # letters collapse, numbers do not
    assert fold("„საჯარო რეესტრი“ — NAPR.") == "sajaro reestri napr"
    assert fold("ＭＩＡ") == "mia"  # full-width letters (NFKC)
    assert fold("შსს-ში") == "shss shi"
    assert fold("MIA, PSH, NAPR, MoJ") == "mia psh napr moj"  # abbreviations keep their letters
    assert fold("") == ""
    assert tokens("იუსტიციის სახლი") == ["iustitsiis", "sakhli"]


def test_stem_strips_case_endings_and_postpositions_to_one_stem():
    forms = ["სამინისტრო", "სამინისტროს", "სამინისტროში", "სამინისტროსთვის", "სამინისტროდან",
             "სამინისტროზე", "სამინისტროსკენ", "სამინისტრომ", "სამინისტროთი", "სამინისტროსთან",
             "სამინისტროსათვის", "სამინისტროსგან", "სამინისტრომდე", "სამინისტროდ"]
    assert {stem(fold(f)) for f in forms} == {"saministro"}
    assert {stem(fold(f)) for f in ["სახლი", "სახლის", "სახლში", "სახლიდან", "სახლით", "სახლისთვის"]} == {"sakhl"}
    assert {stem(fold(f)) for f in ["განათლება", "განათლების", "განათლებისა"]} == {"ganatl"}
    assert {stem(fold(f)) for f in ["შემოსავლები", "შემოსავლების", "შემოსავლებში"]} == {"shemosavl"}


@pytest.mark.parametrize(
    "forms",
    [
        ["საჩივარი", "საჩივრის", "საჩივრები", "საჩივრით", "sachivari", "sachivris"],  # syncope: -არ- / -რ-
        ["თანამშრომელი", "თანამშრომლების", "tanamshromlebi"],  # -ელ- / -ლ-
        ["ბიუჯეტი", "ბიუჯეტის", "ბიუჯეტში", "biujeti"],  # -ტი is no instrumental ending
        ["განცხადება", "განცხადებას", "განცხადებაზე", "განცხადების", "gancxadebas"],  # a-stem vowel kept before -ს
        ["საქმე", "საქმეში", "საქმის"],  # e-stem
        ["ელფოსტაზე", "ელფოსტით"],
    ],
)
def test_stem_joins_the_case_forms_of_one_word(forms):
    assert len({stem(fold(f)) for f in forms}) == 1


def test_stem_keeps_apart_words_that_syncope_would_merge():
    assert stem(fold("სახელი")) != stem(fold("სახლი"))  # name, house


def test_stem_never_cuts_a_word_below_three_letters():
    assert stem("mia") == "mia"
    assert stem("rs") == "rs"
    assert stem("ის") == "ის"
    assert stem("modi") == "modi"  # a bare vowel comes off only longer words
    assert len(stem(fold("ზეზე"))) >= 3


# --- the matcher: the required cases ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "agency_id"),
    [
        ("iusticiis saministro", "moj"),
        ("შსს", "mia"),
        ("MIA", "mia"),
        ("PSH", "psh"),
        ("იუსტიციის სახლი", "psh"),
        ("Ministry of Finance", "mof"),
        ("finansta saministro", "mof"),
        ("შემოსავლების სამსახურში", "rs"),
        ("ganatlebis saministro", "mes"),
        ("sajaro reestri", "napr"),
        ("NAPR", "napr"),
        ("RS", "rs"),
    ],
)
def test_required_cases_choose_the_body(matcher, text, agency_id):
    assert chosen(matcher, text) == agency_id


def test_ministry_alone_is_ambiguous(matcher):
    for text in ("ministry", "სამინისტრო", "Ministry", "saministro"):
        resolution = matcher.resolve(text)
        assert resolution.chosen is None
        assert len(resolution.candidates) >= 3
        assert all(m.agency.category == "ministry" for m in resolution.candidates)


@pytest.mark.parametrize("text", ["hello how are you", "ამინდი", "gamarjoba", "", "   ", "!!!", "tbilisi"])
def test_unrelated_text_chooses_nothing(matcher, text):
    resolution = matcher.resolve(text)
    assert resolution.chosen is None
    assert resolution.candidates == []


# --- the matcher: more spellings and forms ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "agency_id"),
    [
        ("ᲘᲣᲡᲢᲘᲪᲘᲘᲡ ᲡᲐᲛᲘᲜᲘᲡᲢᲠᲝ", "moj"),  # Mtavruli
        ("sak'art'velos iust'itsiis saminist'ro", "moj"),  # national romanisation
        ("iusTiciis saministro", "moj"),  # keyboard with a shifted key
        ("იუსტიციის სამინისტროსთვის", "moj"),
        ("iusticis saminstro", "moj"),  # two typos
        ("ministry of justice", "moj"),
        ("I want to write to the Ministry of Justice", "moj"),
        ("iusticiis saxli", "psh"),
        ("iustitsiis sakhli", "psh"),
        ("Public Service Hall", "psh"),
        ("house of justice", "psh"),
        ("Sinagan saqmeTa saministro", "mia"),
        ("shinagan sakmeta saministro", "mia"),
        ("შსს-ში", "mia"),
        ("mia", "mia"),
        ("შსს მომსახურების სააგენტო", "mia_sa"),
        ("MIA Service Agency", "mia_sa"),
        ("RS-ში", "rs"),
        ("Revenue Service", "rs"),
        ("shemosavlebis samsaxuri", "rs"),
        ("საბაჟო", "rs"),
        ("NAPR-ის", "napr"),
        ("საჯარო რეესტრში", "napr"),
        ("public registry", "napr"),
        ("ფინანსთა", "mof"),
        ("ministri of finanse", "mof"),
        ("ფინანსთა სამინისტროს საგამოძიებო სამსახური", "mof_is"),
        ("განათლების", "mes"),
        ("Ministry of Education", "mes"),
        ("jandacvis saministro", "moh"),
        ("ministry of health", "moh"),
        ("ministry of sport", "mos"),
        ("ministry of culture", "moc"),
        ("შეფასებისა და გამოცდების ეროვნული ცენტრი", "naec"),
        ("Data Exchange Agency", "dga"),
        ("მონაცემთა გაცვლის სააგენტო", "dga"),
        ("State Services Development Agency", "sda"),
        ("Geostat", "geostat"),
        ("საქსტატი", "geostat"),
        ("ცესკო", "cec"),
        ("112", "e112"),
        ("saxalxo damcveli", "pdo"),
        ("crime prevention centre", "probation"),
        ("gzebis departamenti", "roads"),
        ("shromis inspeqcia", "lio"),
        ("mtavrobis administracia", "gov"),
    ],
)
def test_more_spellings_choose_the_body(matcher, text, agency_id):
    assert chosen(matcher, text) == agency_id


def test_a_short_abbreviation_matches_only_exactly(matcher):
    # "NAP", "MI" and "R" are near abbreviations and inside long names, but are none of them.
    for text in ("NAP", "MI", "R", "PS", "MIAA"):
        assert matcher.match(text) == [], text
    # An abbreviation never pulls in bodies whose long names merely contain its letters.
    assert [m.agency.id for m in matcher.match("RS")] == ["rs"]
    assert [m.agency.id for m in matcher.match("PSH")] == ["psh"]


def test_generic_words_alone_never_decide(matcher):
    for text in ("agency", "სააგენტო", "national agency", "ეროვნული სააგენტო", "service", "LEPL", "სსიპ", "of Georgia"):
        assert matcher.resolve(text).chosen is None, text


def test_a_shared_word_gives_candidates_not_a_choice(matcher):
    resolution = matcher.resolve("sajaro")  # "public": the registry, the service hall, the civil service bureau
    assert resolution.chosen is None
    assert {"napr", "csb"} <= {m.agency.id for m in resolution.candidates}
    justice = matcher.resolve("justice")  # the ministry or its service hall
    assert justice.chosen is None
    assert {m.agency.id for m in justice.candidates} == {"moj", "psh"}


def test_match_returns_the_best_score_per_body_best_first(matcher):
    matches = matcher.match("iusticiis saministro", limit=5)
    assert matches[0].agency.id == "moj" and matches[0].score == 100
    ids = [m.agency.id for m in matches]
    assert len(ids) == len(set(ids))
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    assert all(0 <= m.score <= 100 for m in matches)
    assert len(matcher.match("ministry", limit=3)) == 3


def test_a_long_letter_is_searched_from_its_beginning(matcher):
    letter = "შემოსავლების სამსახურს. " + "ჩემი განცხადება დაიკარგა და პასუხი არ მიმიღია. " * 200
    assert matcher.match(letter)[0].agency.id == "rs"
    assert matcher.match("ჩემი განცხადება დაიკარგა. " * 100 + "შემოსავლების სამსახური") == []
