"""Flows are small state machines: each step prompts, and handles text or a pressed choice.

`STEPS` maps a session's step name to its handler; `goto` moves there and returns its prompt.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from bot.channels import Capabilities
from bot.messages import Choice, Inbound, Localized, Reply, Text
from bot.models import Citizen, Session
from bot.services import Services
from nlu.directory import Agency
from nlu.understanding import Understanding

# Choices honoured from any step: they never go stale.
GLOBAL_CHOICES = frozenset(
    {"lang:ka", "lang:en", "new_request", "my_requests", "check_status", "help", "cancel", "menu", "back",
     "human", "stop_waiting", "end_chat", "notify", "why_date", "what_can_i_do"}
)
# Choices about one request, offered by alerts that arrive whenever: honoured from any step too.
GLOBAL_PREFIXES = ("late:", "options:")


def is_global(choice_id: str) -> bool:
    return choice_id in GLOBAL_CHOICES or choice_id.startswith(GLOBAL_PREFIXES)


@dataclass(slots=True)
class Turn:
    """One inbound message being handled: who, where in the conversation, and the services."""

    services: Services
    citizen: Citizen
    session: Session
    inbound: Inbound
    citizen_changed: bool = False
    _understood: dict[str, Understanding] = field(default_factory=dict)

    @property
    def lang(self) -> str:
        return self.citizen.lang or "ka"

    @property
    def draft(self) -> dict:
        return self.session.draft

    @property
    def intent(self) -> str | None:
        """What the model made of the turn's first text it read; None: no text was read."""
        first = next(iter(self._understood.values()), None)
        return first.intent if first else None

    @property
    def capabilities(self) -> Capabilities:
        return self.services.capabilities.get(self.citizen.channel, Capabilities())

    def set_lang(self, lang: str) -> None:
        self.citizen.lang = lang
        self.citizen_changed = True

    def understand(self, text: str) -> Understanding:
        if text not in self._understood:
            self._understood[text] = self.services.understander.parse(text, self.citizen.lang)
        return self._understood[text]

    async def understand_first(self, text: str) -> Understanding:
        """Understand a message once, before any step looks at it: a backend over the network
        answers here, and every later `understand(text)` of this turn reads the answer."""
        if text not in self._understood:
            self._understood[text] = await self.services.understander.parse_async(text, self.citizen.lang)
        return self._understood[text]


def choice(id: str, key: str | None = None, **params) -> Choice:
    """A choice labelled from the catalog: `choice("submit")` uses message `choice.submit`."""
    return Choice(id, Text(key or f"choice.{id.replace(':', '_')}", params))


BACK = choice("back")
CANCEL = choice("cancel")


# English names that are proper names, and so take no "the" inside a sentence.
NO_ARTICLE = ("Geostat", "Sakpatenti", "Enterprise Georgia", "Georgia's")


def agency_name(agency: Agency | None, fallback: str = "", short: bool = False, article: bool | None = None
                ) -> Localized | str:
    """A body's name; the full name is for sentences, so in English it takes "the" ("sent to the
    Ministry of Finance of Georgia"), the short one is for buttons and lists unless `article`."""
    if agency is None:
        return fallback
    ka, en = (agency.short_ka, agency.short_en) if short else (agency.name_ka, agency.name_en)
    if (not short if article is None else article) and not en.startswith(NO_ARTICLE):
        en = f"the {en}"
    return Localized(ka, en)


# Where alerts can go besides the chat, when this deployment can send there.
ALERT_CHANNELS = ("email", "sms")


def menu_prompt(turn: Turn, human: bool = False) -> Reply:
    """The main menu. "Talk to a person" only when the caller knows an operator could answer
    (`operators_exist`); "Alerts" only when there is somewhere besides this chat to send them."""
    other = "en" if turn.lang == "ka" else "ka"
    ids = ["new_request", "my_requests", "check_status", "help", f"lang:{other}"]
    if turn.citizen.channel not in ("sms", "whatsapp") and any(c in turn.services.channels for c in ALERT_CHANNELS):
        ids.insert(3, "notify")  # on SMS the menu fits two segments, and "alerts" works as a word
    if human:
        ids.insert(-2, "human")
    return Reply("menu.prompt", choices=tuple(choice(i) for i in ids))


async def operators_exist(turn: Turn) -> bool:
    """Whether an operator account serves the body this conversation is about (any, if none yet)."""
    agency_id = turn.draft.get("agency_id") or turn.citizen.agency or ""
    return await turn.services.desk.availability(agency_id) != "no_live_agents"


# After this many misunderstandings in a row at one step, the step's choices are explained.
MISSES_BEFORE_HELP = 2
# Choices with a one-line explanation (`explain.<id>` in the catalogs).
EXPLAINED = frozenset({
    "type:information_request", "type:application", "type:complaint", "type:letter", "new_request",
    "my_requests", "check_status", "notify", "human", "help", "browse:ministry", "browse:agency",
    "browse:other", "submit",
})


class Step:
    """Default behaviour; concrete steps override what they need."""

    name = ""
    back_to = "menu"

    async def prompt(self, turn: Turn) -> list[Reply]:
        raise NotImplementedError

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        return await self.fallback(turn)

    async def on_choice(self, turn: Turn, choice_id: str) -> list[Reply]:
        return await self.fallback(turn)

    async def fallback(self, turn: Turn, first: Reply | None = None) -> list[Reply]:
        """Not understood: the first time `first` (a step's own hint) or a plain "not understood".
        The second time at the same step, say what each choice does and offer a way out (a person,
        where one could answer, or the menu) instead of looping."""
        missed = turn.session.context.get("missed", {})
        count = missed.get("count", 0) + 1 if missed.get("step") == self.name else 1
        turn.session.context["missed"] = {"step": self.name, "count": count}
        prompt = await self.prompt(turn)
        if count < MISSES_BEFORE_HELP:
            return [first or Reply("fallback"), *prompt]
        offered = [c for r in prompt for c in r.choices]
        lines = [Text("explain.line", {"label": c.label, "what": Text(f"explain.{c.id.replace(':', '_')}")})
                 for c in offered if c.id in EXPLAINED]
        ways_out = [choice("human")] * await operators_exist(turn) + [choice("menu")] * (self.name != "menu")
        if not lines:
            return [Reply("fallback", choices=tuple(ways_out)), *prompt]
        return [Reply("fallback.explain", {"lines": lines}, choices=tuple(ways_out)), *prompt]

    async def back(self, turn: Turn) -> list[Reply]:
        return await goto(turn, self.back_to)


STEPS: dict[str, Step] = {}


def step(cls: type[Step]) -> type[Step]:
    STEPS[cls.name] = cls()
    return cls


async def goto(turn: Turn, name: str) -> list[Reply]:
    if name != turn.session.step:  # progress: misunderstandings are counted afresh
        turn.session.context.pop("missed", None)
    turn.session.step = name
    return await STEPS[name].prompt(turn)


def _register() -> None:
    # Importing the flow modules fills STEPS.
    from bot.flows import conversation  # noqa: F401  (imports the other flows)


_register()
