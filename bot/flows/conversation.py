"""The main menu, help, language, and the commands that work from any step."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from bot.deadline import RULES, TBILISI
from bot.flows import BACK, CANCEL, GLOBAL_PREFIXES, STEPS, Step, Turn, choice, goto, menu_prompt, operators_exist, step
from bot.flows.draft import draft_from_text, has_words, start_draft
from bot.flows.followup import on_follow_up
from bot.flows.handover import HANDOVER_CHOICES, ask_for_human, on_handover_choice
from bot.flows.notify import NotifyStep  # noqa: F401  (registers the notification steps)
from bot.flows.published import ask_published, wants_published
from bot.flows.requests import list_requests, show_status
from bot.flows.review import send_typed
from bot.flows.routing import route_need
from bot.messages import Choice, Reply, Text
from nlu.normalize import fold
from nlu.understanding import Understanding


@step
class Menu(Step):
    name = "menu"

    async def prompt(self, turn: Turn) -> list[Reply]:
        return [menu_prompt(turn, human=await operators_exist(turn))]

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        understood = turn.understand(text)
        intent, entities = understood.intent, understood.entities
        if number := entities.get("reg_number"):
            return await show_status(turn, number)
        if replies := await route_need(turn, text, understood):  # a matter says more than a guessed intent
            return replies
        if intent == "human":
            return await ask_for_human(turn)
        # An unsure reading may still be a search of what a named body published.
        unsure = understood.confidence < CLARIFY_BELOW
        asked = replace(understood, intent="out_of_scope") if unsure else understood
        if await wants_published(turn, text, asked):
            return await ask_published(turn, text, asked)
        if unsure and (options := clarifying_choices(understood)):
            return [Reply("clarify.prompt", choices=(*options, CANCEL))]
        if intent == "check_status":
            return await goto(turn, "status")
        if intent == "list_requests":
            return await list_requests(turn)
        if intent == "submit_request" or (entities.get("agency") and intent in ("out_of_scope", "greet")):
            return await draft_from_text(turn, understood)
        if intent == "help":
            return [Reply("help.text"), *await self.prompt(turn)]
        if intent == "greet":
            return [Reply("welcome"), *await self.prompt(turn)]
        if intent == "change_language":
            return await change_language(turn, entities.get("lang"))
        if intent == "notification_settings":
            return await goto(turn, "notify")
        return [Reply("out_of_scope"), *await self.prompt(turn)]


# Below this confidence the menu asks what was meant instead of guessing.
CLARIFY_BELOW = 0.3
# What a clarifying question can offer, by the intent it stands for.
CLARIFYING_CHOICE = {
    "submit_request": "new_request", "list_requests": "my_requests", "check_status": "check_status",
    "help": "help", "ask_procedure": "help", "change_language": "lang",
}


def clarifying_choices(understood: Understanding) -> tuple[Choice, ...]:
    ids = dict.fromkeys(CLARIFYING_CHOICE[i] for i, _ in understood.ranking if i in CLARIFYING_CHOICE)
    other = "en" if understood.lang == "ka" else "ka"
    return tuple(choice(f"lang:{other}" if i == "lang" else i) for i in ids)


# "start" is where a brand-new session sits; it behaves like the menu.
STEPS["start"] = STEPS["menu"]


@step
class Language(Step):
    name = "language"

    async def prompt(self, turn: Turn) -> list[Reply]:
        # "Back", never "Cancel": leaving the question must not cost a draft (c12).
        return [Reply("lang.prompt", choices=(choice("lang:ka"), choice("lang:en"), BACK))]

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        understood = turn.understand(text)
        return await set_language(turn, understood.entities.get("lang") or understood.lang)


async def ask_language(turn: Turn) -> list[Reply]:
    """Remember where the citizen was, so choosing a language continues there."""
    if turn.session.step != "language":
        turn.session.context["return_to"] = turn.session.step
    return await goto(turn, "language")


async def change_language(turn: Turn, asked: str | None) -> list[Reply]:
    """"In English, please" switches at once; "change language" asks which."""
    if asked and asked != turn.lang:
        return await set_language(turn, asked)
    return await ask_language(turn)


async def set_language(turn: Turn, lang: str) -> list[Reply]:
    turn.set_lang(lang)
    session = turn.session
    if session.step in ("language", "start"):
        return [Reply("lang.changed"), *await goto(turn, session.context.pop("return_to", "menu"))]
    return [Reply("lang.changed"), *await STEPS[session.step].prompt(turn)]


# What the session remembers beyond the step at hand, through a cancel.
LASTING_CONTEXT = ("why_date",)


async def cancel(turn: Turn) -> list[Reply]:
    """Ends what is going on; a draft with the citizen's words in it is deleted only once they confirm."""
    if turn.session.step == "follow_up":  # only the reminder or complaint goes: a letter being written stays
        turn.session.context.pop("follow_up", None)
        return [Reply("follow_up.cancelled"), *await goto(turn, "menu")]
    if has_words(turn.session.draft) and turn.session.step != "discard":
        turn.session.context["return_to"] = turn.session.step
        return await goto(turn, "discard")
    return await discard(turn)


async def discard(turn: Turn) -> list[Reply]:
    had_draft = bool(turn.session.draft)
    turn.session.draft = {}
    turn.session.context = {k: v for k, v in turn.session.context.items() if k in LASTING_CONTEXT}
    return [Reply("cancelled")] * had_draft + await goto(turn, "menu")


async def back(turn: Turn) -> list[Reply]:
    session = turn.session
    current = STEPS[session.step]
    if session.step == "language":
        return await goto(turn, session.context.pop("return_to", "menu"))
    if session.draft.pop("editing", False):
        session.draft.pop("asking", None)
        return await goto(turn, "review")
    return await current.back(turn)


async def on_global_choice(turn: Turn, choice_id: str) -> list[Reply]:
    if choice_id.startswith("lang:"):
        return await set_language(turn, choice_id.split(":", 1)[1])
    if choice_id in HANDOVER_CHOICES:
        return await on_handover_choice(turn, choice_id)
    if choice_id.startswith(GLOBAL_PREFIXES):
        return await on_follow_up(turn, choice_id)
    match choice_id:
        case "new_request":
            return await start_draft(turn)
        case "my_requests":
            return await list_requests(turn)
        case "check_status":
            return await goto(turn, "status")
        case "help":
            return [Reply("help.text"), *await STEPS[turn.session.step].prompt(turn)]
        case "cancel":
            return await cancel(turn)
        case "back":
            return await back(turn)
        case "notify":
            return await goto(turn, "notify")
        case "why_date":
            return [*why_date(turn), *await STEPS[turn.session.step].prompt(turn)]
        case "what_can_i_do":
            return await goto(turn, "options")
    return await goto(turn, "menu")  # a draft stays saved; "new request" resumes it


def why_date(turn: Turn) -> list[Reply]:
    """The legal basis of the last submission's deadline, kept in the session when it was sent."""
    sent = turn.session.context.get("why_date")
    if not sent:
        return []
    basis = Text(RULES[sent["request_type"]].basis)
    registered = datetime.fromisoformat(sent["registered"]).astimezone(TBILISI).date()  # the law's day
    deadline = date.fromisoformat(sent["deadline"])
    return [Reply("deadline.why", {"basis": basis, "registered": registered, "deadline": deadline})]


@step
class Discard(Step):
    """"Delete this draft?": asked before a draft with the citizen's words in it goes (c11)."""

    name = "discard"

    async def prompt(self, turn: Turn) -> list[Reply]:
        return [Reply("discard.prompt", choices=(choice("discard:yes"), choice("discard:no")))]

    async def on_choice(self, turn: Turn, choice_id: str) -> list[Reply]:
        if choice_id == "discard:yes":
            return await discard(turn)
        if choice_id == "discard:no":
            return [Reply("discard.kept"), *await goto(turn, turn.session.context.pop("return_to", "review"))]
        return await super().on_choice(turn, choice_id)

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        intent = turn.understand(text).intent
        if intent in ("affirm", "deny"):
            return await self.on_choice(turn, "discard:yes" if intent == "affirm" else "discard:no")
        return await super().on_text(turn, text)


# Steps whose text is the citizen's own words for the letter, never an instruction.
FREE_TEXT_STEPS = frozenset(
    {"subject", "body", "question", "handover", "ticket_message", "ticket_contact", "notify_address", "notify_code"}
)
IN_FLOW_SURE = 0.6  # an instruction typed mid-flow is followed only when clearly meant


async def on_intent(turn: Turn, understood: Understanding) -> list[Reply] | None:
    """Thanks and goodbye anywhere; cancel, help and a language switch said in words inside a flow.
    None lets the step decide."""
    step = turn.session.step
    if step not in FREE_TEXT_STEPS and understood.intent in ("out_of_scope", "thanks") and thanked(understood.text):
        return await farewell(turn, "thanks")  # „მადლობა შვილო, ღმერთმა გაგიმარჯოს“: a thank-you, however blessed
    if step in FREE_TEXT_STEPS or understood.confidence < IN_FLOW_SURE:
        return None
    if understood.intent in FAREWELLS:
        return await farewell(turn, understood.intent)
    if step in ("menu", "start"):
        return None
    if step in ("agency", "browse") and understood.entities.get("agency"):
        return None  # a body's name, whatever else the words suggest
    match understood.intent:
        case "cancel":
            return await cancel(turn)
        case "help":
            return [Reply("help.text"), *await STEPS[step].prompt(turn)]
        case "change_language":
            return await change_language(turn, understood.entities.get("lang"))
    return None


THANKS_WORDS = frozenset(fold(w) for w in ("thanks", "thank", "thx", "madloba", "gmadlobt", "მადლობა", "გმადლობთ",
                                           "mersi", "მერსი"))


def thanked(text: str) -> bool:
    """Whether a short message opens with a thank-you ("thank you so much, God bless you")."""
    words = fold(text[:100]).split()
    return bool(words) and words[0] in THANKS_WORDS and len(words) <= 8


# Intents (and commands) that close a conversation politely; never the introduction again.
FAREWELLS = {"thanks": "farewell.thanks", "goodbye": "farewell.goodbye"}


async def farewell(turn: Turn, intent: str) -> list[Reply]:
    """A short goodbye that leaves the way back open; a draft stays saved for later."""
    if turn.session.draft:
        kept = Reply("farewell.draft_kept", choices=(choice("new_request"), choice("menu")))
        return [Reply(FAREWELLS[intent]), kept]
    if turn.session.step in ("menu", "start"):
        return [Reply(FAREWELLS[intent], choices=(choice("new_request"), choice("my_requests")))]
    return [Reply(FAREWELLS[intent]), *await STEPS[turn.session.step].prompt(turn)]


LANGUAGE_COMMANDS = {"lang_en": "en", "lang_ka": "ka"}
# Whole-message commands that mean the same as pressing a global choice.
COMMAND_CHOICES = {
    "cancel": "cancel", "back": "back", "help": "help", "menu": "menu",
    "list_requests": "my_requests", "check_status": "check_status", "human": "human",
    "notification_settings": "notify",
}


async def on_command(turn: Turn, command: str) -> list[Reply] | None:
    """Whole-message commands; None lets the current step take the text instead."""
    if command == "change_language":
        return await ask_language(turn)
    if command in LANGUAGE_COMMANDS:  # "english", „ქართულად“: switch at once
        return await set_language(turn, LANGUAGE_COMMANDS[command])
    if command == "submit" and turn.session.step in ("review", "script"):
        return await send_typed(turn)
    if command in FAREWELLS and turn.session.step not in FREE_TEXT_STEPS:
        return await farewell(turn, command)
    if choice_id := COMMAND_CHOICES.get(command):
        return await on_global_choice(turn, choice_id)
    return None
