"""The publication register's one format: what an agency has published for an Annex item.

A file is CSV (a header row with the FIELDS below) or JSON (an array of objects with the same
keys). Every record is checked before anything is stored, and all problems are reported at
once, each with its line (CSV) or record number (JSON): an import is all or nothing.

  agency_id   id from the agency directory ("mof")             required
  item        Annex item number ("5.3")                         required
  title_ka    title in Georgian                                 title_ka and/or title_en
  title_en    title in English
  url         where it is published (http or https)            required
  period      "2026-Q3", "2025", or empty for items without periods
  published   date first published, YYYY-MM-DD                  required
  updated     date last updated, YYYY-MM-DD (not before published; defaults to published)
  format      file format ("pdf", "xlsx", "html" ...)           required
  enacted     YYYY-MM-DD the act this entry publishes (6.1, 6.2, 5.13) or reflects (a change
              of the underlying act, Note 4) was enacted: it was due 10 days later; optional
  sample      "true" marks demonstration data, never real publications
"""
from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from published.annex import Annex
from published.rules import CADENCES, LAST_SENSIBLE, Period, after_change

FIELDS = ("agency_id", "item", "title_ka", "title_en", "url", "period", "published", "updated", "format", "sample",
          "enacted")
MAX_BYTES = 5_000_000
MAX_TITLE = 500
MAX_URL = 2000
URL = re.compile(r"https?://[^\s<>\"]+")
FORMAT = re.compile(r"[a-z0-9]{1,10}")
TRUE, FALSE = {"true", "1", "yes"}, {"false", "0", "no", ""}
EARLIEST = date(1991, 1, 1)  # older dates are typing mistakes


class RegisterError(ValueError):
    """The file cannot be imported; `problems` say where and why, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Entry:
    agency_id: str
    item: str
    title_ka: str
    title_en: str
    url: str
    period: str | None
    published: date
    updated: date
    format: str
    sample: bool = False
    enacted: date | None = None

    @property
    def late(self) -> bool:
        """Published (or updated) later than 10 days after the act it concerns (Note 4)."""
        if self.enacted is None:
            return False
        # Published after the act: its publication counts; published before it: the update does.
        reflected = self.published if self.published >= self.enacted else self.updated
        return reflected > after_change(self.enacted)

    @property
    def key(self) -> str:
        """One entry per agency, item, period and address: importing it again replaces it."""
        return f"{self.agency_id}|{self.item}|{self.period or ''}|{self.url}"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["published"], data["updated"] = self.published.isoformat(), self.updated.isoformat()
        data["enacted"] = self.enacted.isoformat() if self.enacted else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Entry:
        data = dict(data)
        data["published"] = date.fromisoformat(data["published"])
        data["updated"] = date.fromisoformat(data["updated"])
        data["enacted"] = date.fromisoformat(data["enacted"]) if data.get("enacted") else None
        return cls(**data)


def newest_first(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.period or "", e.updated, e.url), reverse=True)


def parse(data: bytes, filename: str, annex: Annex, agencies: set[str]) -> list[Entry]:
    """Entries from a CSV or JSON file (chosen by its name), or RegisterError."""
    if len(data) > MAX_BYTES:
        raise RegisterError([f"file is larger than {MAX_BYTES} bytes"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RegisterError([f"byte {exc.start}: the file is not UTF-8 text"]) from None
    rows = _json_rows(text) if filename.lower().endswith(".json") else _csv_rows(text)
    entries, problems = [], []
    for where, row in rows:
        try:
            entries.append(entry(row, annex, agencies))
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
    if not entries and not problems:
        problems.append("the file has no entries")
    if problems:
        raise RegisterError(problems)
    return entries


def _csv_rows(text: str) -> list[tuple[str, dict]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = {"agency_id", "item", "url", "published", "format"} - set(reader.fieldnames or ())
    if missing:
        raise RegisterError([f"line 1: the header lacks {', '.join(sorted(missing))}"])
    try:
        return [(f"line {reader.line_num}", row) for row in reader]
    except csv.Error as exc:
        raise RegisterError([f"line {reader.line_num}: {exc}"]) from None


def _json_rows(text: str) -> list[tuple[str, dict]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RegisterError([f"line {exc.lineno}: not valid JSON ({exc.msg})"]) from None
    except RecursionError:
        raise RegisterError(["the JSON is nested too deeply"]) from None
    if not isinstance(data, list):
        raise RegisterError(["the JSON file must be an array of entries"])
    return [(f"record {n}", row) for n, row in enumerate(data, 1)]


def entry(row: Any, annex: Annex, agencies: set[str]) -> Entry:
    """One record checked field by field; ValueError names the first problem."""
    if not isinstance(row, dict):
        raise ValueError("an entry must be an object")
    unknown = set(row) - set(FIELDS) - {None}
    if unknown:
        raise ValueError(f"unknown field {sorted(map(str, unknown))[0]!r}")
    value = {f: _text(row.get(f)) for f in FIELDS}
    if value["agency_id"] not in agencies:
        raise ValueError(f"unknown agency {value['agency_id'][:40]!r}")
    item = annex.get(value["item"])
    if item is None:
        raise ValueError(f"no Annex item {value['item'][:10]!r} (1.1 to 7.2)")
    if not (value["title_ka"] or value["title_en"]):
        raise ValueError("title_ka or title_en is required")
    if max(len(value["title_ka"]), len(value["title_en"])) > MAX_TITLE:
        raise ValueError(f"a title is longer than {MAX_TITLE} characters")
    if len(value["url"]) > MAX_URL or not URL.fullmatch(value["url"]):
        raise ValueError("url must be an http or https address")
    if not FORMAT.fullmatch(value["format"].lower()):
        raise ValueError("format must be a short word such as pdf, xlsx or html")
    published = _date(value["published"], "published")
    updated = _date(value["updated"], "updated") if value["updated"] else published
    if updated < published:
        raise ValueError("updated is before published")
    sample = value["sample"].lower()
    if sample not in TRUE | FALSE:
        raise ValueError("sample must be true or false")
    enacted = _date(value["enacted"], "enacted") if value["enacted"] else None
    return Entry(value["agency_id"], item.number, value["title_ka"], value["title_en"], value["url"],
                 _period(value["period"], item.rule), published, updated, value["format"].lower(),
                 sample in TRUE, enacted)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, (str, int, float)):
        raise ValueError("every field must be text")
    text = "".join(c for c in str(value) if unicodedata.category(c)[0] != "C" or c.isspace())
    return " ".join(text.split())  # no line breaks, control characters or runs of spaces


def _date(text: str, name: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name} must be a date YYYY-MM-DD, not {text[:20]!r}") from None
    if not EARLIEST <= day <= LAST_SENSIBLE:
        raise ValueError(f"{name} must be between {EARLIEST} and {LAST_SENSIBLE}")
    return day


def _period(text: str, rule: str) -> str | None:
    if not text:
        if rule in CADENCES:
            raise ValueError("period is required for this item (YYYY-Qn or YYYY)")
        return None
    period = Period.parse(text)
    cadence = "quarter" if period.quarter else "year"
    if rule in CADENCES and cadence not in CADENCES[rule]:
        raise ValueError(f"this item is published by {' and '.join(CADENCES[rule])}, not {text!r}")
    return str(period)
