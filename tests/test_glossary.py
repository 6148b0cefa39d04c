"""One term per concept: the banned variants listed in locales/GLOSSARY.md appear in no catalog
message, the bot's name is always quoted in Georgian, and no date is written the US way."""
import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from connectors.i18n import Catalog

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "locales" / "GLOSSARY.md"
COLUMN = {"ka": 3, "en": 4}  # the "Not in Georgian" and "Not in English" columns
# The bot's name unquoted, as a word of its own; „ინტერნეტთან კავშირი“ is the ordinary word.
BARE_NAME = re.compile(r"(?<![„\w])კავშირ\w*")
ORDINARY = "ინტერნეტთან კავშირი"
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
US_DATE = re.compile(rf"\b({MONTHS}) \d{{1,2}}\b")


PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def messages(lang: str) -> dict[str, str]:
    """Each message's words; placeholders ({bodies}) are names in code, not words a citizen reads."""
    with (ROOT / "locales" / lang / "LC_MESSAGES" / "kavshiri.po").open("rb") as fh:
        return {m.id: PLACEHOLDER.sub(" ", m.string) for m in read_po(fh) if m.id}


def banned(lang: str) -> list[str]:
    rows = [line.split("|")[1:-1] for line in GLOSSARY.read_text("utf-8").splitlines() if line.startswith("| ")]
    cells = [row[COLUMN[lang]] for row in rows[1:]]  # the first row is the header
    return [term.strip() for cell in cells for term in cell.split(",") if term.strip()]


def starts_a_word(term: str) -> re.Pattern:
    return re.compile(r"(?<!\w)" + re.escape(term), re.IGNORECASE)


def test_the_glossary_bans_something_in_both_languages():
    assert "უწყებ" in banned("ka") and "addressee" in banned("en") and "term" in banned("en")


@pytest.mark.parametrize("lang", ["ka", "en"])
def test_no_message_uses_a_banned_variant(lang):
    found = {(key, term) for key, text in messages(lang).items() for term in banned(lang)
             if starts_a_word(term).search(text)}
    assert found == set()


def test_the_detector_would_catch_a_banned_variant():
    assert starts_a_word("უწყებ").search("რომელ უწყებას სწერთ?")
    assert starts_a_word("term").search("The term starts")
    assert not starts_a_word("term").search("determined")
    assert BARE_NAME.search("კავშირი აღარ მოგწერთ") and not BARE_NAME.search("„კავშირი“ აღარ მოგწერთ")
    assert not BARE_NAME.search("ოპერატორი დაგიკავშირდებათ")


def test_the_bots_name_is_always_quoted_in_georgian():
    bare = {key for key, text in messages("ka").items() if BARE_NAME.search(text.replace(ORDINARY, ""))}
    assert bare == set()


def test_no_date_is_written_the_us_way():
    catalog = Catalog(ROOT / "locales")
    day = date(2026, 12, 14)
    for key, text in messages("en").items():
        assert not US_DATE.search(text), key
        names = set(re.findall(r"\{([a-z_]+)", text))
        if dates := names & {"deadline", "due", "registered", "updated", "date"}:
            rendered = catalog.text("en", key, {n: day if n in dates else "x" for n in names})
            assert "14 December 2026" in rendered and not US_DATE.search(rendered), key
