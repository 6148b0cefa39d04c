"""The training data (Rasa NLU YAML, `version: "3.1"`) and the development set, as Python objects.

`data/train/<lang>.yml` holds intent examples written in one language and script (`en`, `ka`
for Georgian script, `ka_latin` for Georgian typed in Latin letters); `data/train/entities.yml`
holds the synonyms (request types, channels, Annex topics by item number), lookup tables and
regexes. An example marks its Annex topic as Rasa does, `[salaries](topic)`, and the synonyms
turn the marked words into the item number. The development set (`data/dev.tsv`) and the sealed
test set (`data/test.tsv`) are never trained on: they measure. Both were written apart from the
training data; the test set is looked at only before and after a round of changes.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from nlu.normalize import fold, stem

DATA = Path(__file__).parent / "data"
TRAIN = DATA / "train"
DEV = DATA / "dev.tsv"
TEST = DATA / "test.tsv"
AGENCIES = DATA / "agencies.toml"  # body names: part of the generated training questions
SOURCES = {"en": ("en", "latin"), "ka": ("ka", "geo"), "ka_latin": ("ka", "latin")}
# [words](entity) or [words]{"entity": "topic", "value": "5.3"}
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\(([^)]+)\)|(\{[^}]+\}))")
TOPIC_ITEM = re.compile(r"[1-7]\.\d{1,2}")
GEORGIAN_LETTER = re.compile(r"[\u10d0-\u10ff]")


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    intent: str
    lang: str
    script: str
    topic: str | None = None
    agency: str | None = None
    source: str = ""  # en, ka or ka_latin
    # What an evaluation example expects besides: None where the message names none.
    request_type: str | None = None
    channel: str | None = None
    asked_lang: str | None = None  # the language asked for; None: the message's own
    reg_number: str | None = None


@dataclass(frozen=True, slots=True)
class Entities:
    synonyms: dict[str, dict[str, str]]  # entity -> folded phrase -> value
    lookups: dict[str, list[str]]
    regexes: dict[str, str]
    written: list[tuple[str, str, str]]  # (entity, value, phrase as written), in file order


def load_entities(path: Path = TRAIN / "entities.yml") -> Entities:
    items = load_items(path)
    synonyms: dict[str, dict[str, str]] = {}
    written = []
    for item in items:
        if "synonym" in item:
            value = str(item["synonym"])
            entity = "topic" if TOPIC_ITEM.fullmatch(value) else item.get("metadata", {}).get("entity", "")
            if not entity:
                raise ValueError(f"{path}: synonym {value!r} needs metadata.entity")
            for phrase in lines(item["examples"]):
                synonyms.setdefault(entity, {})[fold(phrase)] = value
                written.append((entity, value, phrase))
    lookups = {str(i["lookup"]): lines(i["examples"]) for i in items if "lookup" in i}
    regexes = {str(i["regex"]): lines(i["examples"])[0] for i in items if "regex" in i}
    return Entities(synonyms, lookups, regexes, written)


def load_examples(directory: Path = TRAIN, entities: Entities | None = None) -> list[Example]:
    topics = topic_items(entities or load_entities(directory / "entities.yml"))
    examples = []
    for source, (lang, script) in SOURCES.items():
        path = directory / f"{source}.yml"
        for item in load_items(path):
            for line in lines(item.get("examples", "")):
                text, topic = _strip_annotations(line, topics, path)
                examples.append(Example(text, str(item["intent"]), lang, script, topic, None, source))
    return examples


def topic_examples(entities: Entities, examples: list[Example]) -> list[tuple[str, str]]:
    """(text, item) pairs: every topic synonym alone, and every example that marks a topic."""
    pairs = [(phrase, item) for phrase, item in entities.synonyms.get("topic", {}).items()]
    return pairs + [(e.text, e.topic) for e in examples if e.topic]


def body_phrases(path: Path = TRAIN / "entities.yml", agencies: Path = AGENCIES) -> list[Example]:
    """Short messages of a body's name and one synonym, in the synonym's language: an Annex item
    ("Ministry of Health contacts", "შსს-ს ვაკანსიები": ask_published_info) or a kind of request
    ("letter to the Ministry of Health", "საჩივარი შსს-ში": submit_request).

    Citizens often write this way, with no verb, and the written examples alone leave the intent
    model to guess between the two. Each synonym is paired with the next body in the directory, so
    every body's name appears and none dominates; the word order alternates."""
    from nlu.directory import Directory

    bodies = [a for a in Directory.load(agencies) if a.short_en and a.short_ka]
    examples, turn = [], 0
    for item in load_items(path):
        value = str(item.get("synonym", ""))
        if TOPIC_ITEM.fullmatch(value):
            intent, topic, forms = "ask_published_info", value, _ABOUT
        elif item.get("metadata", {}).get("entity") == "request_type":
            intent, topic, forms = "submit_request", None, _TO
        else:
            continue
        georgian_seen = False  # a block lists English, then Georgian script, then Latin Georgian
        for phrase in lines(item["examples"]):
            body = bodies[turn % len(bodies)]
            georgian_seen = georgian_seen or bool(GEORGIAN_LETTER.search(phrase))
            source = ("ka" if GEORGIAN_LETTER.search(phrase) else "ka_latin") if georgian_seen else "en"
            template = forms[source][turn % 2]
            turn += 1
            if source == "en":
                text = template.format(phrase=phrase, name=body.short_en)
            else:
                text = template.format(phrase=phrase, gen=_genitive(body.short_ka), loc=_locative(body.short_ka),
                                       dat=_dative(body.short_ka))
                text = fold(text) if source == "ka_latin" else text
            lang, script = SOURCES[source]
            examples.append(Example(text, intent, lang, script, topic, body.id, source))
    return examples


# Word orders of body_phrases, two per language ("ka_latin" is the Georgian, folded to Latin).
_ABOUT = {"en": ("{name} {phrase}", "{phrase} of the {name}"), "ka": ("{gen} {phrase}", "{phrase} {loc}")}
_TO = {"en": ("{phrase} to the {name}", "{name} {phrase}"), "ka": ("{phrase} {loc}", "{dat} {phrase}")}
for _forms in (_ABOUT, _TO):
    _forms["ka_latin"] = _forms["ka"]


def _genitive(name: str) -> str:
    """The genitive of a Georgian name, which inflects its last word: სამინისტრო -> სამინისტროს,
    სამსახური -> სამსახურის, ინსპექცია -> ინსპექციის."""
    return name[:-1] + "ის" if name.endswith(("ი", "ა", "ე")) else name + "ს"


def _dative(name: str) -> str:
    """"To" a Georgian name: სამინისტრო -> სამინისტროს, სამსახური -> სამსახურს."""
    return (name[:-1] if name.endswith("ი") else name) + "ს"


def _locative(name: str) -> str:
    """"In" a Georgian name: სამინისტრო -> სამინისტროში, სამსახური -> სამსახურში."""
    return (name[:-1] if name.endswith("ი") else name) + "ში"


def load_dev(path: Path = DEV) -> list[Example]:
    return load_eval(path)


def load_test(path: Path = TEST) -> list[Example]:
    return load_eval(path)


def load_eval(path: Path) -> list[Example]:
    """Tab-separated: source, intent, agency id, Annex item, request type, channel, asked language,
    registration number, text; "-" for none."""
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            source, intent, agency, topic, request_type, channel, asked, reg_number, text = line.split("\t")
        except ValueError:
            raise ValueError(f"{path}:{number}: expected 9 tab-separated fields") from None
        lang, script = SOURCES[source]
        examples.append(Example(text, intent, lang, script, _dash(topic), _dash(agency), source,
                                _dash(request_type), _dash(channel), _dash(asked), _dash(reg_number)))
    return examples


def data_hash(directory: Path = TRAIN) -> str:
    """Changes whenever any training file does: the artifact records the data it was fitted on."""
    digest = hashlib.sha256()
    for path in [*sorted(directory.glob("*.yml")), AGENCIES]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def load_items(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        document = yaml.safe_load(fh) or {}
    if str(document.get("version")) != "3.1":
        raise ValueError(f"{path}: expected Rasa NLU data version \"3.1\"")
    return document.get("nlu", [])


def lines(block: str) -> list[str]:
    """The "- " lines of a Rasa examples block, as written."""
    return [line.strip()[2:].strip() for line in block.splitlines() if line.strip().startswith("- ")]


def _strip_annotations(line: str, topics: dict[str, str], path: Path) -> tuple[str, str | None]:
    topic = None
    for match in ANNOTATION.finditer(line):
        words, entity, spec = match.groups()
        value = None
        if spec:
            spec_data = json.loads(spec)
            entity, value = spec_data["entity"], spec_data.get("value")
        if entity == "topic":
            topic = value or topic_of(words, topics)
            if topic is None:
                raise ValueError(f"{path}: [{words}](topic) is not a topic synonym: {line!r}")
    return ANNOTATION.sub(lambda m: m.group(1), line), topic


def topic_items(entities: Entities) -> dict[str, str]:
    """Stemmed topic phrase -> Annex item: "salaries" marks the item that "salary" names."""
    return {stemmed(phrase): item for phrase, item in entities.synonyms.get("topic", {}).items()}


def topic_of(words: str, topics: dict[str, str]) -> str | None:
    """The Annex item that `words` (as written) name, given `topic_items`."""
    return topics.get(stemmed(fold(words)))


def stemmed(folded: str) -> str:
    return " ".join(stem(w) for w in folded.split())


def _dash(value: str) -> str | None:
    return None if value.strip() in ("", "-") else value.strip()
