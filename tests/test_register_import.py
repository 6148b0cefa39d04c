"""The register's one file format: CSV and JSON, validated with line-numbered errors,
all or nothing."""
from __future__ import annotations

import json

import pytest

from nlu.directory import Directory
from published.annex import Annex
from published.register import FIELDS, RegisterError, parse

ANNEX = Annex.load()
AGENCIES = {a.id for a in Directory.load()}
GOOD = {"agency_id": "mof", "item": "5.3", "title_ka": "ხელფასები", "title_en": "Salaries",
        "url": "https://example.org/a.xlsx", "period": "2026-Q3", "published": "2026-10-20",
        "updated": "", "format": "XLSX", "sample": ""}


def csv_of(*rows: dict) -> bytes:
    lines = [",".join(FIELDS)] + [",".join(str(r.get(f, "")) for f in FIELDS) for r in rows]
    return "\n".join(lines).encode()


def problems(data: bytes, name: str = "r.csv") -> list[str]:
    with pytest.raises(RegisterError) as caught:
        parse(data, name, ANNEX, AGENCIES)
    return caught.value.problems


def test_csv_and_json_give_the_same_entries():
    from_csv = parse(csv_of(GOOD), "r.csv", ANNEX, AGENCIES)
    from_json = parse(json.dumps([GOOD]).encode(), "r.json", ANNEX, AGENCIES)
    assert from_csv == from_json
    entry = from_csv[0]
    assert entry.updated == entry.published and entry.format == "xlsx" and entry.sample is False


def test_every_bad_line_is_reported_with_its_line_number():
    rows = [
        GOOD,
        {**GOOD, "agency_id": "nope"},
        {**GOOD, "item": "8.1"},
        {**GOOD, "period": "2026"},  # 5.3 is quarterly
        {**GOOD, "url": "javascript:alert(1)"},
        {**GOOD, "published": "20/10/2026"},
        {**GOOD, "updated": "2026-10-01"},
        {**GOOD, "title_ka": "", "title_en": ""},
        {**GOOD, "item": "3.1", "period": ""},  # fine: no period for "if changed" items
        {**GOOD, "published": "9999-12-31"},
        {**GOOD, "period": "0001-Q1"},
    ]
    found = problems(csv_of(*rows))
    assert [p.split(":")[0] for p in found] == ["line 3", "line 4", "line 5", "line 6", "line 7", "line 8", "line 9", "line 11", "line 12"]
    assert "unknown agency 'nope'" in found[0] and "quarter" in found[2]


def test_json_errors_name_the_record_or_the_line():
    assert problems(b'[{"agency_id": "mof",\n "item": }]', "r.json")[0].startswith("line 2: not valid JSON")
    assert problems(json.dumps([GOOD, {**GOOD, "colour": "red"}]).encode(), "r.json") == ["record 2: unknown field 'colour'"]
    assert problems(json.dumps({"entries": []}).encode(), "r.json") == ["the JSON file must be an array of entries"]
    assert problems(json.dumps([GOOD, [1, 2]]).encode(), "r.json") == ["record 2: an entry must be an object"]


@pytest.mark.parametrize("data, message", [
    (b"", "line 1: the header lacks"),
    (b"\xff\xfe\x00binary", "not UTF-8"),
    (",".join(FIELDS).encode(), "the file has no entries"),
    (b"x" * 5_000_001, "larger than"),
])
def test_unusable_files_are_refused_whole(data: bytes, message: str):
    assert message in problems(data)[0]


def test_enacted_date_is_optional_and_checked():
    entry = parse(csv_of({**GOOD, "item": "6.1", "period": "", "enacted": "2026-10-01"}), "r.csv", ANNEX, AGENCIES)[0]
    assert entry.enacted.isoformat() == "2026-10-01" and entry.late  # published on 20 October
    assert "enacted must be a date" in problems(csv_of({**GOOD, "enacted": "yesterday"}))[0]


def test_markup_and_line_breaks_are_kept_as_plain_text():
    row = {**GOOD, "title_en": '"<b>Salaries</b>\nand\x00 bonuses\x1b"'}
    entry = parse(csv_of(row), "r.csv", ANNEX, AGENCIES)[0]
    assert entry.title_en == "<b>Salaries</b> and bonuses"  # escaped where it is shown, never run


def test_sample_file_that_ships_is_valid_and_marked_as_sample():
    from tests.test_published_chat import SAMPLE

    entries = parse(SAMPLE.read_bytes(), SAMPLE.name, ANNEX, AGENCIES)
    assert "sample" in SAMPLE.name and entries and all(e.sample for e in entries)
