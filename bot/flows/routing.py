"""From a need to the body at the menu: "whom do I write to about ...", a problem told as a story,
an explicit wish to send (which always starts the draft), and "how do I send a request here"."""
from __future__ import annotations

from dataclasses import replace

from bot.flows import CANCEL, STEPS, Step, Turn, agency_name, choice, menu_prompt, step
from bot.flows.bodies import NEED_CHARS, body_routes, offer, outside_answer, routes_for
from bot.flows.draft import BODY_MAX, draft_from_text, start_draft
from bot.flows.published import published_aside
from bot.messages import Choice, Reply
from nlu.agencies import distinctive_words
from nlu.competences import STRONG
from nlu.directory import Agency
from nlu.understanding import Understanding

# What a message with these intents asks is clear, whatever matter its words also name.
NOT_A_NEED = frozenset(
    {"check_status", "list_requests", "change_language", "notification_settings", "cancel", "affirm", "deny"}
)
FIND_BODY = "find_body"  # "whom do I write to about ...", where the NLU reads it
# Chatter the NLU holds likelier than everything else together ("what is the weather in Batumi", "who
# won the elections in America") is a need only when two of a matter's words say so ("the firefighters
# came late to the fire"). At 0.5 every need of tests/data/routing_*.tsv still routes as at 0.6.
CHATTER_SURE = 0.0  # out of scope as the likeliest reading, however sure: the weather, the news
CHATTER_BAR = 9.0
QUESTION_WORDS = 10  # "whom do I write to about ..." is short; longer, it is a story with a question
LEGAL_AID = "legalaid"  # free legal advice: the body to offer for a court's matter


async def route_need(turn: Turn, text: str, understood: Understanding) -> list[Reply] | None:
    """The menu's answer to a need, a story or a wish to send; None when the message is none."""
    competences, entities = turn.services.competences, understood.entities
    if competences.asks(text, "send"):
        return await send_wish(turn, text, understood)
    # "My passport is late" without a number is more likely a need than a status question.
    status = understood.intent == "check_status" and not entities.get("reg_number")
    if understood.intent in NOT_A_NEED and not status:
        return None
    asked = understood.intent == FIND_BODY or competences.asks(text, "whom")
    published = understood.intent == "ask_published_info" and bool(
        entities.get("topic") or competences.asks(text, "published")
    )
    routes = routes_for(turn, text)
    chatter = understood.intent == "out_of_scope" and understood.confidence >= CHATTER_SURE
    strong = competences.strong(routes, CHATTER_BAR if chatter else STRONG)
    if (agency := entities.get("agency")) and not asked:
        # A body named is the citizen's choice, unless only its matter named it ("pension", "police").
        if understood.intent == "submit_request" or named(agency, text):
            return None
        if agency.id not in {r.destination for r in routes}:
            return None
    if routes and (asked or (strong and not published)):
        story = not asked or len(text.split()) > QUESTION_WORDS
        return offer_bodies(turn, text, routes, story, (choice("check_status"),) * status)
    if competences.asks(text, "how"):
        return [Reply("route.how_to_send", choices=(choice("new_request"), choice("menu")))]
    if understood.intent == FIND_BODY:  # whom, but not about what
        return [Reply("route.ask_need"), menu_prompt(turn)]
    return None


def named(agency: Agency, text: str) -> bool:
    """Whether the text says the body's name (not only an alias such as "pension" or "police")."""
    names = (agency.name_ka, agency.name_en, agency.short_ka, agency.short_en)
    return bool(set(distinctive_words(text[:NEED_CHARS])) & {w for n in names for w in distinctive_words(n)})


async def send_wish(turn: Turn, text: str, understood: Understanding) -> list[Reply]:
    """The draft starts; what may already be published is shown beside it, never instead. A story told
    just before ("my pension has not come for three months…"), answered with bodies, is the letter's
    start: "I want to write a complaint" after it never throws it away."""
    told = turn.session.context.pop("route", {}) if turn.session.step == "route" else {}
    if told.get("story") and told["text"] not in text:
        understood = replace(understood, text=f"{told['text']}\n{text}")
    aside = await published_aside(turn, text, understood)
    if not understood.entities.get("agency"):
        turn.session.context["need"] = text[:NEED_CHARS]  # the agency step offers the likeliest bodies
    replies = await draft_from_text(turn, understood)
    turn.session.context.pop("need", None)  # read by now, or not wanted: never by a later draft
    return aside + replies


def offer_bodies(turn: Turn, text: str, routes: list, story: bool, extra: tuple[Choice, ...] = ()) -> list[Reply]:
    turn.session.step = "route"
    # A story may become the letter's text; a question ("whom do I write to?") never does.
    turn.session.context["route"] = {"text": text[:BODY_MAX], "story": story}
    if bodies := body_routes(routes):
        return [offer(turn, "route.offer", bodies, "route", (*extra, choice("new_request"), choice("menu")))]
    legal_aid = turn.services.directory.get(LEGAL_AID) if routes[0].destination == "court" else None
    aid = (Choice(f"route:{LEGAL_AID}", agency_name(legal_aid, short=True)),) if legal_aid else ()
    return [outside_answer(routes[0], (*aid, *extra, choice("menu")))]


@step
class RouteStep(Step):
    """After the likeliest bodies were offered: a choice starts a draft to one of them."""

    name = "route"

    async def prompt(self, turn: Turn) -> list[Reply]:
        return [menu_prompt(turn)]

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        # "The patrol police, of course" after a story: the body is typed, not pressed; the story stays the letter's.
        told = turn.session.context.get("route", {})
        if told.get("story") and (agency := self._named(turn, text)):
            return await self.on_choice(turn, f"route:{agency.id}")
        return await STEPS["menu"].on_text(turn, text)

    @staticmethod
    def _named(turn: Turn, text: str) -> Agency | None:
        return turn.understand(text).entities.get("agency") or turn.services.matcher.resolve(text).chosen

    async def on_choice(self, turn: Turn, choice_id: str) -> list[Reply]:
        kind, _, agency_id = choice_id.partition(":")
        agency = turn.services.directory.get(agency_id)
        if kind != "route" or agency is None:
            return await super().on_choice(turn, choice_id)
        if turn.draft.get("subject") or turn.draft.get("body"):  # never overwrite what was written
            return [Reply("published.draft_pending", choices=(choice("new_request"), CANCEL))]
        told = turn.session.context.pop("route", {})
        if not told.get("story") or agency_id == LEGAL_AID:
            return await start_draft(turn, agency)
        understood = turn.understand(told["text"])
        return await draft_from_text(turn, replace(understood, entities={**understood.entities, "agency": agency}))
