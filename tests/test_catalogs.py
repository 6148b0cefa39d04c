"""Every sentence a citizen sees exists in both catalogs, with the same placeholders,
and the Georgian catalog has no English in it."""
import re
from pathlib import Path
from string import Formatter

import pytest
from babel.messages.pofile import read_po

from connectors.i18n import Catalog, MissingMessage

ROOT = Path(__file__).resolve().parents[1]
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
PLACEHOLDER = re.compile(r"\{[a-z_]+(?::[a-z_]+)?\}")  # a date names its case: {deadline:gen}
# Latin that belongs in Georgian text: the portal's name, SMS (the word Georgians use), a language's own name,
# and Roman numerals of the Code's chapters.
ALLOWED_LATIN = {"MY", "GOV", "GE", "SMS", "SHA", "PDF", "English", "XIII"}


def messages(lang: str) -> dict[str, str]:
    with (ROOT / "locales" / lang / "LC_MESSAGES" / "kavshiri.po").open("rb") as fh:
        return {m.id: m.string for m in read_po(fh) if m.id}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def test_both_catalogs_have_the_same_ids_and_no_empty_translation():
    en, ka = messages("en"), messages("ka")
    assert set(en) == set(ka)
    assert not [k for k, v in {**en, **ka}.items() if not v.strip()]


def test_placeholders_match_across_languages():
    en, ka = messages("en"), messages("ka")
    assert {k: placeholders(v) for k, v in en.items()} == {k: placeholders(v) for k, v in ka.items()}


def test_georgian_catalog_has_no_english():
    leaks = {
        key: words
        for key, text in messages("ka").items()
        if (words := set(LATIN_WORD.findall(PLACEHOLDER.sub(" ", text))) - ALLOWED_LATIN)
    }
    assert leaks == {}


def test_every_literal_key_in_the_code_exists():
    source = "\n".join(p.read_text() for p in (ROOT / "bot").rglob("*.py"))
    keys = set(re.findall(r'(?:Reply|Text)\(\s*"([a-z_]+\.?[a-z_.]*)"', source))
    keys |= {f"choice.{cid.replace(':', '_')}" for cid in re.findall(r'choice\("([a-z_:]+)"\)', source)}
    missing = keys - set(messages("ka"))
    assert keys and not missing


def test_missing_message_is_an_error_not_a_silent_fallback():
    catalog = Catalog(ROOT / "locales")
    with pytest.raises(MissingMessage):
        catalog.text("ka", "no.such.message")
