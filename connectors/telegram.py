"""The Telegram channel (python-telegram-bot): updates in, HTML messages with inline keyboards out.

One turn of the engine becomes one Telegram message (split at 4,096 characters on paragraph
boundaries) whose keyboard carries the turn's choices; a pressed button is acknowledged and its
keyboard removed, so a stale button cannot be pressed twice to effect. A quick reply to a text
rides in the webhook's own answer; everything else goes through the Bot API.
"""
from __future__ import annotations

import asyncio
import hmac
import html
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache, partial
from typing import Any

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ChatAction, MessageLimit, ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot import receipts
from bot.channels import Capabilities
from bot.engine import Engine, Outcome
from bot.messages import FileTooLarge, FileUnavailable, Inbound, InboundFile, Reply
from bot.outbox import DeliveryError
from bot.ports import ATTACHMENT_MAX_BYTES, ONCE_SECONDS, Store
from connectors.i18n import LANGS, Catalog
from connectors.receipt import ReceiptRenderer

log = logging.getLogger(__name__)
CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TYPING_AFTER = 0.3  # seconds of work before the citizen sees "typing…"
Buttons = tuple[tuple[str, str], ...]  # (choice id, label) pairs, one button each
Later = Callable[[], Awaitable[None]]  # work that continues after the webhook has its answer (a partial)
# Telegram's commands, and what the engine's understander calls them.
COMMANDS = {"start": "/start", "help": "/help", "lang": "/lang", "status": "/status", "my": "/requests",
            "cancel": "/cancel"}


def split_message(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Chunks of at most `limit` characters, cut at paragraph, then line, then hard boundaries."""
    chunks: list[str] = []
    current = ""
    for paragraph in text.split("\n\n"):
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
        while len(paragraph) > limit:
            cut = paragraph.rfind("\n", 0, limit)
            cut = cut if cut > 0 else limit
            chunks.append(paragraph[:cut])
            paragraph = paragraph[cut:].lstrip("\n")
        current = paragraph
    return [*chunks, current] if current or not chunks else chunks


class ChatPacer:
    """At most one message per `interval` seconds in each chat (Telegram's per-chat limit)."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self._next: dict[int, float] = {}

    async def wait(self, chat_id: int) -> None:
        if self.interval <= 0:
            return
        now = asyncio.get_running_loop().time()
        at = max(now, self._next.get(chat_id, 0.0))
        self._next[chat_id] = at + self.interval
        if len(self._next) > 10_000:  # forget chats that are free to send again
            self._next = {k: v for k, v in self._next.items() if v > now}
        if at > now:
            await asyncio.sleep(at - now)

    def take_now(self, chat_id: int) -> bool:
        """Take the chat's slot if it is free at once (else the caller sends later, paced)."""
        if self.interval <= 0:
            return True
        now = asyncio.get_running_loop().time()
        if self._next.get(chat_id, 0.0) > now:
            return False
        self._next[chat_id] = now + self.interval
        return True


class TelegramChannel:
    """`bot` is a python-telegram-bot `Bot` (an `ExtBot` with a rate limiter in production)."""

    capabilities = Capabilities(files=True)  # a long text is split at Telegram's 4,096 characters

    def __init__(self, bot: Any, engine: Engine, store: Store, catalog: Catalog, secret: str,
                 pacer: ChatPacer, receipts: ReceiptRenderer) -> None:
        self.bot, self.engine, self.store, self.catalog = bot, engine, store, catalog
        self.secret, self.pacer, self.receipts = secret, pacer, receipts
        self._busy: Counter[int] = Counter()  # chats with a turn under way or a reply not yet sent

    def verify(self, header: str | None) -> bool:
        return bool(self.secret) and hmac.compare_digest((header or "").encode(), self.secret.encode())

    async def first_time(self, update_id: int) -> bool:
        return await self.store.first_time(_once(update_id), ONCE_SECONDS)

    async def receive(self, data: dict[str, Any]) -> tuple[dict[str, Any] | None, Later | None]:
        """One verified webhook update → the Bot API call for the webhook's own answer (Telegram
        runs it, which saves a request) and the work left for after the answer.

        Telegram re-sends an update it thinks was lost: a turn is taken once per update id (the
        engine marks it with the turn's save), anything else is dropped on a second sight.
        A text turn done within TYPING_AFTER is answered in place; a slower turn, a reply of
        several messages, or a chat whose earlier reply is still on its way goes through the
        Bot API, so replies keep their order. A button press is acknowledged in place. Never raises.
        """
        try:
            said = read_turn(data)
        except (AttributeError, KeyError, TypeError, ValueError, OverflowError):
            said = None  # python-telegram-bot reads it, and says what is wrong
        if said is None:
            return None, await self._other(data)
        if said.pressed:
            return ({"method": "answerCallbackQuery", "callback_query_id": said.pressed[0]},
                    partial(self._safely, self._press, said, True))
        chat_id = said.chat_id
        work = asyncio.ensure_future(self._converse(said.inbound))
        done, _ = await asyncio.wait({work}, timeout=TYPING_AFTER)
        if done and work.exception() is None and self._busy[chat_id] == 1:  # no earlier reply pending
            try:
                in_place = self._in_place(chat_id, work.result())
            except Exception:  # e.g. a reply that cannot be rendered: the Bot API path logs it
                in_place = None
            if in_place is not None:
                self._done(chat_id)
                return in_place or None, None
        return None, partial(self._safely, self._finish, chat_id, work, 0)

    def _in_place(self, chat_id: int, outcome: Outcome) -> dict[str, Any] | None:
        """The webhook answer carrying this reply ({} when there is nothing to say), or None when
        it must go through the Bot API: several messages, or the chat's pace."""
        if not outcome.replies:  # e.g. words relayed to an operator
            return {}
        chunks, keyboard = self.render(outcome.lang, outcome.replies)
        if len(chunks) != 1 or _receipts(outcome.replies) or not self.pacer.take_now(chat_id):
            return None
        markup = {"reply_markup": _keyboard_json(keyboard)} if keyboard else {}
        return {"method": "sendMessage", "chat_id": chat_id, "text": chunks[0],
                "parse_mode": ParseMode.HTML.value, **markup}

    async def _other(self, data: dict[str, Any]) -> Later | None:
        try:
            update = Update.de_json(data, self.bot)
        except Exception:
            log.exception("unreadable telegram update")
            return None
        return partial(self._safely, self.handle_other, update)

    async def handle_update(self, update: Update) -> None:
        """One update from long polling; every reply goes through the Bot API."""
        said = read_turn(update.to_dict())
        if said is None:
            await self.handle_other(update)
        elif said.pressed:
            await self._press(said, answered=False)
        else:
            await self._finish(said.chat_id, asyncio.ensure_future(self._converse(said.inbound)))

    async def _press(self, said: Said, answered: bool) -> None:
        """A button: acknowledged (unless the webhook's answer did) and its keyboard taken away
        beside the turn it starts."""
        query_id, message_id = said.pressed
        acknowledged = asyncio.ensure_future(self._acknowledge(said.chat_id, message_id, None if answered else query_id))
        await self._finish(said.chat_id, asyncio.ensure_future(self._converse(said.inbound)))
        await acknowledged

    async def handle_other(self, update: Update) -> None:
        """Not a text or a press: a photo or document (its caption is text), a turn marked once
        with its save like a text; or something unreadable, answered once per update id."""
        message = update.message
        if message is None or message.chat.type != "private":
            return
        user_lang = message.from_user.language_code if message.from_user else None
        if files := self._files(message):
            caption = _command(message.caption) if message.caption else None
            inbound = Inbound(CHANNEL, str(message.chat.id), text=caption, files=files, at=_now(),
                              message_id=str(message.message_id), lang_hint=_lang(user_lang),
                              once=_once(update.update_id))
            await self._finish(message.chat.id, asyncio.ensure_future(self._converse(inbound)))
            return
        if not await self.first_time(update.update_id):
            return
        citizen = await self._citizen(message.chat.id, user_lang)
        await self.deliver(message.chat.id, citizen.lang or "ka", [Reply("input.unreadable")])

    async def _converse(self, inbound: Inbound) -> Outcome:
        """One turn; the chat counts as busy until its reply is sent (`_finish`) or answered in place."""
        chat_id = int(inbound.address)
        self._busy[chat_id] += 1
        outcome = await self.engine.handle(inbound)
        if outcome.citizen.silenced:  # they unblocked the bot and wrote again
            await self._silence(chat_id, False)
        return outcome

    def _done(self, chat_id: int) -> None:
        self._busy[chat_id] -= 1
        if self._busy[chat_id] <= 0:
            del self._busy[chat_id]

    async def _finish(self, chat_id: int, work: asyncio.Future[Outcome], typing_after: float = TYPING_AFTER) -> None:
        """Show "typing…" if the turn takes a while, then send its reply through the Bot API."""
        try:
            if not work.done():
                await asyncio.wait({work}, timeout=typing_after)
            if not work.done():
                await self._quietly(self.bot.send_chat_action(chat_id, ChatAction.TYPING))
            outcome = await work
            try:
                await self.deliver(chat_id, outcome.lang, outcome.replies)
            except DeliveryError as error:
                log.info("telegram reply not delivered: %s", error)
        finally:
            self._done(chat_id)

    @staticmethod
    async def _safely(work: Callable[..., Awaitable[None]], *args: Any) -> None:
        try:
            await work(*args)
        except Exception:  # one bad update must not take the others down
            log.exception("telegram update failed")

    def _files(self, message: Any) -> tuple[InboundFile, ...]:
        """A document as sent, or the largest size of a photo that the portal would take (Telegram
        offers each photo in several sizes; they are always JPEG)."""
        if document := message.document:
            name = document.file_name or f"document-{message.message_id}"
            return (self._file(document.file_id, name, document.mime_type or "", document.file_size),)
        if message.photo:
            fitting = [p for p in message.photo if p.file_size and p.file_size <= ATTACHMENT_MAX_BYTES]
            best = max(fitting or message.photo, key=lambda p: (p.file_size or 0, p.width * p.height))
            return (self._file(best.file_id, f"photo-{message.message_id}.jpg", "image/jpeg", best.file_size),)
        return ()

    def _file(self, file_id: str, name: str, content_type: str, size: int | None) -> InboundFile:
        async def fetch(limit: int) -> bytes:
            try:
                file = await self.bot.get_file(file_id)
                if file.file_size and file.file_size > limit:
                    raise FileTooLarge(name)
                data = await file.download_as_bytearray()
            except (TelegramError, RuntimeError) as error:  # RuntimeError: no file_path to download
                raise FileUnavailable(type(error).__name__) from None
            if len(data) > limit:
                raise FileTooLarge(name)
            return bytes(data)

        return InboundFile(name, content_type, size, fetch)

    async def _citizen(self, chat_id: int, user_lang: str | None):
        citizen = await self.engine.citizen(CHANNEL, str(chat_id), _lang(user_lang))
        if citizen.silenced:  # they unblocked the bot and wrote again
            await self._silence(chat_id, False)
        return citizen

    async def _acknowledge(self, chat_id: int, message_id: int, query_id: str | None) -> None:
        """Stop the button's spinner (when the webhook's answer did not) and take the old keyboard away."""
        if query_id:
            await self._quietly(self.bot.answer_callback_query(query_id))
        await self._quietly(self.bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id,
                                                               reply_markup=None))

    @staticmethod
    async def _quietly(call) -> None:
        """Acknowledgements and typing are courtesies: their failure changes nothing."""
        try:
            await call
        except TelegramError as error:
            log.debug("telegram courtesy call failed: %s", error)

    def render(self, lang: str, replies: list[Reply]) -> tuple[list[str], Buttons]:
        rendered = [self.catalog.render(lang, r) for r in replies]
        text = "\n\n".join(r.text for r in rendered)
        buttons = tuple((cid, label) for r in rendered for cid, label in r.choices)
        return [html.escape(c, quote=False) for c in split_message(text)], buttons

    async def deliver(self, chat_id: int, lang: str, replies: list[Reply]) -> None:
        if not replies:  # e.g. words relayed to an operator: nothing to say back
            return
        chunks, keyboard = self.render(lang, replies)
        for n, chunk in enumerate(chunks, 1):
            await self.pacer.wait(chat_id)
            markup = _keyboard(keyboard) if n == len(chunks) and keyboard else None
            try:
                await self.bot.send_message(chat_id, chunk, parse_mode=ParseMode.HTML, reply_markup=markup)
            except Forbidden as error:  # blocked, or the account is gone: stop writing to them
                await self._silence(chat_id)
                raise DeliveryError(f"telegram refused: {error.message}", permanent=True) from None
            except BadRequest as error:
                raise DeliveryError(f"telegram bad request: {error.message}", permanent=True) from None
            except RetryAfter:  # the rate limiter already waited and retried
                raise DeliveryError("telegram flood control") from None
            except TelegramError as error:
                raise DeliveryError(f"telegram error: {type(error).__name__}") from None
        for number in _receipts(replies):
            await self._send_receipt(chat_id, number)

    async def _send_receipt(self, chat_id: int, number: str) -> None:
        """The receipt as a PDF document, and the due day as a calendar entry; a failure costs only these."""
        receipt = await receipts.load(self.store, number)
        if receipt is None:
            return
        pdf = await asyncio.to_thread(self.receipts.pdf, receipt)
        caption = self.catalog.text(receipt.lang, "receipt.caption", {"number": number})
        for data, name in ((pdf, f"{number}.pdf"), (self.receipts.ics(receipt), f"{number}.ics")):
            await self.pacer.wait(chat_id)
            try:
                await self.bot.send_document(chat_id, InputFile(data, filename=name), caption=caption)
            except TelegramError as error:
                log.warning("telegram receipt not sent: %s", type(error).__name__)
                return
            caption = None

    async def send(self, address: str, lang: str, reply: Reply) -> None:
        """The outbox's entry point (alerts)."""
        citizen = await self.store.get_citizen(f"{CHANNEL}:{address}")
        if citizen is not None and citizen.silenced:
            raise DeliveryError("the citizen blocked the bot", permanent=True)
        await self.deliver(int(address), lang, [reply])

    async def _silence(self, chat_id: int, silenced: bool = True) -> None:
        await self.engine.change_citizen(f"{CHANNEL}:{chat_id}", lambda c: setattr(c, "silenced", silenced))

    async def setup(self, webhook_url: str | None) -> None:
        """Register the commands in both languages, and the webhook (None: long polling)."""
        for lang in LANGS:
            commands = [BotCommand(name, self.catalog.text(lang, f"telegram.cmd_{name}")) for name in COMMANDS]
            await self.bot.set_my_commands(commands, language_code=lang)
        if webhook_url:
            await self.bot.set_webhook(webhook_url, secret_token=self.secret,
                                       allowed_updates=["message", "callback_query"])
        else:
            await self.bot.delete_webhook()

    async def poll(self, timeout: int = 30) -> None:
        """Long polling, for running without a public URL. Runs until cancelled."""
        offset = None
        while True:
            try:
                updates = await self.bot.get_updates(offset=offset, timeout=timeout,
                                                     allowed_updates=["message", "callback_query"])
            except TelegramError as error:
                log.warning("getUpdates failed: %s", type(error).__name__)
                await asyncio.sleep(1)
                continue
            for update in updates:
                offset = update.update_id + 1
                await self._safely(self.handle_update, update)


def _receipts(replies: list[Reply]) -> list[str]:
    """Registration numbers whose receipt these replies announce."""
    return [r.event["registration_number"] for r in replies if r.event and r.event.get("receipt")]


@lru_cache(maxsize=4096)
def _keyboard(buttons: Buttons) -> InlineKeyboardMarkup:
    """One button a row. PTB's objects are immutable, so a keyboard seen before is reused."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=cid)] for cid, label in buttons])


@lru_cache(maxsize=4096)
def _keyboard_json(buttons: Buttons) -> dict[str, Any]:
    """The keyboard as a webhook answer carries it (never changed after it is made)."""
    return _keyboard(buttons).to_dict()


@dataclass(frozen=True, slots=True)
class Said:
    """A private text message or a button press: what the engine takes a turn on."""

    inbound: Inbound
    chat_id: int
    pressed: tuple[str, int] | None = None  # (callback query id, id of the message with the button)


def read_turn(data: dict[str, Any]) -> Said | None:
    """The turn in a verified update's JSON, or None for anything else (files, stickers, groups,
    edits…), which python-telegram-bot reads in full. Read directly: building PTB's objects for
    every update cost a tenth of the webhook's CPU, and a turn needs five fields."""
    once, at = _once(int(data["update_id"])), _now()
    if (query := data.get("callback_query")) is not None:
        message, choice = query.get("message"), query.get("data")
        if not message or not isinstance(choice, str):
            return None  # an inline-mode or game button: nothing of ours
        chat_id = int(message["chat"]["id"])
        inbound = Inbound(CHANNEL, str(chat_id), choice=choice, message_id=f"cb{query['id']}", at=at,
                          lang_hint=_lang(query["from"].get("language_code")), once=once)
        return Said(inbound, chat_id, (str(query["id"]), int(message["message_id"])))
    message = data.get("message")
    if not message or message["chat"]["type"] != "private" or not isinstance(message.get("text"), str):
        return None
    chat_id = int(message["chat"]["id"])
    inbound = Inbound(CHANNEL, str(chat_id), text=_command(message["text"]), message_id=str(message["message_id"]),
                      at=at, lang_hint=_lang((message.get("from") or {}).get("language_code")), once=once)
    return Said(inbound, chat_id)


def _once(update_id: int) -> str:
    """The key that marks an update as handled, whichever path it takes (one per update id)."""
    return f"tg-update:{update_id}"


def _command(text: str) -> str:
    """`/my@KavshiriBot` → the understander's `/requests`; other text passes unchanged."""
    if not text.startswith("/"):
        return text
    name = text[1:].split("@", 1)[0].split(maxsplit=1)[0].lower() if len(text) > 1 else ""
    return COMMANDS.get(name, text)


def _lang(code: str | None) -> str | None:
    """Telegram's language_code, when it is one of ours (for a new citizen)."""
    return code if code in LANGS else None


def _now() -> datetime:
    return datetime.now(timezone.utc)
