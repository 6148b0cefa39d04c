"""What the engine and its flows are given: every dependency comes in here, none is imported."""
from __future__ import annotations

from dataclasses import dataclass, field

from bot.channels import Capabilities
from bot.deadline import WorkCalendar
from bot.desk import Desk
from bot.ports import Clock, Identity, Portal, Register, Store, Wording
from bot.stats import Figures
from nlu.agencies import AgencyMatcher
from nlu.competences import Competences
from nlu.directory import Directory
from nlu.understanding import Backend
from published.knowledge import Knowledge


@dataclass(slots=True)
class Services:
    store: Store
    portal: Portal
    directory: Directory
    matcher: AgencyMatcher
    understander: Backend
    clock: Clock
    calendar: WorkCalendar
    identity: Identity
    desk: Desk
    register: Register
    published: Knowledge
    wording: Wording
    competences: Competences  # from a need to the bodies that handle it
    figures: Figures  # how each body answers, from Kavshiri's own requests
    # Channels that can deliver in this deployment (a sender is configured for each).
    channels: frozenset[str] = frozenset()
    # What each chat channel can carry, by its name; filled by the composition root from the connectors.
    capabilities: dict[str, Capabilities] = field(default_factory=dict)
