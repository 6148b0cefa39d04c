"""The Annex of Ordinance No 219, loaded from `data/annex.toml` and validated at start-up."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).parent / "data" / "annex.toml"
RULES = ("if_changed", "quarterly", "annually", "quarterly_and_annually", "within_10_days")
NUMBER = re.compile(r"[1-7]\.\d{1,2}")


@dataclass(frozen=True, slots=True)
class Item:
    number: str  # "5.3"
    section: str  # "5"
    rule: str  # one of RULES
    name_en: str
    name_ka: str
    short_en: str
    short_ka: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Section:
    number: str
    name_en: str
    name_ka: str


class Annex:
    def __init__(self, sections: list[Section], items: list[Item]) -> None:
        self.sections = {s.number: s for s in sections}
        self.items: tuple[Item, ...] = tuple(items)
        self._by_number = {i.number: i for i in items}
        _validate(self)

    @classmethod
    def load(cls, path: Path = DATA) -> Annex:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        sections = [Section(**s) for s in data["section"]]
        items = [
            Item(section=row["number"].split(".")[0], keywords=tuple(row.pop("keywords", ())), **row)
            for row in data["item"]
        ]
        return cls(sections, items)

    def get(self, number: str) -> Item | None:
        return self._by_number.get(number)

    def __iter__(self):
        return iter(self.items)


def _validate(annex: Annex) -> None:
    numbers = [i.number for i in annex.items]
    if len(set(numbers)) != len(numbers):
        raise ValueError("annex: duplicate item numbers")
    for item in annex.items:
        if not NUMBER.fullmatch(item.number) or item.section not in annex.sections:
            raise ValueError(f"annex: bad item number {item.number!r}")
        if item.rule not in RULES:
            raise ValueError(f"annex: item {item.number} has unknown rule {item.rule!r}")
