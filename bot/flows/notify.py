"""Notification settings: where else completion alerts go (e-mail, SMS) and the SMS script."""
from __future__ import annotations

from bot.contacts import email_address, georgian_mobile
from bot.flows import BACK, CANCEL, Step, Turn, choice, goto, step
from bot.messages import Reply, Text

KINDS = {"email": email_address, "sms": georgian_mobile}
SMS_CHANNELS = ("sms", "whatsapp")


def extra_channels(citizen) -> dict[str, str]:
    """The citizen's chosen alert channels: channel -> address."""
    return dict(entry.split(":", 1) for entry in citizen.notify if ":" in entry)


@step
class NotifyStep(Step):
    name = "notify"

    async def prompt(self, turn: Turn) -> list[Reply]:
        chosen = extra_channels(turn.citizen)
        current = [Text(f"notify.item_{kind}", {"address": address}) for kind, address in chosen.items()]
        options = [choice("notify:email"), choice("notify:sms")]
        if turn.citizen.channel in SMS_CHANNELS:
            options.append(choice("notify:geo" if turn.citizen.sms_script == "latin" else "notify:latin"))
        if chosen:
            options.append(choice("notify:clear"))
        params = {"current": current or Text("notify.none")}
        return [Reply("notify.prompt", params, choices=(*options, BACK, CANCEL))]

    async def on_choice(self, turn: Turn, choice_id: str) -> list[Reply]:
        kind, _, value = choice_id.partition(":")
        if kind != "notify":
            return await super().on_choice(turn, choice_id)
        if value in KINDS:
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
        address = KINDS[kind](text)
        if address is None:
            return [Reply(f"notify.invalid_{kind}"), *await self.prompt(turn)]
        kept = [e for e in turn.citizen.notify if not e.startswith(f"{kind}:")]
        turn.citizen.notify = [*kept, f"{kind}:{address}"]
        turn.citizen_changed = True
        turn.session.context.pop("notify_kind", None)
        return [Reply("notify.added", {"address": address}), *await goto(turn, "notify")]
