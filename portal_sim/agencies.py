"""Which bodies the stand-in portal knows: Kavshiri's agency directory when it exists, so both
sides agree on ids, else a tiny built-in list."""
from __future__ import annotations

from typing import Any

from bot.models import REQUEST_TYPES

# psh does not take complaints, so the built-in list can exercise `type_not_accepted`.
BUILTIN_AGENCIES: dict[str, dict[str, Any]] = {
    "moj": {
        "name_ka": "საქართველოს იუსტიციის სამინისტრო",
        "name_en": "Ministry of Justice of Georgia",
        "accepts": list(REQUEST_TYPES),
    },
    "mia": {
        "name_ka": "საქართველოს შინაგან საქმეთა სამინისტრო",
        "name_en": "Ministry of Internal Affairs of Georgia",
        "accepts": list(REQUEST_TYPES),
    },
    "psh": {
        "name_ka": "საჯარო მომსახურების დარბაზი",
        "name_en": "Public Service Hall",
        "accepts": ["information_request", "application", "letter"],
    },
}


def load_agencies() -> dict[str, dict[str, Any]]:
    try:
        from nlu.directory import Directory
    except ModuleNotFoundError as exc:
        if exc.name != "nlu.directory":
            raise  # the directory exists but is broken: say so rather than hide it
        return {key: dict(value) for key, value in BUILTIN_AGENCIES.items()}
    return from_directory(Directory.load())


def from_directory(directory: Any) -> dict[str, dict[str, Any]]:
    """Every body in nlu.directory.Directory; the directory does not record which request types
    a body takes, so each accepts them all."""
    return {
        agency.id: {"name_ka": agency.name_ka, "name_en": agency.name_en,
                    "accepts": list(REQUEST_TYPES)}
        for agency in directory
    }
