"""Which bodies handle a citizen's need, as replies: the one to three likeliest bodies, each with
one line saying why, or a plain answer when the matter belongs to a municipality or a court."""
from __future__ import annotations

from bot.flows import Turn, agency_name
from bot.messages import Choice, Localized, Reply, Text
from nlu.competences import Route

NEED_CHARS = 600  # as much of a need as the matcher reads


def routes_for(turn: Turn, text: str) -> list[Route]:
    """The likeliest destinations of a need whose bodies are in this deployment's directory."""
    directory = turn.services.directory
    return [r for r in turn.services.competences.route(text[:NEED_CHARS]) if r.outside or directory.get(r.destination)]


def body_routes(routes: list[Route]) -> list[Route]:
    """The routes to bodies of the portal, when the best match is one (not a court's matter)."""
    return [r for r in routes if not r.outside] if routes and not routes[0].outside else []


def offer(turn: Turn, key: str, routes: list[Route], choice_kind: str, extra: tuple[Choice, ...]) -> Reply:
    """`key` listing each body with why, and a choice per body (`<choice_kind>:<id>`) before `extra`."""
    directory, lines, choices = turn.services.directory, [], []
    for route in routes:
        agency = directory.get(route.destination)
        why = Localized(route.matter.why_ka, route.matter.why_en)
        lines.append(Text("route.line", {"agency": agency_name(agency, short=True), "why": why}))
        choices.append(Choice(f"{choice_kind}:{agency.id}", agency_name(agency, short=True)))
    return Reply(key, {"bodies": lines}, choices=(*choices, *extra))


def outside_answer(route: Route, choices: tuple[Choice, ...]) -> Reply:
    """A municipality's or a court's matter, said plainly."""
    why = Localized(route.matter.why_ka, route.matter.why_en)
    return Reply(f"route.{route.destination}", {"why": why}, choices=choices)


def agency_suggestions(turn: Turn, text: str, choices: tuple[Choice, ...]) -> list[Reply]:
    """At the agency step: the bodies a need told in words points to, when it points clearly."""
    routes = routes_for(turn, text) if text else []
    if not turn.services.competences.strong(routes):
        return []
    if bodies := body_routes(routes):
        return [offer(turn, "route.offer_agency", bodies, "agency", choices)]
    return [outside_answer(routes[0], ()), Reply("agency.prompt", choices=choices)]
