"""Understanding through a Rasa server (`NLU_BACKEND=rasa`): `POST /model/parse`.

Rasa decides the intent and the entities it was trained to extract (`kavshiri nlu export-rasa`
writes its training data); the embedded understander still gives what Rasa does not know here:
script, the language of Latin-letter text, registration numbers, and the values of what Rasa
found as raw text (nlu/rasa_export.py leaves a text of two meanings without one).
When the server is down or answers nonsense the embedded answer stands, so a citizen is never
left without a reply. No message text reaches the log.
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Any

import httpx

from bot.models import REQUEST_TYPES
from nlu.agencies import AgencyMatch
from nlu.corpus import TOPIC_ITEM
from nlu.understanding import AGENCY_INTENTS, INTENTS, TOPIC_AT, Understander, Understanding

log = logging.getLogger("kavshiri.rasa")
CHANNELS = ("sms", "telegram", "email", "web")
RANKED = 4
FALLBACK = "nlu_fallback"  # FallbackClassifier's intent (nlu/rasa_export.py's config)


class RasaUnderstander:
    def __init__(self, local: Understander, url: str, timeout: float = 2.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.local = local
        self.matcher = local.matcher
        self._agencies = {a.id: a for a in local.matcher.agencies}
        self._client = httpx.AsyncClient(base_url=url.rstrip("/"), timeout=timeout, transport=transport)

    def command(self, text: str) -> str | None:
        return self.local.command(text)

    def parse(self, text: str, lang_hint: str | None = None) -> Understanding:
        """The embedded answer: a synchronous caller may not wait on the network."""
        return self.local.parse(text, lang_hint)

    async def parse_async(self, text: str, lang_hint: str | None = None) -> Understanding:
        try:
            response = await self._client.post("/model/parse", json={"text": text})
            response.raise_for_status()
            return self.merge(text, lang_hint, response.json())
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
            log.warning("rasa parse failed (%s); using the embedded answer", type(error).__name__)
            return self.local.parse(text, lang_hint)

    def merge(self, text: str, lang_hint: str | None, answer: dict[str, Any]) -> Understanding:
        """Rasa's intent, and the entities it found, over the embedded understanding of the same
        text. The embedded side settles the entities for Rasa's intent, not its own (a body only
        where a body may be meant, a language asked for only in a language switch), and turns a
        bare registration number into a status question whatever Rasa made of it."""
        intent = answer["intent"]
        name = intent["name"] if intent.get("name") in INTENTS else "out_of_scope"
        # Rasa's fallback answers with its threshold as the confidence; the engine asks what was
        # meant only below that, so an unsure Rasa is told as an unsure reading.
        confidence = 0.0 if intent.get("name") == FALLBACK else round(float(intent.get("confidence", 0.0)), 4)
        local = self.local.parse(text, lang_hint, intent=(name, confidence))
        ranking = tuple(
            (r["name"], round(float(r["confidence"]), 4))
            for r in answer.get("intent_ranking", [])[:RANKED] if r.get("name") in INTENTS
        )
        entities = dict(local.entities)
        found = self._entities(text, answer.get("entities", []))
        for key in ("request_type", "channel"):
            if key in found:
                entities[key] = found[key]
        if "topic" in found and local.intent in TOPIC_AT:
            entities["topic"] = found["topic"]
        if "lang" in found and local.intent == "change_language":
            entities["lang"] = found["lang"]
        agencies = found.get("agency", [])
        if len(agencies) == 1 and (local.intent in AGENCY_INTENTS or local.entities["agency"]):
            entities["agency"], entities["agency_candidates"] = agencies[0], [AgencyMatch(agencies[0], 100)]
        elif len(agencies) > 1 and entities["agency"] not in agencies:  # two bodies: which one is for the citizen
            entities["agency"], entities["agency_candidates"] = None, [AgencyMatch(a, 100) for a in agencies]
        return dataclasses.replace(local, entities=entities, ranking=ranking or local.ranking)

    def _entities(self, text: str, found: list[dict[str, Any]]) -> dict[str, Any]:
        """Rasa's entities as Kavshiri's values, the first of each kind (every body, in order): a
        value Rasa's synonyms gave is taken as it is, raw text is read with the embedded tables."""
        out: dict[str, Any] = {}
        for entity in found:
            key, value = entity.get("entity"), str(entity.get("value", ""))
            if key not in ENTITIES:
                continue
            if not _valid(key, value, self._agencies):
                start, end = entity.get("start"), entity.get("end")
                raw = text[start:end] if isinstance(start, int) and isinstance(end, int) else value
                value = self.local.read(key, raw) or ""
            if not _valid(key, value, self._agencies):
                continue
            if key == "agency":
                if self._agencies[value] not in out.setdefault("agency", []):
                    out["agency"].append(self._agencies[value])
            elif key != "reg_number":  # the embedded regex reads numbers the same way, and more loosely
                out.setdefault(key, value)
        return out

    async def close(self) -> None:
        await self._client.aclose()


ENTITIES = ("agency", "topic", "reg_number", "request_type", "channel", "lang")
_ACCEPTED = (
    {("request_type", t) for t in REQUEST_TYPES} | {("channel", c) for c in CHANNELS} | {("lang", "en"), ("lang", "ka")}
)


def _valid(key: str, value: str, agencies: dict[str, Any]) -> bool:
    if key == "agency":
        return value in agencies
    if key == "topic":
        return bool(TOPIC_ITEM.fullmatch(value))
    return (key, value) in _ACCEPTED
