"""Asking for a person: the queue when an operator of the agency is online, and otherwise an
honest, named reason with what is possible instead: leave a message (a ticket the operators see
when they are back; offered only where an operator serves the agency) or send it as a letter to
the agency through the portal."""
from __future__ import annotations

from bot import desk as d
from bot.contacts import contact
from bot.desk import transcript_key
from bot.flows import CANCEL, STEPS, Step, Turn, choice, goto, step
from bot.flows.draft import start_draft
from bot.messages import Reply

TICKET_MAX = 2000
# Global choices this flow answers (see bot/flows/conversation.py).
HANDOVER_CHOICES = frozenset({"human", "stop_waiting", "end_chat"})


def agency_of(turn: Turn) -> str:
    """The agency of the draft, else of the website the citizen came from."""
    return turn.draft.get("agency_id") or turn.citizen.agency or ""


async def ask_for_human(turn: Turn) -> list[Reply]:
    desk, agency_id = turn.services.desk, agency_of(turn)
    outcome = await desk.availability(agency_id)
    here = await STEPS[turn.session.step].prompt(turn)
    if outcome == d.AVAILABLE:
        position = await desk.enqueue(turn.citizen.key, agency_id)
        waiting = Reply("handover.queued", {"position": position}, choices=(choice("stop_waiting"),))
        return [waiting, *here]
    params = desk.hours.params() if outcome == d.OUTSIDE_HOURS and desk.hours else {}
    turn.session.context["handover_agency"] = agency_id
    # No body chosen yet: the reason is about the whole service, not "this organisation".
    key = "handover.no_operators" if outcome == d.NO_LIVE_AGENTS and not agency_id else f"handover.{outcome}"
    turn.session.context["handover_tickets"] = outcome != d.NO_LIVE_AGENTS  # someone will read a message
    return [Reply(key, params), *await goto(turn, "handover")]


async def on_handover_choice(turn: Turn, choice_id: str) -> list[Reply]:
    if choice_id == "human":
        return await ask_for_human(turn)
    await turn.services.desk.leave(turn.citizen.key)
    key = "handover.stopped" if choice_id == "stop_waiting" else "handover.ended_by_citizen"
    return [Reply(key), *await STEPS[turn.session.step].prompt(turn)]


async def relay(turn: Turn) -> list[Reply]:
    """While an operator has the conversation, the citizen's words are for them, not the bot."""
    if turn.inbound.choice in ("end_chat", "stop_waiting"):
        return await on_handover_choice(turn, "end_chat")
    # The web adapter keeps its own transcript of everything; other channels' words reach the
    # operator through this one.
    if turn.inbound.channel != "web" and (words := turn.inbound.text or turn.inbound.choice):
        said = {"from": "citizen", "text": words, "at": turn.services.clock.now().isoformat()}
        await turn.services.store.append_log(transcript_key(turn.citizen.key), said)
    return []


@step
class Offer(Step):
    """No one can answer now: leave a message, or write a letter to the agency instead."""

    name = "handover"

    async def prompt(self, turn: Turn) -> list[Reply]:
        if not turn.session.context.get("handover_tickets"):  # no operator would ever read a message
            return [Reply("handover.offer_letter", choices=(choice("send_letter"), choice("menu")))]
        return [Reply("handover.offer", choices=(choice("leave_message"), choice("send_letter"), choice("menu")))]

    async def on_choice(self, turn: Turn, choice_id: str) -> list[Reply]:
        if choice_id == "leave_message" and turn.session.context.get("handover_tickets"):
            return await goto(turn, "ticket_message")
        if choice_id == "send_letter":
            agency = turn.services.directory.get(turn.session.context.get("handover_agency", ""))
            return await start_draft(turn, agency, "letter")
        return await super().on_choice(turn, choice_id)

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        # Typing straight away is the message they want to leave, where someone will read it.
        if not turn.session.context.get("handover_tickets"):
            return await self.fallback(turn)
        return await STEPS["ticket_message"].on_text(turn, text)


@step
class TicketMessage(Step):
    name = "ticket_message"
    back_to = "handover"

    async def prompt(self, turn: Turn) -> list[Reply]:
        return [Reply("ticket.message_prompt", {"limit": TICKET_MAX}, choices=(CANCEL,))]

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        if len(text) > TICKET_MAX:
            turn.session.context["ticket_too_long"] = text  # kept, as the draft keeps a long text
            return [Reply("text.too_long", {"length": len(text), "limit": TICKET_MAX}, choices=(CANCEL,))]
        turn.session.context["ticket_message"] = text
        return await goto(turn, "ticket_contact")


@step
class TicketContact(Step):
    name = "ticket_contact"
    back_to = "ticket_message"

    async def prompt(self, turn: Turn) -> list[Reply]:
        return [Reply("ticket.contact_prompt", choices=(CANCEL,))]

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        if contact(text) is None:
            return [Reply("ticket.contact_invalid"), *await self.prompt(turn)]
        context = turn.session.context
        number = await turn.services.desk.open_ticket(
            turn.citizen.key, context.pop("handover_agency", ""), context.pop("ticket_message", ""), text.strip()
        )
        return [Reply("ticket.created", {"number": number}), *await goto(turn, "menu")]
