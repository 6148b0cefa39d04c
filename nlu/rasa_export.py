"""`kavshiri nlu export-rasa DIR`: the training data, a domain and a config a Rasa 3.6 server trains on.

Rasa extracts every entity Kavshiri does: agency, request type, Annex topic, registration number,
channel and the language asked for. Three facts of Rasa 3.6 shape the export:
- it keeps a lookup table or a regex only for an entity annotated in some training example, so
  every example (written and generated) is annotated with the entities found in it as written;
- its synonyms are one table for all entities, keyed by the lowercased text: a text that means
  two things ("tenders": a body and an Annex item) is exported with no value at all, and the
  connector (connectors/rasa.py) reads such raw text with Kavshiri's own per-entity tables;
- the generated "<body> <Annex item>" and "<request> to <body>" phrases (nlu/corpus.py) are
  training data too.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import yaml

from nlu import corpus
from nlu.directory import Directory
from nlu.normalize import fold
from nlu.understanding import INTENTS, REG_NUMBER, SYNONYM_ENTITIES

ENTITIES = ("agency", "topic", "reg_number", *SYNONYM_ENTITIES)
LOOKUP_ENTITIES = ("agency", *SYNONYM_ENTITIES)  # short names and words: a list finds them
# A phrase is found with its case ending ("სამინისტროს", "შსს-ში", "shss-ze"): the annotation
# covers the whole token, as Rasa's tokens require.
ENDING = r"(?:-?[\u10d0-\u10ff]{1,5}|'?s|(?<=[a-z])-?(?:is|shi|ze|s|tan|dan|it))?"
MIN_STEM_FORM = 5  # a name this long or longer may lose its last -ი to a case ending
CONFIG = {
    "recipe": "default.v1",
    "language": "ka",
    "assistant_id": "kavshiri",
    "pipeline": [
        {"name": "WhitespaceTokenizer"},
        {"name": "RegexFeaturizer", "use_lookup_tables": True, "use_regexes": True},
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


class Annotator:
    """Marks the entities found as written in a training example, Rasa style."""

    def __init__(self, phrases: dict[str, set[tuple[str, str]]]) -> None:
        self.meanings = _by_text(phrases)
        # Also found: a name as the generated phrases write it (Latin-typed Georgian is folded,
        # "shemosavlebis samsakhuri"), and with its last -ი (-i) given to a case ending
        # („სამსახურის“, "samsakhurshi").
        for phrase, meanings in list(self.meanings.items()):
            for form in {phrase, fold(phrase)}:
                for key in (form, form[:-1] if form.endswith(("ი", "i")) and len(form) > MIN_STEM_FORM else None):
                    if key and key not in self.meanings:
                        self.meanings[key] = meanings
                    elif key and key != phrase and self.meanings[key] != meanings:
                        self.meanings[key] = self.meanings[key] | meanings
        alternatives = "|".join(re.escape(p) for p in sorted(self.meanings, key=len, reverse=True))
        self.pattern = re.compile(rf"(?<!\w)({alternatives}){ENDING}(?!\w)", re.IGNORECASE)

    def annotate(self, line: str, topics: dict[str, str], agency: str | None = None) -> str:
        """`line` with its plain stretches annotated and its topic marks given their item; where
        the body the line names is known (`agency`), no other body is marked."""
        out, start = [], 0
        for mark in corpus.ANNOTATION.finditer(line):
            out += [self._plain(line[start:mark.start()], agency), self._topic(mark, topics)]
            start = mark.end()
        return "".join([*out, self._plain(line[start:], agency)])

    def _topic(self, mark: re.Match, topics: dict[str, str]) -> str:
        words, _, spec = mark.groups()
        value = (json.loads(spec).get("value") if spec else None) or corpus.topic_of(words, topics)
        if self.meanings.get(words.lower(), {("topic", value)}) != {("topic", value)}:
            value = None  # "tenders" is a body's alias too, "public information" a request type
        return _mark(words, "topic", value)

    def _plain(self, text: str, agency: str | None) -> str:
        spans = [(m.start(), m.end(), _mark(m.group(), "reg_number", None)) for m in REG_NUMBER.finditer(text)]
        for m in self.pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e, _ in spans):
                continue
            meanings = self.meanings[m.group(1).lower()]
            if len(meanings) == 1:  # a text of two meanings is left unmarked: "tenders"
                ((entity, value),) = meanings
                if entity == "agency" and agency and value != agency:
                    continue  # a word of the body's longer name: "shss" in "shss momsakhurebis saagento"
                spans.append((m.start(), m.end(), _mark(m.group(), entity, value)))
        out, start = [], 0
        for begin, end, marked in sorted(spans):
            out += [text[start:begin], marked]
            start = end
        return "".join([*out, text[start:]])


def export(out: Path, directory: Directory | None = None) -> list[Path]:
    directory = directory or Directory.load()
    entities = corpus.load_entities()
    phrases = _phrases(entities, directory)
    clashing = {p for p, meanings in _by_text(phrases).items() if len(meanings) > 1}
    annotator = Annotator(phrases)
    topics = corpus.topic_items(entities)
    data = out / "data"
    data.mkdir(parents=True, exist_ok=True)
    written = []
    for source in corpus.SOURCES:
        items = corpus.load_items(corpus.TRAIN / f"{source}.yml")
        examples = {str(i["intent"]): [annotator.annotate(line, topics) for line in corpus.lines(i["examples"])]
                    for i in items if "intent" in i}
        written.append(_dump(data / f"{source}.yml", _nlu(_intent_items(examples))))
    generated: dict[str, list[str]] = defaultdict(list)
    for example in corpus.body_phrases():
        generated[example.intent].append(annotator.annotate(example.text, topics, example.agency))
    written.append(_dump(data / "generated.yml", _nlu(_intent_items(generated))))
    written.append(_dump(data / "entities.yml", _nlu(_entity_items(phrases, clashing))))
    written.append(_dump(out / "domain.yml", {"version": "3.1", "intents": list(INTENTS), "entities": list(ENTITIES)}))
    written.append(_dump(out / "config.yml", CONFIG))
    return written


def _phrases(entities: corpus.Entities, directory: Directory) -> dict[str, set[tuple[str, str]]]:
    """Each text as written -> the (entity, value) pairs it stands for."""
    phrases: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for entity, value, phrase in entities.written:
        phrases[phrase].add((entity, value))
    for agency in directory:
        for name in (agency.name_ka, agency.name_en, agency.short_ka, agency.short_en, *agency.aliases):
            if name:
                phrases[name].add(("agency", agency.id))
    return phrases


def _by_text(phrases: dict[str, set[tuple[str, str]]]) -> dict[str, set[tuple[str, str]]]:
    """The same, keyed as Rasa's synonym table is: by the lowercased text."""
    merged: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for phrase, meanings in phrases.items():
        merged[phrase.lower()] |= meanings
    return merged


def _entity_items(phrases: dict[str, set[tuple[str, str]]], clashing: set[str]) -> list[dict]:
    items: list[dict] = [{"regex": "reg_number", "examples": _block([REG_NUMBER.pattern])}]
    for entity in LOOKUP_ENTITIES:
        names = [p for p, meanings in phrases.items() if any(e == entity for e, _ in meanings)]
        items.append({"lookup": entity, "examples": _block(names)})
    synonyms: dict[str, list[str]] = defaultdict(list)
    for phrase, meanings in phrases.items():
        if phrase.lower() not in clashing:
            ((_, value),) = meanings
            if phrase != value:
                synonyms[value].append(phrase)
    items += [{"synonym": value, "examples": _block(names)} for value, names in synonyms.items()]
    return items


def _intent_items(examples: dict[str, list[str]]) -> list[dict]:
    return [{"intent": intent, "examples": _block(list(dict.fromkeys(lines)))} for intent, lines in examples.items()]


def _mark(text: str, entity: str, value: str | None) -> str:
    if value is None or value == text:
        return f"[{text}]({entity})"
    return f"[{text}]{json.dumps({'entity': entity, 'value': value}, ensure_ascii=False)}"


def _nlu(items: list[dict]) -> dict:
    return {"version": "3.1", "nlu": items}


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
