"""SMS and WhatsApp through Twilio: opt-out words first, numbered menus, costed replies.

A citizen is their phone number (E.164). WhatsApp arrives as `whatsapp:+995…` and takes the same
path under its own channel name. Replies go out through Twilio's REST API, so conversation
replies and alerts share one path, and each is capped in segments. Media (MMS, WhatsApp) is
fetched from Twilio with the account's credentials, and only from Twilio's own API address.
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import unquote, urlsplit

import aiohttp
import httpx
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator

from bot.channels import Capabilities
from bot.contacts import georgian_mobile
from bot.engine import Engine
from bot.messages import FileTooLarge, FileUnavailable, Inbound, InboundFile, Reply
from bot.models import FINAL_STATUSES, UNDELIVERED, Citizen
from bot.outbox import DeliveryError
from bot.ports import DOCX, Store
from connectors.i18n import Catalog
from connectors.receipt import receipt_url
from connectors.sms_text import PART, cost, fit, romanise

log = logging.getLogger(__name__)
# Twilio's HTTP client logs responses (numbers, texts) at INFO: keep it to warnings.
TWILIO_HTTP_LOG = logging.getLogger("kavshiri.twilio_http")
TWILIO_HTTP_LOG.setLevel(logging.WARNING)
PREFIXES = {"sms": "", "whatsapp": "whatsapp:"}
MESSAGE_TTL = 7 * 86_400  # Twilio retries a webhook for far less than this
# Keywords honoured before anything else. CANCEL and END are left out: they mean "cancel" and
# "finish" in the conversation itself. START and HELP only act here when they have to.
STOP_WORDS = {"stop", "stopall", "unsubscribe", "quit", "optout", "revoke", "გაჩერება", "gachereba", "gaCereba"}
START_WORDS = {"start", "unstop", "yes", "დაწყება", "dawyeba", "daWyeba"}
HELP_WORDS = {"help", "info", "დახმარება", "daxmareba"}
ENGLISH_WORDS = {"stop", "stopall", "unsubscribe", "quit", "optout", "revoke", "start", "unstop", "yes", "help", "info"}
TWILIO_OPTED_OUT = 21610  # "Attempt to send to unsubscribed recipient"
WHATSAPP_OUTSIDE_WINDOW = 63016  # a free-form WhatsApp message outside the 24-hour window
E164 = re.compile(r"^\+[1-9]\d{7,14}$")
# Error codes of a message Twilio took and later reported undelivered or failed
# (https://www.twilio.com/docs/api/errors/<code>). Worth another try later:
TRANSIENT_CODES = {
    30001: "queue overflow",
    30003: "unreachable destination handset",
    30008: "unknown error",
    30017: "carrier network congestion",
    30036: "validity period expired",
}
# Final for this address; any code not listed above counts as final too, so an unknown failure
# falls back to another channel at once instead of paying for retries nobody said would help.
PERMANENT_CODES = {
    30004: "message blocked",
    30005: "unknown destination handset",
    30006: "landline or unreachable carrier",
    30007: "message filtered",
    21610: "unsubscribed recipient",
    63014: "blocked by the user on the channel",
    63016: "outside the WhatsApp 24-hour window",
}
WHATSAPP_WINDOW = timedelta(hours=24)  # free-form messages only this long after the citizen's last
TWILIO_API = "https://api.twilio.com"
MEDIA_TIMEOUT = 30.0
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", DOCX: "docx"}


def parse_sender(value: str) -> tuple[str, str] | None:
    """`+995555123456` → ("sms", number); `whatsapp:+995…` → ("whatsapp", number); else None."""
    channel, number = ("whatsapp", value[9:]) if value.startswith("whatsapp:") else ("sms", value)
    if not E164.match(number) or (number.startswith("+995") and georgian_mobile(number) != number):
        return None
    return channel, number


def parse_templates(value: str) -> dict[str, str]:
    """`HX…` (every language) or `ka=HX…,en=HX…` → language ("*": any) → Content SID."""
    found: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in value.split(","))):
        lang, _, sid = part.rpartition("=")
        found[lang.strip() or "*"] = sid.strip()
    return found


@dataclass(frozen=True, slots=True)
class Failure:
    error: str
    permanent: bool


def failure(status: str, error_code: str) -> Failure | None:
    """What a status callback means for the message: None unless it was not delivered."""
    if status not in UNDELIVERED:
        return None
    code = int(error_code) if error_code.isdigit() else 0
    name = TRANSIENT_CODES.get(code) or PERMANENT_CODES.get(code) or "unlisted"
    return Failure(f"twilio {status} (code {code}: {name})", permanent=code not in TRANSIENT_CODES)


def numbered(ids: list[str]) -> dict[str, str]:
    """Menu numbers for choice ids: "back" is 0, the others 1, 2, … in order."""
    numbers: dict[str, str] = {}
    count = 0
    for choice_id in ids:
        if choice_id == "back":
            numbers["0"] = choice_id
        else:
            count += 1
            numbers[str(count)] = choice_id
    return numbers


class SmsChannel:
    """`client` is a `twilio.rest.Client` with an async HTTP client."""

    def __init__(self, client: Any, engine: Engine, store: Store, catalog: Catalog, from_number: str,
                 status_url: str, max_segments: int, templates: dict[str, str] | None = None,
                 public_url: str = "") -> None:
        self.client, self.engine, self.store, self.catalog = client, engine, store, catalog
        self.public_url = public_url  # Kavshiri's own, for links to receipts
        self.from_number, self.status_url, self.max_segments = from_number, status_url, max_segments
        self.templates = templates or {}  # WhatsApp alert templates (Content SIDs) by language
        self.validator = RequestValidator(client.password)
        # Media URLs carry no secret: the account's credentials open them. Redirects (to Twilio's
        # storage) are followed; httpx drops the credentials when one leaves the origin.
        self.media_http = httpx.AsyncClient(auth=(client.username, client.password), follow_redirects=True,
                                            timeout=MEDIA_TIMEOUT, max_redirects=3)
        self.media_origins = {_origin(TWILIO_API), _origin(client.api.base_url)}

    def verify(self, url: str, form: dict[str, str], signature: str) -> bool:
        """Twilio's signature over the public URL and the form (constant-time comparison)."""
        return bool(self.client.password) and self.validator.validate(url, form, signature)

    async def close(self) -> None:
        await self.client.http_client.close()
        await self.media_http.aclose()

    async def receive(self, sender: str, body: str, message_sid: str,
                      media: list[tuple[str, str]] | None = None) -> None:
        """One verified inbound message, with its media as (MediaUrl, MediaContentType); runs after
        Twilio has had its answer. Never raises."""
        try:
            channel, number = parse_sender(sender) or ("", "")
            if channel and await self.store.first_time(f"twilio-in:{message_sid}", MESSAGE_TTL):
                await self._receive(channel, number, body, media or [])
        except Exception:
            log.exception("inbound SMS failed")

    async def _receive(self, channel: str, number: str, body: str, media: list[tuple[str, str]]) -> None:
        word = body.strip().casefold()
        citizen = await self.engine.citizen(channel, number)
        if channel == "whatsapp":  # any message opens WhatsApp's 24-hour window
            now = datetime.now(timezone.utc).isoformat()
            citizen = await self.engine.change_citizen(citizen.key, lambda c: setattr(c, "last_inbound_at", now)) or citizen
        lang = citizen.lang or ("en" if word in ENGLISH_WORDS else "ka")
        if word in STOP_WORDS or (citizen.silenced and word in START_WORDS):
            stop = word in STOP_WORDS
            citizen = await self.engine.change_citizen(citizen.key, lambda c: setattr(c, "silenced", stop)) or citizen
            await self._reply(citizen, lang, [Reply("sms.stopped" if stop else "sms.started")], True)
            return
        if word in HELP_WORDS:
            await self._reply(citizen, lang, [Reply("sms.help")], force=True)
            return
        if citizen.silenced:
            return  # a stopped number gets nothing until START
        files = tuple(self._media(url, kind, n) for n, (url, kind) in enumerate(media))
        outcome = await self.engine.handle(await self._inbound(citizen, body, files))
        citizen = await self.store.get_citizen(citizen.key) or citizen  # the turn may change settings
        await self._reply(citizen, outcome.lang, outcome.replies)

    async def _inbound(self, citizen: Citizen, body: str, files: tuple[InboundFile, ...] = ()) -> Inbound:
        common: dict[str, Any] = {"at": datetime.now(timezone.utc)}
        if files:  # the words are the files' caption, never a menu number
            return Inbound(citizen.channel, citizen.address, text=body, files=files, **common)
        session = await self.store.load_session(citizen.key)
        if session and (choice := numbered(session.offered).get(body.strip())):
            return Inbound(citizen.channel, citizen.address, choice=choice, **common)
        return Inbound(citizen.channel, citizen.address, text=body, **common)

    def media_allowed(self, url: str) -> bool:
        """Only this account's media on Twilio's API (or the configured TWILIO_API_URL): a signed
        webhook could still name any address, and fetching it with the credentials would leak them."""
        parts = urlsplit(url)
        account = f"/2010-04-01/Accounts/{self.client.account_sid}/"
        # "/Accounts/<ours>/../../<anything>" starts right and ends elsewhere once resolved.
        dot_segments = {".", ".."} & set(unquote(parts.path).split("/"))
        return _origin(url) in self.media_origins and parts.path.startswith(account) and not dot_segments

    def _media(self, url: str, content_type: str, n: int) -> InboundFile:
        # Twilio passes no file name: name it by its kind, for the citizen's review.
        kind = "photo" if content_type.startswith("image/") else "document"
        name = f"{kind}-{n + 1}.{EXTENSIONS.get(content_type, 'bin')}"

        async def fetch(limit: int) -> bytes:
            if not self.media_allowed(url):
                log.warning("media refused: not on Twilio's API (%s)", urlsplit(url).hostname)
                raise FileUnavailable("foreign media URL")
            try:
                return await self._download(url, limit)
            except httpx.HTTPError as error:
                raise FileUnavailable(type(error).__name__) from None

        return InboundFile(name, content_type, None, fetch)

    async def _download(self, url: str, limit: int) -> bytes:
        async with self.media_http.stream("GET", url) as response:
            if response.status_code != 200:
                raise FileUnavailable(f"HTTP {response.status_code}")
            length = response.headers.get("content-length", "")
            if length.isdigit() and int(length) > limit:
                raise FileTooLarge(url)
            data = bytearray()
            async for chunk in response.aiter_bytes():
                data += chunk
                if len(data) > limit:
                    raise FileTooLarge(url)
        return bytes(data)

    async def _reply(self, citizen: Citizen, lang: str, replies: list[Reply], force: bool = False) -> None:
        try:
            await self.deliver(citizen, lang, replies, force)
        except DeliveryError as error:
            log.info("SMS reply not delivered: %s", error)

    def render(self, lang: str, replies: list[Reply], script: str = "geo", footer: str = "") -> str:
        """The replies as one message; the menu and the footer (a link) are never shortened."""
        rendered = [self.catalog.render(lang, r) for r in replies]
        labels = dict(c for r in rendered for c in r.choices)
        menu = "\n".join(f"{n} {labels[cid]}" for n, cid in sorted(numbered(list(labels)).items(), key=_menu_order))
        texts = [r.text for r in rendered]
        if script == "latin":
            texts, menu, footer = [romanise(t) for t in texts], romanise(menu), romanise(footer)
        return fit(texts, "\n".join(filter(None, (menu, footer))), self.max_segments)

    async def deliver(self, citizen: Citizen, lang: str, replies: list[Reply], force: bool = False) -> str | None:
        """Send; the message's SID, or None when there was nothing to say."""
        if citizen.silenced and not force:
            raise DeliveryError("the number has opted out", permanent=True)
        if not replies:  # e.g. words relayed to an operator: nothing to say back
            return None
        # A receipt goes as the PDF itself on WhatsApp, as its link on SMS.
        links = [receipt_url(self.public_url, r.event["registration_number"], r.event["receipt"])
                 for r in replies if r.event and r.event.get("receipt")]
        media = {"media_url": links} if links and citizen.channel == "whatsapp" else {}
        footer = "\n".join(self.catalog.text(lang, "receipt.link", {"url": u}) for u in links) if not media else ""
        body = self.render(lang, replies, citizen.sms_script, footer)
        price = cost(body)
        sid = await self._create(citizen, body=body, **media)
        log.info("%s sent: %d segment(s), %s", citizen.channel, price.segments, price.encoding)
        return sid

    async def _create(self, citizen: Citizen, **content: Any) -> str:
        prefix = PREFIXES[citizen.channel]
        try:
            message = await self.client.messages.create_async(
                to=prefix + citizen.address, from_=prefix + self.from_number, status_callback=self.status_url,
                **content)
        except TwilioRestException as error:
            if error.code == TWILIO_OPTED_OUT:  # opted out at the carrier: remember it like STOP
                citizen.silenced = True
                await self.engine.change_citizen(citizen.key, lambda c: setattr(c, "silenced", True))
            temporary = error.status >= 500 or error.status == 429
            raise DeliveryError(f"twilio {error.status} (code {error.code})", permanent=not temporary) from None
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise DeliveryError(f"twilio unreachable: {type(error).__name__}") from None
        await self.store.record_delivery(message.sid, message.status or "queued")
        return message.sid

    async def status(self, sid: str, status: str, error_code: str, to: str) -> Failure | None:
        """A verified status callback: recorded; a failure the first time it is reported."""
        if not await self.store.record_delivery(sid, status):
            return None  # a repeat, or later news already recorded: never acted on twice
        found = failure(status, error_code)
        if found and error_code in (str(TWILIO_OPTED_OUT), str(WHATSAPP_OUTSIDE_WINDOW)):
            await self._learn(to, error_code)
        if found and error_code == str(WHATSAPP_OUTSIDE_WINDOW) and self.templates:
            # Not final on WhatsApp: tried again, it goes as the approved template.
            return Failure(found.error, permanent=False)
        return found

    async def _learn(self, to: str, error_code: str) -> None:
        """What a failure says about the recipient: opted out (like STOP), or the WhatsApp window
        is shut whatever our clock thought (templates from now on)."""
        channel, number = parse_sender(to) or ("", "")
        if not channel:
            return
        field, value = ("silenced", True) if error_code == str(TWILIO_OPTED_OUT) else ("last_inbound_at", "")
        await self.engine.change_citizen(f"{channel}:{number}", lambda c: setattr(c, field, value))

    # WhatsApp allows free-form messages only within 24 hours of the citizen's last message;
    # outside it only an approved template (Content API) may start a conversation.

    def in_window(self, citizen: Citizen) -> bool:
        if not citizen.last_inbound_at:
            return False
        return datetime.now(timezone.utc) - datetime.fromisoformat(citizen.last_inbound_at) < WHATSAPP_WINDOW

    async def deliver_template(self, citizen: Citizen, lang: str, reply: Reply) -> str:
        """An alert outside the window, as the approved template with its three variables:
        registration number, organisation, link. Anything else cannot go out there."""
        template = self.templates.get(lang) or self.templates.get("*")
        if citizen.silenced:
            raise DeliveryError("the number has opted out", permanent=True)
        if not template or (reply.event or {}).get("type") not in FINAL_STATUSES:
            log.warning("whatsapp message not sent: outside the 24-hour window and no template for it")
            raise DeliveryError("whatsapp window closed, no template", permanent=True)
        params = reply.params
        variables = {"1": str(params.get("number", "")), "2": self.catalog.value(lang, params.get("agency", "")),
                     "3": str(params.get("url") or "https://my.gov.ge")}
        sid = await self._create(citizen, content_sid=template,
                                 content_variables=json.dumps(variables, ensure_ascii=False))
        log.info("whatsapp alert sent as a template")
        return sid

    def sender(self, channel: str) -> _Sender:
        return _Sender(self, channel)


class _Sender:
    """The outbox's view of one of the two channels."""

    def __init__(self, sms: SmsChannel, channel: str) -> None:
        self.sms, self.channel = sms, channel
        # A reply is capped at the segment budget; Georgian script (UCS-2) is the tighter count.
        self.capabilities = Capabilities(files=channel == "whatsapp", max_chars=sms.max_segments * PART["ucs2"])

    async def send(self, address: str, lang: str, reply: Reply) -> str | None:
        key = f"{self.channel}:{address}"
        citizen = await self.sms.store.get_citizen(key) or Citizen(key, self.channel, address, lang)
        if self.channel == "whatsapp" and not self.sms.in_window(citizen):
            return await self.sms.deliver_template(citizen, lang, reply)
        return await self.sms.deliver(citizen, lang, [reply])


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()  # user:password@ in the address makes it no match


def _menu_order(item: tuple[str, str]) -> int:
    number = int(item[0])
    return number if number else 10_000  # 0 (back) comes last
