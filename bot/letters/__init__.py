"""Letters Kavshiri drafts on a citizen's behalf, as data: `<kind>.toml` holds a `[ka]` and an
`[en]` table of str.format templates; `compose` fills the letter's `body` from its fields, `part`
any other template of the table (a subject line, a sentence filled before the body)."""
from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files


@cache
def _templates(kind: str) -> dict[str, dict[str, str]]:
    return tomllib.loads(files("bot.letters").joinpath(f"{kind}.toml").read_text("utf-8"))


def part(kind: str, lang: str, name: str, fields: dict[str, str]) -> str:
    return _templates(kind)[lang][name].format(**fields)


def compose(kind: str, lang: str, fields: dict[str, str]) -> str:
    return part(kind, lang, "body", fields)
