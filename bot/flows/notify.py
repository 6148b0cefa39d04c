"""Notification settings: where else completion alerts go (e-mail, SMS) and the SMS script.

A new address is used only once the citizen types back the code sent to it, so nobody can
point alerts (and the requests they name) at someone else's phone or mailbox. Only channels this
deployment can send on are offered; when one stops working under a citizen who waits for a code,
they are told (at their next message, and by `code_lost` when the code is given up).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

from bot.contacts import email_address, georgian_mobile, mailbox_key
from bot.flows import BACK, CANCEL, Step, Turn, choice, goto, step
from bot.messages import Reply, Text, reply_to_json
from bot.models import Notification
from bot.ports import Clock, Store

KINDS = {"email": email_address, "sms": georgian_mobile}
SMS_CHANNELS = ("sms", "whatsapp")
CODE_TRIES = 3
CODES_PER_DAY = 5  # each code costs an SMS or an e-mail to someone: not a way to pester them


def extra_channels(citizen) -> dict[str, str]:
    """The citizen's chosen alert channels: channel -> address."""
    return dict(entry.split(":", 1) for entry in citizen.notify if ":" in entry)


def offered(turn: Turn) -> list[str]:
    """The kinds of address that can get a code (and alerts) in this deployment."""
    return [kind for kind in KINDS if kind in turn.services.channels]


@step
class NotifyStep(Step):
    name = "notify"

    async def prompt(self, turn: Turn) -> list[Reply]:
        chosen = extra_channels(turn.citizen)
        current = [Text(f"notify.item_{kind}", {"address": address}) for kind, address in chosen.items()]
        kinds = offered(turn)
        options = [choice(f"notify:{kind}") for kind in kinds]
        if turn.citizen.channel in SMS_CHANNELS:
            options.append(choice("notify:geo" if turn.citizen.sms_script == "latin" else "notify:latin"))
        if chosen:
            options.append(choice("notify:clear"))
        params = {"current": current or Text("notify.none")}
        key = "notify.prompt" if kinds else "notify.prompt_chat_only"
        return [Reply(key, params, choices=(*options, BACK, CANCEL))]

    async def on_choice(self, turn: Turn, choice_id: str) -> list[Reply]:
        kind, _, value = choice_id.partition(":")
        if kind != "notify":
            return await super().on_choice(turn, choice_id)
        if value in KINDS:
            if value not in offered(turn):  # a button from before the configuration changed
                return [Reply(f"notify.unavailable_{value}"), *await self.prompt(turn)]
            turn.session.context["notify_kind"] = value
            return await goto(turn, "notify_address")
        if value == "clear":
            turn.citizen.notify = []
            turn.citizen_changed = True
            return [Reply("notify.cleared"), *await self.prompt(turn)]
        if value in ("geo", "latin"):
            turn.citizen.sms_script = value
            turn.citizen_changed = True
            return [Reply(f"notify.script_{value}"), *await self.prompt(turn)]
        return await super().on_choice(turn, choice_id)


@step
class NotifyAddressStep(Step):
    name = "notify_address"
    back_to = "notify"

    async def prompt(self, turn: Turn) -> list[Reply]:
        kind = turn.session.context.get("notify_kind", "email")
        return [Reply(f"notify.ask_{kind}", choices=(BACK, CANCEL))]

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        kind = turn.session.context.get("notify_kind", "email")
        if kind not in offered(turn):  # the configuration changed while they were typing
            return [Reply(f"notify.unavailable_{kind}"), *await goto(turn, "notify")]
        address = KINDS[kind](text)
        if address is None:
            return [Reply(f"notify.invalid_{kind}"), *await self.prompt(turn)]
        if not await _count_code(turn, address):
            return [Reply("notify.too_many_codes"), *await goto(turn, "notify")]
        await _send_code(turn, kind, address)
        return [Reply("notify.code_sent", {"address": address}), *await goto(turn, "notify_code")]


async def _count_code(turn: Turn, address: str) -> bool:
    """Count one more code today, for this citizen and for this address, in the store: neither a
    cancelled conversation nor a fresh chat resets it, so nobody can flood someone's phone or
    mailbox. False once either allowance is spent."""
    today = turn.services.clock.now().date().isoformat()
    target = hashlib.sha256(mailbox_key(address).encode()).hexdigest()[:24]  # no raw addresses in keys
    for who in (turn.citizen.key, target):
        if not await _take_slot(turn, f"codes:{who}:{today}"):
            return False
    return True


async def _take_slot(turn: Turn, key: str) -> bool:
    for n in range(CODES_PER_DAY):
        if await turn.services.store.first_time(f"{key}:{n}", 2 * 86_400):
            return True
    return False


async def _send_code(turn: Turn, kind: str, address: str) -> None:
    """Queue a code to the new address; only its digest stays in the session."""
    code = f"{secrets.randbelow(10**6):06d}"
    turn.session.context["notify_pending"] = {"entry": f"{kind}:{address}", "tries": 0, "code": _digest(turn, code)}
    message = Reply("notify.code", {"code": code}, event={"type": "verify"})
    await turn.services.store.enqueue(Notification(
        key=f"verify:{uuid.uuid4().hex}", channel=kind, address=address, lang=turn.lang,
        reply=reply_to_json(message), due_at=turn.services.clock.now().timestamp(), citizen_key=turn.citizen.key))


async def code_lost(store: Store, clock: Clock, n: Notification) -> None:
    """A code the outbox gave up on (the channel stopped working here, or the address refused
    it): the citizen hears so in their chat instead of waiting for it."""
    if not n.key.startswith("verify:") or not n.citizen_key:
        return
    citizen = await store.get_citizen(n.citizen_key)
    if citizen is None:
        return
    message = Reply("notify.code_lost", {"address": n.address})
    await store.enqueue(Notification(
        key=f"code-lost:{n.key}", channel=citizen.channel, address=citizen.address, lang=n.lang,
        reply=reply_to_json(message), due_at=clock.now().timestamp()))


def _digest(turn: Turn, code: str) -> str:
    return hashlib.sha256(f"{turn.citizen.key}:{code}".encode()).hexdigest()


@step
class NotifyCodeStep(Step):
    name = "notify_code"
    back_to = "notify"

    async def prompt(self, turn: Turn) -> list[Reply]:
        return [Reply("notify.code_prompt", choices=(BACK, CANCEL))]

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        pending = turn.session.context.get("notify_pending")
        if not pending:
            return await goto(turn, "notify")
        kind, _, address = pending["entry"].partition(":")
        if kind not in offered(turn):  # no code can have come: say so rather than check it
            turn.session.context.pop("notify_pending")
            return [Reply(f"notify.no_code_{kind}"), *await goto(turn, "notify")]
        typed = "".join(c for c in text if c.isdigit())
        if hmac.compare_digest(_digest(turn, typed), pending["code"]):
            kept = [e for e in turn.citizen.notify if not e.startswith(f"{kind}:")]
            turn.citizen.notify = [*kept, pending["entry"]]
            turn.citizen_changed = True
            turn.session.context.pop("notify_pending")
            return [Reply("notify.added", {"address": address}), *await goto(turn, "notify")]
        pending["tries"] += 1
        if pending["tries"] >= CODE_TRIES:
            turn.session.context.pop("notify_pending")
            return [Reply("notify.code_failed"), *await goto(turn, "notify")]
        return [Reply("notify.code_wrong"), *await self.prompt(turn)]
