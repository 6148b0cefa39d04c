"""The engine: one `Inbound` in, the replies out, the conversation saved after every step."""
from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import metrics
from bot.desk import QUEUE, live_operator
from bot.flows import STEPS, Turn, goto, is_global
from bot.flows.attach import after_text, on_files
from bot.flows.conversation import FREE_TEXT_STEPS, on_command, on_global_choice, on_intent
from bot.flows.handover import relay
from bot.messages import Inbound, Reply
from bot.models import Citizen, Session
from bot.services import Services

MAX_INPUT = 20_000  # longer messages are refused whole, never cut
GREETING_AFTER = timedelta(hours=6)  # an idle conversation greets its citizen back


@dataclass(frozen=True, slots=True)
class Outcome:
    lang: str
    replies: list[Reply]
    citizen: Citizen  # as the turn left them


def clean(text: str) -> str:
    """NFC, and no control characters except line breaks and tabs."""
    text = unicodedata.normalize("NFC", text)
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c)[0] != "C").strip()


class Engine:
    def __init__(self, services: Services, default_lang: str = "ka") -> None:
        self.services = services
        self.default_lang = default_lang
        self._agencies = frozenset(a.id for a in services.directory)  # bounds the submissions' label

    async def citizen(self, channel: str, address: str, lang: str | None = None,
                      agency: str | None = None) -> Citizen:
        """The citizen behind a channel address, created (and linked) on first contact."""
        citizen = await self.services.store.get_citizen(f"{channel}:{address}")
        return citizen or await self._new_citizen(channel, address, lang, agency)

    async def change_citizen(self, key: str, change: Callable[[Citizen], None]) -> Citizen | None:
        """A change to a stored citizen (None: there is none) made by a channel outside a turn
        (a STOP, a blocked bot), under the conversation's lock: a turn in flight writes the
        citizen back as it ends, and would otherwise undo it."""
        async with self.services.store.conversation(key) as held:
            if held.citizen is not None:
                change(held.citizen)
                held.citizen_changed = True
            return held.citizen

    async def _new_citizen(self, channel: str, address: str, lang: str | None, agency: str | None = None) -> Citizen:
        now = self.services.clock.now().isoformat()
        citizen = Citizen(f"{channel}:{address}", channel, address, lang=lang, created_at=now, agency=agency)
        citizen.portal_id = await self.services.identity.portal_id(citizen)
        await self.services.store.save_citizen(citizen)
        return citizen

    async def handle(self, inbound: Inbound) -> Outcome:
        # One message at a time per conversation, whichever process receives it; the citizen,
        # the session and the desk's entry come with the lock, and go back with its release
        # (with the inbound's `once` mark, so a re-delivery after a crash mid-turn is handled).
        started = time.perf_counter()
        store = self.services.store
        async with store.conversation(inbound.citizen_key, records=(QUEUE,), once=inbound.once) as held:
            citizen = held.citizen or await self._new_citizen(inbound.channel, inbound.address, inbound.lang_hint)
            if held.seen:  # delivered again: the first delivery's turn stands
                return Outcome(citizen.lang or self.default_lang, [], citizen)
            session = held.session or Session(citizen.key)
            turn = Turn(self.services, citizen, session, inbound)
            replies = await self._dispatch(turn, live_operator(held.records[QUEUE]))
            if replies:  # a turn relayed to an operator says nothing: the last buttons stay valid
                session.offered = [c.id for r in replies for c in r.choices]
            session.updated_at = self.services.clock.now().isoformat()
            held.citizen, held.session, held.citizen_changed = citizen, session, turn.citizen_changed
        self._count(turn, replies, time.perf_counter() - started)
        return Outcome(turn.lang, replies, citizen)

    def _count(self, turn: Turn, replies: list[Reply], seconds: float) -> None:
        inbound = turn.inbound
        kind = "choice" if inbound.choice is not None else "file" if inbound.files and not inbound.text else "text"
        metrics.turn_done(inbound.channel, turn.intent if kind == "text" else None, kind, seconds)
        for event in (r.event for r in replies if r.event and r.event.get("type") == "submitted"):
            metrics.submitted(event["agency_id"], event["request_type"], self._agencies)

    async def _dispatch(self, turn: Turn, operator: str | None) -> list[Reply]:
        inbound, session = turn.inbound, turn.session
        if turn.citizen.lang is None:
            replies = await self._first_contact(turn)
            return (replies + await after_text(turn)) if inbound.files else replies
        if operator:
            replies = await relay(turn)
            return [*replies, Reply("attachment.operator")] if inbound.files else replies
        if inbound.choice is not None:
            choice = inbound.choice.strip()
            if is_global(choice):
                return await on_global_choice(turn, choice)
            if choice not in session.offered:
                return [Reply("choice.stale"), *await STEPS[session.step].prompt(turn)]
            return await STEPS[session.step].on_choice(turn, choice)
        if inbound.files:
            return await on_files(turn, self._on_text)
        return await self._on_text(turn, inbound.text or "")

    async def _on_text(self, turn: Turn, raw: str) -> list[Reply]:
        session = turn.session
        if len(raw) > MAX_INPUT and session.step not in ("body", "question"):
            too_long = Reply("input.too_long", {"length": len(raw), "limit": MAX_INPUT})
            return [too_long, *await STEPS[session.step].prompt(turn)]
        text = clean(raw)
        if not text:
            key = "input.unreadable" if raw.strip() else "input.empty"
            return [Reply(key), *await STEPS[session.step].prompt(turn)]
        if command := self.services.understander.command(text):
            if replies := await on_command(turn, command):
                return replies
        if session.step not in FREE_TEXT_STEPS:
            if replies := await on_intent(turn, await turn.understand_first(text)):
                return replies
        if self._returning(session) and turn.understand(text).intent == "greet":
            return [Reply("welcome_back"), *await STEPS[session.step].prompt(turn)]
        return await STEPS[session.step].on_text(turn, text)

    async def _first_contact(self, turn: Turn) -> list[Reply]:
        """A new citizen: answer in the language they wrote in, then act on what they wrote."""
        inbound = turn.inbound
        if inbound.choice in ("lang:ka", "lang:en"):
            turn.set_lang(inbound.choice.split(":")[1])
            return [Reply("welcome"), *await goto(turn, "menu")]
        text = clean(inbound.text or "")
        turn.set_lang((await turn.understand_first(text)).lang if text else self.default_lang)
        replies = [Reply("welcome")]
        competences = self.services.competences
        need = bool(text) and competences.strong(competences.route(text))  # a need told at once is answered at once
        if text and (turn.understand(text).intent not in ("greet", "out_of_scope") or need):
            return replies + await STEPS["menu"].on_text(turn, text)
        return replies + await goto(turn, "menu")

    def _returning(self, session: Session) -> bool:
        if session.step == "menu" or not session.updated_at:
            return False
        idle = self.services.clock.now() - datetime.fromisoformat(session.updated_at)
        return idle > GREETING_AFTER
