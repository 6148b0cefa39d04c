"""Letters as data: `compose(kind, lang, fields)` renders `<kind>.toml` in the citizen's language.

Each language's table lists the letter's parts in order (opening, facts, request, legal basis,
closing), each a `str.format` template over the citizen's answers. A part whose fields are all
empty is left out, so an optional question the citizen skipped leaves no empty line behind. A
`choices` sub-table turns a chosen value ("electronic") into words; `defaults` fills a skipped field.
A demand's opening "please" or "that" is dropped: the letter's own sentence introduces it.
The citizen's name, address and signature are the portal account's: no template carries them.
"""
from __future__ import annotations

import string
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from nlu.letter_parts import without_courtesy

HERE = Path(__file__).parent
DEMANDS = frozenset({"asks", "applied_for"})  # answers the letter opens with its own "I ask"
KINDS = tuple(sorted(p.stem for p in HERE.glob("*.toml")))


@cache
def _templates(kind: str, lang: str) -> dict[str, Any]:
    if kind not in KINDS:
        raise KeyError(f"no letter template {kind!r}")
    with (HERE / f"{kind}.toml").open("rb") as fh:
        return tomllib.load(fh)[lang]


def _names(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def compose(kind: str, lang: str, fields: dict[str, str]) -> str:
    """The letter of `kind` in `lang` from the citizen's answers; paragraphs split by a blank line."""
    table = _templates(kind, lang)
    choices, defaults = table.get("choices", {}), table.get("defaults", {})
    values = {}
    for name, value in fields.items():
        value = without_courtesy(value or "") if name in DEMANDS else (value or "").strip()
        values[name] = choices.get(name, {}).get(value, value)
    for name, value in defaults.items():
        values[name] = values.get(name) or value
    parts = []
    for template in (t for t in table.values() if isinstance(t, str)):
        names = _names(template)
        if names and not all(values.get(n) for n in names):
            continue  # an optional part whose answer was skipped
        parts.append(template.format(**values))
    return "\n\n".join(parts)


def part(kind: str, lang: str, name: str, fields: dict[str, str]) -> str:
    """One named template of `<kind>.toml`'s `parts` table (a subject line, a sentence made before
    the letter), for letters whose wording depends on the case (bot/flows/followup.py)."""
    return _templates(kind, lang)["parts"][name].format(**fields)
