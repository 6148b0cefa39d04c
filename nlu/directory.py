"""The directory of public bodies a citizen can write to, loaded from `data/agencies.toml`.

Loaded once at start-up and validated then, so a typo in the data fails loudly instead of
leaving a citizen with a button that leads nowhere.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).parent / "data" / "agencies.toml"
CATEGORIES = ("ministry", "agency", "other")
# Ids travel in Telegram callback data ("agency:<id>", 64 bytes at most): short ASCII only.
ID_PATTERN = re.compile(r"[a-z0-9_]{1,20}")


@dataclass(frozen=True, slots=True)
class Agency:
    id: str
    category: str  # one of CATEGORIES
    parent: str | None  # id of the body an agency answers to; None for top-level bodies
    name_ka: str
    name_en: str
    short_ka: str
    short_en: str
    aliases: tuple[str, ...] = ()
    website: str = ""


class Directory:
    def __init__(self, agencies: list[Agency]) -> None:
        _validate(agencies)
        self.agencies: tuple[Agency, ...] = tuple(agencies)  # file order: top-level bodies first
        self._by_id = {a.id: a for a in agencies}

    @classmethod
    def load(cls, path: Path | None = None) -> Directory:
        with (path or DATA).open("rb") as fh:
            rows = tomllib.load(fh).get("agency", [])
        try:
            agencies = [_agency(row) for row in rows]
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{path or DATA}: malformed agency entry: {exc!r}") from exc
        return cls(agencies)

    def get(self, agency_id: str) -> Agency | None:
        return self._by_id.get(agency_id)

    def __iter__(self) -> Iterator[Agency]:
        return iter(self.agencies)

    def __len__(self) -> int:
        return len(self.agencies)

    def by_category(self, category: str) -> list[Agency]:
        return sorted((a for a in self.agencies if a.category == category), key=lambda a: a.short_en)

    def children(self, parent_id: str) -> list[Agency]:
        return sorted((a for a in self.agencies if a.parent == parent_id), key=lambda a: a.short_en)

    def parents_with_children(self) -> list[Agency]:
        """Top-level bodies that have agencies under them, in the data file's order."""
        parents = {a.parent for a in self.agencies if a.parent}
        return [a for a in self.agencies if a.id in parents]


def _agency(row: dict) -> Agency:
    return Agency(
        id=row["id"],
        category=row["category"],
        parent=row.get("parent"),
        name_ka=row["name_ka"],
        name_en=row["name_en"],
        short_ka=row.get("short_ka") or row["name_ka"],
        short_en=row.get("short_en") or row["name_en"],
        aliases=tuple(row.get("aliases", ())),
        website=row.get("website", ""),
    )


def _validate(agencies: list[Agency]) -> None:
    ids = [a.id for a in agencies]
    if duplicates := sorted({i for i in ids if ids.count(i) > 1}):
        raise ValueError(f"duplicate agency ids: {', '.join(duplicates)}")
    known = {a.id: a for a in agencies}
    for a in agencies:
        if not ID_PATTERN.fullmatch(a.id):
            raise ValueError(f"agency id {a.id!r} must be 1-20 characters of [a-z0-9_]")
        if a.category not in CATEGORIES:
            raise ValueError(f"agency {a.id!r}: category {a.category!r} is not one of {CATEGORIES}")
        if a.category == "agency":
            parent = known.get(a.parent or "")
            if parent is None:
                raise ValueError(f"agency {a.id!r}: parent {a.parent!r} is not in the directory")
            if parent.category == "agency":
                raise ValueError(f"agency {a.id!r}: parent {a.parent!r} must be a top-level body")
        elif a.parent is not None:
            raise ValueError(f"agency {a.id!r}: only category 'agency' has a parent")
