"""Understanding through a Rasa server (`NLU_BACKEND=rasa`): `POST /model/parse`.

Rasa decides the intent and the entities it was trained to extract (`kavshiri nlu export-rasa`
writes its training data); the embedded understander still gives what Rasa does not know here:
script, the language of Latin-letter text, the agency from the directory, registration numbers.
When the server is down or answers nonsense the embedded answer stands, so a citizen is never
left without a reply. No message text reaches the log.
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Any

import httpx

from bot.models import REQUEST_TYPES
from nlu.corpus import TOPIC_ITEM
from nlu.understanding import INTENTS, STATUS_WITH_NUMBER, Understander, Understanding

log = logging.getLogger("kavshiri.rasa")
CHANNELS = ("sms", "telegram", "email", "web")
RANKED = 3


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
        local = self.local.parse(text, lang_hint)
        try:
            response = await self._client.post("/model/parse", json={"text": text})
            response.raise_for_status()
            return self.merge(local, response.json())
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
            log.warning("rasa parse failed (%s); using the embedded answer", type(error).__name__)
            return local

    def merge(self, local: Understanding, answer: dict[str, Any]) -> Understanding:
        """Rasa's intent and entities over the embedded understanding of the same text."""
        intent = answer["intent"]
        name = intent["name"] if intent.get("name") in INTENTS else "out_of_scope"
        ranking = tuple(
            (r["name"], round(float(r["confidence"]), 4))
            for r in answer.get("intent_ranking", [])[:RANKED] if r.get("name") in INTENTS
        )
        entities = dict(local.entities)
        for found in answer.get("entities", []):
            key, value = found.get("entity"), str(found.get("value", ""))
            if key == "agency" and value in self._agencies:
                entities["agency"] = self._agencies[value]
            elif (key, value) in _ACCEPTED or (key == "topic" and TOPIC_ITEM.fullmatch(value)):
                entities[key] = value
        if entities.get("reg_number") and name in STATUS_WITH_NUMBER:
            name = "check_status"
        return dataclasses.replace(
            local, intent=name, confidence=round(float(intent.get("confidence", 0.0)), 4),
            entities=entities, ranking=ranking or local.ranking,
        )

    async def close(self) -> None:
        await self._client.aclose()


_ACCEPTED = {("request_type", t) for t in REQUEST_TYPES} | {("channel", c) for c in CHANNELS}
