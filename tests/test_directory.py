"""The agency directory: the packaged data is complete and well formed, and bad data fails loudly."""
import re
from pathlib import Path

import pytest

from nlu.directory import CATEGORIES, Directory

GEORGIAN_LETTER = re.compile(r"[\u10d0-\u10ff\u1c90-\u1cbf]")
LATIN_LETTER = re.compile(r"[A-Za-z]")


@pytest.fixture(scope="module")
def directory() -> Directory:
    return Directory.load()


def letters(text: str) -> list[str]:
    return [c for c in text if c.isalpha()]


def test_packaged_directory_loads_with_every_ministry_and_many_bodies(directory):
    ministries = directory.by_category("ministry")
    assert len(ministries) >= 11
    assert len([a for a in directory if a.category in ("agency", "other")]) >= 45
    assert len(directory) == len(list(directory))
    names = {a.short_en for a in ministries}
    for expected in ("Ministry of Justice", "Ministry of Internal Affairs", "Ministry of Finance",
                     "Ministry of Foreign Affairs", "Ministry of Defence", "Ministry of Education, Science and Youth",
                     "Ministry of Culture", "Ministry of Sport"):
        assert expected in names


def test_ids_are_unique_short_ascii(directory):
    ids = [a.id for a in directory]
    assert len(ids) == len(set(ids))
    for agency_id in ids:
        assert re.fullmatch(r"[a-z0-9_]{1,20}", agency_id), agency_id
        assert len(f"agency:{agency_id}".encode()) <= 64  # Telegram callback data


def test_every_agency_has_an_existing_top_level_parent(directory):
    for agency in directory:
        assert agency.category in CATEGORIES
        if agency.category == "agency":
            parent = directory.get(agency.parent)
            assert parent is not None, agency.id
            assert parent.category in ("ministry", "other"), agency.id
        else:
            assert agency.parent is None, agency.id


def test_georgian_names_are_in_georgian_script(directory):
    for agency in directory:
        for text in (agency.name_ka, agency.short_ka):
            chars = letters(text)
            assert chars and all(GEORGIAN_LETTER.match(c) for c in chars), (agency.id, text)


def test_english_names_are_in_latin_letters(directory):
    for agency in directory:
        for text in (agency.name_en, agency.short_en):
            chars = letters(text)
            assert chars and all(LATIN_LETTER.match(c) for c in chars), (agency.id, text)


def test_aliases_and_websites_are_clean(directory):
    for agency in directory:
        assert all(alias.strip() == alias and alias for alias in agency.aliases), agency.id
        assert agency.website == "" or agency.website.startswith("https://"), agency.id


def test_main_bodies_are_where_citizens_expect_them(directory):
    assert directory.get("gov").category == "other"
    assert directory.get("psh").parent == "moj"
    assert directory.get("napr").parent == "moj"
    assert directory.get("rs").parent == "mof"
    assert directory.get("mia_sa").parent == "mia"
    assert directory.get("geostat").category == "other"
    assert "iusticiis saxli" in directory.get("psh").aliases
    assert "Data Exchange Agency" in directory.get("dga").aliases
    assert directory.get("nonexistent") is None


def test_listings(directory):
    ministries = directory.by_category("ministry")
    assert [a.short_en for a in ministries] == sorted(a.short_en for a in ministries)
    justice = directory.children("moj")
    assert {"psh", "napr", "sda", "nbe"} <= {a.id for a in justice}
    assert all(a.parent == "moj" for a in justice)
    parents = directory.parents_with_children()
    assert {"moj", "mia", "mof", "gov"} <= {a.id for a in parents}
    assert all(a.category != "agency" and directory.children(a.id) for a in parents)
    assert "mos" not in {a.id for a in parents}  # the Ministry of Sport has no agency listed


BODY = """
[[agency]]
id = "{id}"
category = "{category}"
{parent}
name_ka = "სამინისტრო"
name_en = "Ministry"
"""


def write(tmp_path: Path, *bodies: dict) -> Path:
    path = tmp_path / "agencies.toml"
    text = ""
    for body in bodies:
        parent = f'parent = "{body["parent"]}"' if body.get("parent") else ""
        text += BODY.format(id=body["id"], category=body.get("category", "ministry"), parent=parent)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_small_valid_file_loads_and_short_names_default_to_full_names(tmp_path):
    directory = Directory.load(write(tmp_path, {"id": "m1"}, {"id": "a1", "category": "agency", "parent": "m1"}))
    assert len(directory) == 2
    assert directory.get("a1").short_ka == "სამინისტრო"
    assert directory.children("m1") == [directory.get("a1")]


@pytest.mark.parametrize(
    ("bodies", "message"),
    [
        (({"id": "m1"}, {"id": "m1"}), "duplicate"),
        (({"id": "a1", "category": "agency", "parent": "nowhere"},), "parent"),
        (({"id": "m1", "category": "court"},), "category"),
        (({"id": "Bad-Id"},), "a-z0-9_"),
        (({"id": "x" * 21},), "1-20"),
        (({"id": "m1"}, {"id": "o1", "category": "other", "parent": "m1"}), "only category"),
        (({"id": "m1"}, {"id": "a1", "category": "agency", "parent": "m1"},
          {"id": "a2", "category": "agency", "parent": "a1"}), "top-level"),
    ],
)
def test_invalid_data_is_refused_with_a_clear_message(tmp_path, bodies, message):
    with pytest.raises(ValueError, match=message):
        Directory.load(write(tmp_path, *bodies))


def test_a_missing_field_is_a_value_error(tmp_path):
    path = tmp_path / "agencies.toml"
    path.write_text('[[agency]]\nid = "m1"\ncategory = "ministry"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="malformed"):
        Directory.load(path)
