"""The Rasa backend against a local stand-in that answers in Rasa's `POST /model/parse` format."""
from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from connectors.rasa import RasaUnderstander
from kavshiri.app import Kavshiri
from nlu.agencies import AgencyMatcher
from nlu.directory import Directory
from nlu.model import Models
from nlu.understanding import Understander
from tests.conftest import Chat, choice_ids, settings_for, texts
from tests.support import ThreadServer, bound_socket

# What the stand-in's model "understood", by text: the real response shape of Rasa 3.
ANSWERS = {
    "xelfasebi finansTa saministroshi": ("ask_published_info", 0.91, [("topic", "5.3"), ("agency", "mof")]),
    "zzz": ("submit_request", 0.88, [("agency", "moj"), ("request_type", "complaint")]),
    "0451223": ("out_of_scope", 0.6, []),
    "strange": ("no_such_intent", 0.7, [("agency", "nowhere"), ("topic", "9.9"), ("channel", "pigeon")]),
    "E-2026-0000042": ("cancel", 0.93, []),
    "english please": ("change_language", 0.97, [("lang", "en")]),
    "hello in english": ("greet", 0.97, [("lang", "en")]),
    "to the MoJ or the MoF": ("submit_request", 0.9, [("agency", "moj"), ("agency", "mof"), ("agency", "moj")]),
    # raw text, as Rasa gives an entity its synonyms do not map ("salaries": stemming; "tenders": two meanings)
    "salaries": ("ask_published_info", 0.9, [("topic", "salaries")]),
    "შსს-ში": ("submit_request", 0.9, [("agency", "შსს-ში")]),
    "e-mail": ("notification_settings", 0.9, [("channel", "e-mail")]),
    "salaries?": ("greet", 0.9, [("topic", "5.3")]),
    "hmm": ("nlu_fallback", 0.3, []),
}


def rasa_standin(seen: list[dict]) -> FastAPI:
    app = FastAPI()

    @app.post("/model/parse")
    async def parse(request: Request):
        body = await request.json()
        seen.append(body)
        text = body["text"]
        if text == "broken":
            return PlainTextResponse("model not loaded", status_code=500)
        if text == "garbage":
            return PlainTextResponse("<html>not json</html>")
        name, confidence, entities = ANSWERS.get(text, ("out_of_scope", 0.4, []))
        return JSONResponse({
            "text": text,
            "intent": {"name": name, "confidence": confidence},
            "intent_ranking": [{"name": name, "confidence": confidence}, {"name": "help", "confidence": 0.05}],
            "entities": [
                {"entity": e, "value": v, "start": 0, "end": len(text), "confidence_entity": 0.9,
                 "extractor": "DIETClassifier"} for e, v in entities
            ],
            "text_tokens": [[0, len(text)]],
        })

    return app


@pytest.fixture(scope="module")
def rasa():
    seen: list[dict] = []
    with ThreadServer(rasa_standin(seen)) as server:
        server.seen = seen
        yield server


@pytest.fixture
async def backend(rasa):
    local = Understander(AgencyMatcher(Directory.load()), Models.load())
    understander = RasaUnderstander(local, rasa.url, timeout=2.0)
    yield understander
    await understander.close()


async def test_rasa_decides_intent_and_entities_the_embedded_side_adds_the_rest(backend, rasa):
    got = await backend.parse_async("xelfasebi finansTa saministroshi", "ka")
    assert (got.intent, got.confidence, got.entities["topic"]) == ("ask_published_info", 0.91, "5.3")
    assert got.entities["agency"].id == "mof" and (got.lang, got.script) == ("ka", "latin")
    assert got.ranking[0] == ("ask_published_info", 0.91)
    assert rasa.seen[-1] == {"text": "xelfasebi finansTa saministroshi"}


async def test_a_registration_number_still_means_a_status_question(backend):
    got = await backend.parse_async("0451223")
    assert (got.intent, got.entities["reg_number"]) == ("check_status", "0451223")


async def test_unknown_intents_and_entity_values_are_not_believed(backend):
    got = await backend.parse_async("strange")
    assert got.intent == "out_of_scope"
    assert got.entities["agency"] is None and got.entities["topic"] is None and got.entities["channel"] is None


@pytest.mark.parametrize("text", ["broken", "garbage"])
async def test_a_failing_server_leaves_the_embedded_answer(backend, text):
    local = backend.local.parse(text)
    assert await backend.parse_async(text) == local


async def test_an_unreachable_server_leaves_the_embedded_answer():
    closed = bound_socket()  # bound, never listening: connections are refused
    url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    local = Understander(AgencyMatcher(Directory.load()), Models.load())
    understander = RasaUnderstander(local, url, timeout=1.0)
    try:
        got = await understander.parse_async("minda chivili davwero shss-ze")
        assert got == local.parse("minda chivili davwero shss-ze")
    finally:
        await understander.close()
        closed.close()


async def test_the_engine_follows_rasa_when_configured(tmp_path: Path, portal, rasa):
    settings = settings_for(tmp_path / "home", portal.url, nlu_backend="rasa", rasa_url=rasa.url)
    kv = await Kavshiri.build(settings, portal.url)
    try:
        chat = Chat(kv)
        await chat.start("en")
        replies = await chat.say("zzz")  # meaningless to the embedded models; Rasa knows it
        assert "Understood: Complaint to the Ministry of Justice" in texts(replies)
        assert "back" in choice_ids(replies)
    finally:
        await kv.close()


async def test_a_bare_registration_number_is_a_status_question_whatever_rasa_says(backend):
    got = await backend.parse_async("E-2026-0000042")
    assert (got.intent, got.entities["reg_number"]) == ("check_status", "E-2026-0000042")


async def test_the_language_asked_for_is_taken_in_a_language_switch_only(backend):
    switch = await backend.parse_async("english please", "ka")
    assert (switch.intent, switch.entities["lang"]) == ("change_language", "en")
    hello = await backend.parse_async("hello in english", "ka")
    assert hello.intent == "greet" and hello.entities["lang"] == hello.lang


async def test_two_bodies_from_rasa_are_candidates_not_the_last_one(backend):
    got = await backend.parse_async("to the MoJ or the MoF")
    assert got.entities["agency"] is None
    assert [m.agency.id for m in got.entities["agency_candidates"]] == ["moj", "mof"]


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [("salaries", "topic", "5.3"), ("შსს-ში", "agency", "mia"), ("e-mail", "channel", "email")],
)
async def test_raw_text_from_rasa_is_read_with_the_embedded_tables(backend, text, key, value):
    got = (await backend.parse_async(text)).entities[key]
    assert (got.id if key == "agency" else got) == value


async def test_entities_are_settled_by_rasas_intent_not_the_embedded_one(backend):
    got = await backend.parse_async("salaries?")  # the embedded models read a topic question
    assert (got.intent, got.entities["topic"]) == ("greet", None)


async def test_rasas_fallback_is_an_unsure_reading(backend):
    got = await backend.parse_async("hmm")
    assert (got.intent, got.confidence) == ("out_of_scope", 0.0)
