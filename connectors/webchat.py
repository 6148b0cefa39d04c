"""The web chat channel: the widget's (and the JSON API's) adapter to the engine.

A conversation is opened with a random bearer token; its address is a hash of the token, so the
token alone proves whose conversation it is and nothing stored reveals it. The token is signed
and carries the language and agency it was opened with, so opening one stores nothing: the
citizen is created with the conversation's first message, and a page that never says anything
leaves no record. Everything the citizen sent and saw is kept as a transcript, so a reloaded page
shows the whole conversation again and an operator who takes over reads it.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from datetime import date, datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from bot.desk import transcript_key
from bot.engine import MAX_INPUT, Engine
from bot.messages import Inbound, Reply, reply_from_json
from bot.ports import Store
from connectors.i18n import Catalog, message_json
from connectors.receipt import receipt_url

CHANNEL = "web"
HISTORY = 500  # messages a reloaded page gets back
REPLAY_SECONDS = 86_400
REFUSED_KEPT = 500  # characters of a message refused as too long that its transcript keeps


def address_of(token: str) -> str | None:
    if len(token) < 32 or len(token) > 128:
        return None
    return hashlib.sha256(token.encode()).hexdigest()[:32]


class WidgetOrigins:
    """Which pages may host the widget for which agency: "AGENCY=origin origin;*=origin", and
    Kavshiri's own pages (/demo) at its public address, never an origin read from the request's
    Host header (which a DNS-rebinding page controls)."""

    def __init__(self, spec: str, own_url: str) -> None:
        own = urlsplit(own_url)
        self.allowed: dict[str, set[str]] = {"*": {f"{own.scheme}://{own.netloc}"}}
        for part in filter(None, (p.strip() for p in spec.split(";"))):
            agency, _, origins = part.partition("=")
            self.allowed.setdefault(agency.strip(), set()).update(o.rstrip("/") for o in origins.split())

    def allows(self, agency: str, origin: str | None) -> bool:
        if not origin:
            return False
        return origin in self.allowed["*"] or origin in self.allowed.get(agency, set())


class WebChat:
    def __init__(self, engine: Engine, store: Store, catalog: Catalog, secret: str) -> None:
        self.engine, self.store, self.catalog = engine, store, catalog
        self.key = hmac.new(secret.encode(), b"web chat tokens", hashlib.sha256).digest()

    async def open(self, lang: str | None, agency: str | None) -> tuple[str, str]:
        """A new conversation: (token, address). Nothing is stored until it says something."""
        known = agency if agency and self.engine.services.directory.get(agency) else ""
        claims = ".".join((secrets.token_urlsafe(24), lang if lang in ("ka", "en") else "", known))
        token = f"{claims}.{self._sign(claims)}"
        return token, address_of(token) or ""

    async def resume(self, token: str) -> str | None:
        """The address of a conversation this service opened, or None."""
        address = address_of(token)
        if address is None:
            return None
        if self._claims(token) is not None or await self.store.get_citizen(f"{CHANNEL}:{address}"):
            return address  # (a citizen without claims: a token from before they were signed)
        return None

    async def begin(self, token: str) -> str | None:
        """As `resume`, with the citizen created (in the token's language and agency) if this is
        the conversation's first message."""
        address = await self.resume(token)
        if address is not None and (claims := self._claims(token)) is not None:
            await self.engine.citizen(CHANNEL, address, *claims)
        return address

    def _sign(self, claims: str) -> str:
        return hmac.new(self.key, claims.encode(), hashlib.sha256).hexdigest()[:32]

    def _claims(self, token: str) -> tuple[str | None, str | None] | None:
        """(lang, agency) of a token this service signed."""
        claims, _, signature = token.rpartition(".")
        parts = claims.split(".")
        if len(parts) != 3 or not hmac.compare_digest(signature.encode(), self._sign(claims).encode()):
            return None
        return parts[1] or None, parts[2] or None

    async def handle(self, address: str, text: str | None, choice: str | None,
                     message_id: str = "") -> list[dict[str, Any]] | None:
        """The replies to one message; None when `message_id` was handled before (a resend)."""
        if message_id and not await self.store.first_time(f"web-msg:{address}:{message_id}", REPLAY_SECONDS):
            return None
        key = f"{CHANNEL}:{address}"
        said = text if choice is None else await self._label(key, choice)
        said_entry = {"from": "citizen", "text": said, "id": message_id}
        try:
            outcome = await self.engine.handle(Inbound(CHANNEL, address, text=text, choice=choice,
                                                       message_id=message_id, at=datetime.now(timezone.utc)))
        except Exception:
            await self._record(key, said_entry)  # the resend is refused as a replay: keep the words
            raise
        if text and len(text) > MAX_INPUT and any(r.key == "input.too_long" for r in outcome.replies):
            # Refused whole: its beginning is enough for the transcript, not all of it for 30 days.
            said_entry.update(text=text[:REFUSED_KEPT] + "…", refused="too_long", length=len(text))
        # Recorded after the engine, with its replies: a page reloaded meanwhile either has the
        # message and its answer in the history, or neither (and resends it).
        await self._record(key, said_entry)
        return [await self._out(key, outcome.lang, r, message_id) for r in outcome.replies]

    async def replies_to(self, address: str, message_id: str, wait_seconds: float = 10.0) -> list[dict[str, Any]]:
        """What a resent message was answered the first time (waiting while that is still in progress)."""
        key, deadline = transcript_key(f"{CHANNEL}:{address}"), asyncio.get_running_loop().time() + wait_seconds
        while True:
            log = await self.store.read_log(key, 50)
            if any(m["from"] == "citizen" and m.get("id") == message_id for m in log):
                return [m for m in log if m.get("reply_to") == message_id]
            if asyncio.get_running_loop().time() > deadline:
                return []
            await asyncio.sleep(0.1)

    async def pending(self, address: str) -> list[dict[str, Any]]:
        """Messages that arrived since the last call: alerts, and what an operator wrote."""
        key = f"{CHANNEL}:{address}"
        items = await self.store.drain_inbox(key)
        return [await self._out(key, i["lang"], reply_from_json(i["reply"])) for i in items]

    def watch(self, address: str):
        """An event set whenever something arrives for `pending` (see Store.watch_inbox)."""
        return self.store.watch_inbox(f"{CHANNEL}:{address}")

    async def history(self, address: str) -> list[dict[str, Any]]:
        return await self.store.read_log(transcript_key(f"{CHANNEL}:{address}"), HISTORY)

    async def _out(self, key: str, lang: str, reply: Reply, reply_to: str = "") -> dict[str, Any]:
        message = message_json(self.catalog, lang, reply)
        if reply_to:
            message["reply_to"] = reply_to
        message["event"] = self._receipt(lang, message["event"])
        message["from"] = "operator" if (message["event"] or {}).get("type") == "operator" else "bot"
        return await self._record(key, message)

    async def _record(self, key: str, message: dict[str, Any]) -> dict[str, Any]:
        message["at"] = datetime.now(timezone.utc).isoformat()
        await self.store.append_log(transcript_key(key), message)
        return message

    async def _label(self, key: str, choice: str) -> str:
        """What the pressed button said, for the transcript (the id when it is not found)."""
        for message in reversed(await self.store.read_log(transcript_key(key), 10)):
            for c in message.get("choices") or ():
                if c["id"] == choice:
                    return c["label"]
        return choice

    def _receipt(self, lang: str, event: dict[str, Any] | None) -> dict[str, Any] | None:
        """A submission's receipt card needs the agency's name and the deadline in the citizen's words."""
        if not event or event.get("type") != "submitted":
            return event
        agency = self.engine.services.directory.get(event["agency_id"])
        name = (agency.name_ka if lang == "ka" else agency.name_en) if agency else event["agency_id"]
        deadline = self.catalog.value(lang, date.fromisoformat(event["deadline"]))
        card = {**event, "agency": name, "deadline_text": deadline}
        if key := event.get("receipt"):  # paths on Kavshiri's own origin, which the widget knows
            number = event["registration_number"]
            card.update(receipt_pdf=receipt_url("", number, key), receipt_ics=receipt_url("", number, key, "ics"))
        return card

    def ui_strings(self) -> dict[str, dict[str, str]]:
        """The widget's own labels, in both languages, so switching language needs no round trip."""
        keys = sorted(k for k in self.catalog.keys["en"] if k.startswith("widget."))
        return {lang: {k.removeprefix("widget."): self.catalog.text(lang, k) for k in keys} for lang in ("ka", "en")}
