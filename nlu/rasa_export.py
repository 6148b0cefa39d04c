"""`kavshiri nlu export-rasa DIR`: the training data, a domain and a config a Rasa server trains on.

The intent examples and entity synonyms are copied as they are (they are Rasa NLU data already);
the agency directory becomes a lookup table and synonyms that map every name of a body to its id,
so Rasa's `agency` entity speaks the same ids as the embedded matcher.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from nlu import corpus
from nlu.directory import Directory
from nlu.understanding import INTENTS, SYNONYM_ENTITIES

ENTITIES = ("agency", "topic", "reg_number", *SYNONYM_ENTITIES)
CONFIG = {
    "recipe": "default.v1",
    "language": "ka",
    "assistant_id": "kavshiri",
    "pipeline": [
        {"name": "WhitespaceTokenizer"},
        {"name": "RegexFeaturizer", "use_lookup_tables": True},
        {"name": "LexicalSyntacticFeaturizer"},
        {"name": "CountVectorsFeaturizer"},
        {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 2, "max_ngram": 5},
        {"name": "DIETClassifier", "epochs": 100, "random_seed": 219},
        {"name": "RegexEntityExtractor", "use_lookup_tables": True, "use_regexes": True},
        {"name": "EntitySynonymMapper"},
        {"name": "FallbackClassifier", "threshold": 0.3},
    ],
    "policies": [],
}


def export(out: Path, directory: Directory | None = None) -> list[Path]:
    directory = directory or Directory.load()
    data = out / "data"
    data.mkdir(parents=True, exist_ok=True)
    written = []
    for source in corpus.SOURCES:
        written.append(Path(shutil.copy(corpus.TRAIN / f"{source}.yml", data / f"{source}.yml")))
    # Rasa's schema has no metadata on synonyms: which entity a synonym serves is ours to know.
    items = [{k: v for k, v in item.items() if k != "metadata"} for item in corpus.load_items(corpus.TRAIN / "entities.yml")]
    written.append(_dump(data / "entities.yml", {"version": "3.1", "nlu": items}))
    written.append(_dump(data / "agencies.yml", {"version": "3.1", "nlu": _agency_items(directory)}))
    domain = {"version": "3.1", "intents": list(INTENTS), "entities": list(ENTITIES)}
    written.append(_dump(out / "domain.yml", domain))
    written.append(_dump(out / "config.yml", CONFIG))
    return written


def _agency_items(directory: Directory) -> list[dict]:
    items: list[dict] = []
    names: list[str] = []
    for agency in directory:
        spellings = list(dict.fromkeys((agency.name_ka, agency.name_en, agency.short_ka, agency.short_en, *agency.aliases)))
        names += spellings
        items.append({"synonym": agency.id, "examples": _block(spellings)})
    return [{"lookup": "agency", "examples": _block(list(dict.fromkeys(names)))}, *items]


def _block(lines: list[str]) -> str:
    return "".join(f"- {line}\n" for line in lines)


class _Literal(str):
    pass


def _dump(path: Path, document: dict) -> Path:
    def literal(dumper: yaml.Dumper, value: _Literal):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")

    yaml.add_representer(_Literal, literal, Dumper=yaml.SafeDumper)
    document = _literalise(document)
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _literalise(value):
    if isinstance(value, dict):
        return {k: _literalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_literalise(v) for v in value]
    return _Literal(value) if isinstance(value, str) and "\n" in value else value
