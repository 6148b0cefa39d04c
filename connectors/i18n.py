"""Render engine replies in the citizen's language from the gettext catalogs in locales/.

The .po files are compiled in memory with Babel at start-up, so no stale .mo can exist.
A date placeholder names its grammatical case, which Georgian needs and English ignores:
`{deadline}` (nominative), `{deadline:gen}`, `{deadline:dat}`, `{deadline:gen_full}`.
"""
from __future__ import annotations

import io
import string
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from babel.units import format_unit

from bot.messages import Localized, Reply, Size, Text

LANGS = ("ka", "en")
DOMAIN = "kavshiri"
TBILISI = ZoneInfo("Asia/Tbilisi")


class MissingMessage(KeyError):
    pass


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str
    choices: tuple[tuple[str, str], ...]  # (id, label)
    event: dict[str, Any] | None


class Catalog:
    def __init__(self, locales_dir: Path) -> None:
        self.translations: dict[str, Translations] = {}
        self.keys: dict[str, set[str]] = {}
        for lang in LANGS:
            with (locales_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as fh:
                po = read_po(fh, locale=lang)
            buffer = io.BytesIO()
            write_mo(buffer, po)
            buffer.seek(0)
            self.translations[lang] = Translations(buffer, domain=DOMAIN)
            self.keys[lang] = {m.id for m in po if m.id and m.string}

    def text(self, lang: str, key: str, params: dict[str, Any] | None = None) -> str:
        if key not in self.keys[lang]:
            raise MissingMessage(f"{lang}: {key}")
        template = self.translations[lang].gettext(key)
        return _Formatter(self, lang).vformat(template, (), params) if params else template

    def value(self, lang: str, value: Any) -> str:
        if isinstance(value, Text):
            return self.text(lang, value.key, value.params)
        if isinstance(value, Localized):
            return value.pick(lang)
        if isinstance(value, Size):
            return size_text(value.bytes, lang)
        if isinstance(value, date):
            return date_text(value, lang)
        if isinstance(value, (list, tuple)):
            return "\n".join(self.value(lang, v) for v in value)
        return str(value)

    def render(self, lang: str, reply: Reply) -> Rendered:
        choices = tuple((c.id, self.value(lang, c.label)) for c in reply.choices)
        return Rendered(self.text(lang, reply.key, reply.params), choices, reply.event)


class _Formatter(string.Formatter):
    """Fills a template's placeholders; a date's format spec is its case."""

    def __init__(self, catalog: Catalog, lang: str) -> None:
        self.catalog, self.lang = catalog, lang

    def format_field(self, value: Any, spec: str) -> str:
        if isinstance(value, date):
            return date_text(value, self.lang, spec or "nom")
        return format(self.catalog.value(self.lang, value), spec)


# Georgian month names by case: nominative, genitive, dative. The genitive drops the stem's
# last vowel where Georgian does (syncope: დეკემბერი → დეკემბრის, იანვარი → იანვრის).
MONTHS_KA = (
    ("იანვარი", "იანვრის", "იანვარს"),
    ("თებერვალი", "თებერვლის", "თებერვალს"),
    ("მარტი", "მარტის", "მარტს"),
    ("აპრილი", "აპრილის", "აპრილს"),
    ("მაისი", "მაისის", "მაისს"),
    ("ივნისი", "ივნისის", "ივნისს"),
    ("ივლისი", "ივლისის", "ივლისს"),
    ("აგვისტო", "აგვისტოს", "აგვისტოს"),
    ("სექტემბერი", "სექტემბრის", "სექტემბერს"),
    ("ოქტომბერი", "ოქტომბრის", "ოქტომბერს"),
    ("ნოემბერი", "ნოემბრის", "ნოემბერს"),
    ("დეკემბერი", "დეკემბრის", "დეკემბერს"),
)
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")
# "gen_full" is the genitive with its full ending -ა, as after არაუგვიანეს ("no later than").
CASES = {"nom": 0, "gen": 1, "dat": 2, "gen_full": 1}


def date_text(value: date, lang: str, case: str = "nom") -> str:
    """Georgian: the year first, then the day and the month in `case` („2026 წლის 3 დეკემბერს“);
    English (en-GB): "3 December 2026". A datetime adds Tbilisi's time of day."""
    if case not in CASES:
        raise ValueError(f"unknown date case {case!r}")
    at = ""
    if isinstance(value, datetime):
        value = value.astimezone(TBILISI)
        at = f", {value:%H:%M}"
    if lang == "ka":
        month = MONTHS_KA[value.month - 1][CASES[case]] + "ა" * (case == "gen_full")
        return f"{value.year} წლის {value.day} {month}{at}"
    return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}{at}"


def size_text(count: int, lang: str) -> str:
    """"1.2 MB" in English; Georgian spells the unit out ("1,2 მეგაბაიტი"), as its short form is Latin."""
    unit, amount = ("digital-megabyte", count / 1024**2) if count >= 1024**2 else ("digital-kilobyte", count / 1024)
    length = "long" if lang == "ka" else "short"
    return format_unit(max(amount, 0.1), unit, length=length, format="#,##0.#", locale=lang)


def message_json(catalog: Catalog, lang: str, reply: Reply) -> dict[str, Any]:
    """The JSON shape the console (`--json`) and the web chat speak."""
    rendered = catalog.render(lang, reply)
    return {
        "text": rendered.text,
        "lang": lang,
        "choices": [{"id": i, "label": label} for i, label in rendered.choices],
        "event": rendered.event,
    }
