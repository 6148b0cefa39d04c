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
     "human", "stop_waiting", "end_chat", "notify"}
)


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


def agency_name(agency: Agency | None, fallback: str = "", short: bool = False) -> Localized | str:
    if agency is None:
        return fallback
    if short:
        return Localized(agency.short_ka, agency.short_en)
    return Localized(agency.name_ka, agency.name_en)


def menu_prompt(turn: Turn) -> Reply:
    other = "en" if turn.lang == "ka" else "ka"
    ids = ("new_request", "my_requests", "check_status", "notify", "human", "help", f"lang:{other}")
    if turn.citizen.channel in ("sms", "whatsapp"):  # a menu fits two SMS segments; "alerts" works as a word
        ids = tuple(i for i in ids if i != "notify")
    return Reply("menu.prompt", choices=tuple(choice(i) for i in ids))


class Step:
    """Default behaviour; concrete steps override what they need."""

    name = ""
    back_to = "menu"

    async def prompt(self, turn: Turn) -> list[Reply]:
        raise NotImplementedError

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        return [Reply("fallback"), *await self.prompt(turn)]

    async def on_choice(self, turn: Turn, choice_id: str) -> list[Reply]:
        return [Reply("fallback"), *await self.prompt(turn)]

    async def back(self, turn: Turn) -> list[Reply]:
        return await goto(turn, self.back_to)


STEPS: dict[str, Step] = {}


def step(cls: type[Step]) -> type[Step]:
    STEPS[cls.name] = cls()
    return cls


async def goto(turn: Turn, name: str) -> list[Reply]:
    turn.session.step = name
    return await STEPS[name].prompt(turn)


def _register() -> None:
    # Importing the flow modules fills STEPS.
    from bot.flows import conversation  # noqa: F401  (imports the other flows)


_register()
