"""Answers from the agencies' proactively published information (Ordinance No 219, Annex),
questions about the right to information, and the one-tap request for what is missing."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date
from zoneinfo import ZoneInfo

from bot.flows import CANCEL, STEPS, Step, Turn, agency_name, choice, goto, menu_prompt, step
from bot.flows.draft import SUBJECT_MAX, agency_choice, has_words
from bot.messages import Choice, Localized, Reply, Text
from bot.services import Services
from nlu.directory import Agency
from nlu.understanding import Understanding
from published.annex import Item
from published.compliance import DUE, OVERDUE, item_rows
from published.register import Entry, newest_first
from published.rules import Period
from published.search import Ranked, search_titles, terms

SHOWN = 3  # entries per message; "more" shows the next ones
OFFERED_ITEMS = 3
DEFAULT_ITEMS = ("5.3", "3.1", "2.1")  # what people ask about most, when nothing matches
INTENTS = ("ask_published_info", "ask_procedure")
PROCEDURES = ("no_reason", "term", "no_answer", "complaint_forms")  # as in data/procedures.toml
TBILISI = ZoneInfo("Asia/Tbilisi")


@dataclass(frozen=True, slots=True)
class Question:
    """What a question is about, as far as the text tells."""

    agency: Agency | None
    item: Item | None
    procedure: str | None  # a question about the right to information (data/procedures.toml)


def read_question(services: Services, text: str, understood: Understanding) -> Question:
    knowledge, entities = services.published, understood.entities
    agency: Agency | None = entities.get("agency")
    item = knowledge.annex.get(entities.get("topic") or "") or _ranked(services, text, agency).clear
    if agency is None and (agency := _agency_in(services, text, item)):
        item = item or _ranked(services, text, agency).clear
    procedure = knowledge.procedures.match(text)
    if understood.intent == "ask_published_info" and item:
        procedure = None  # "how long ..." inside a question about an item is not about terms
    return Question(agency, None if procedure else item, procedure)


async def wants_published(turn: Turn, text: str, understood: Understanding) -> bool:
    """Asked about published information or the right to it, whether or not the intent says so."""
    if understood.intent in INTENTS:
        return True
    question = understood.intent == "out_of_scope" or text.rstrip().endswith("?")
    if not question or understood.intent not in ("out_of_scope", "submit_request"):
        return False
    read = read_question(turn.services, text, understood)
    if understood.intent == "submit_request":  # "who handles information requests at ...?"
        return read.item is not None  # but "can I send a complaint to ...?" is a draft
    if read.item or read.procedure:
        return True
    if read.agency is None:  # searching every agency's titles on every stray message costs too much
        return False
    entries = await turn.services.register.entries(read.agency.id)
    # Two shared words, so that "the Roads Department, about a bridge" stays a letter to write.
    return bool(search_titles(entries, text, 1, _agency_words(read.agency), min_words=2))


async def ask_published(turn: Turn, text: str, understood: Understanding) -> list[Reply]:
    read = read_question(turn.services, text, understood)
    if understood.intent == "ask_procedure" or read.procedure:
        return await answer_procedure(turn, read.procedure, read.agency)
    turn.session.context["published"] = {
        "agency": read.agency.id if read.agency else None,
        "item": read.item.number if read.item else None,
        "query": text[:300],
    }
    return await proceed(turn)


async def published_aside(turn: Turn, text: str, understood: Understanding) -> list[Reply]:
    """What the body a request is for has already published on what it asks: shown beside the
    draft the citizen asked for, never instead of it."""
    read = read_question(turn.services, text, understood)
    if read.agency is None:
        return []
    entries = await turn.services.register.entries(read.agency.id)
    if read.item:
        hits = newest_first(e for e in entries if e.item == read.item.number)[:SHOWN]
    else:
        hits = search_titles(entries, text, SHOWN, _agency_words(read.agency), min_words=2)
    if not hits:
        return []
    return [Reply("published.aside", {"entries": [_entry_line(turn, e) for e in hits]}), *_sample_note(hits)]


def _agency_in(services: Services, text: str, item: Item | None) -> Agency | None:
    """The body named inside a longer question, once question and topic words are set aside."""
    topic = set(terms(" ".join(item.keywords))) if item else set()
    rest = " ".join(w for w in text.split() if (t := terms(w)) and not set(t) & topic)
    if not rest:
        return None
    resolution = services.matcher.resolve(rest)
    if resolution.chosen:
        return resolution.chosen
    return resolution.candidates[0].agency if len(resolution.candidates) == 1 else None


def _ranked(services: Services, text: str, agency: Agency | None) -> Ranked:
    # The agency's own words ("Roads Department") must not vote for an item ("departments").
    return services.published.topics.rank(text, _agency_words(agency))


def _state(turn: Turn) -> dict:
    return turn.session.context.setdefault("published", {})


async def proceed(turn: Turn) -> list[Reply]:
    """Ask for what is still unknown (the agency, the item), then answer."""
    state = _state(turn)
    if state.get("item") and state.get("agency"):
        return await answer(turn)
    if not state.get("item") and (found := await _title_search(turn)):
        return found
    if not state.get("agency"):
        return await goto(turn, "published_agency")
    return await goto(turn, "published_topic")


async def _title_search(turn: Turn) -> list[Reply]:
    """The register's titles that match a question no Annex item matched well."""
    state, services = _state(turn), turn.services
    agency = services.directory.get(state.get("agency") or "")
    entries = await services.register.entries(agency.id if agency else None)
    hits = search_titles(entries, state.get("query", ""), SHOWN, _agency_words(agency))
    if not hits:
        return []
    turn.session.step = "published"
    lines = [_entry_line(turn, e, with_agency=agency is None) for e in hits]
    replies = [Reply("published.search", {"entries": lines})] + _sample_note(hits)
    return _with_choices(replies, (choice("menu"),))


def _agency_words(agency: Agency | None) -> frozenset[str]:
    return frozenset(terms(" ".join((agency.name_en, agency.name_ka, *agency.aliases)))) if agency else frozenset()


async def answer(turn: Turn) -> list[Reply]:
    """What the agency has published for the item, newest first, and what is missing."""
    services, state = turn.services, _state(turn)
    agency = services.directory.get(state["agency"])
    item = services.published.annex.get(state["item"])
    entries = newest_first(e for e in await services.register.entries(agency.id) if e.item == item.number)
    page = state.get("page", 0)
    shown = entries[page * SHOWN : (page + 1) * SHOWN]
    about = {"agency": agency_name(agency, short=True, article=True), "item": _item_name(item), "number": item.number}
    replies, choices = [], []
    if shown:
        lines = [_entry_line(turn, e) for e in shown]
        replies.append(Reply("published.found", {**about, "entries": lines, "count": len(entries)}))
        if len(entries) > (page + 1) * SHOWN:
            choices.append(choice("published:more"))
    if page == 0 and (gap := _gap(turn, agency, item, entries, about)):
        replies.append(replace(gap, choices=()))  # its choice joins the others, below
        choices += gap.choices
    if not replies:
        replies.append(Reply("published.nothing", about))
    turn.session.step = "published"
    return _with_choices(replies + _sample_note(shown), (*choices, choice("menu")))


def _gap(turn: Turn, agency: Agency, item: Item, entries: list[Entry], about: dict) -> Reply | None:
    """The latest period that is late (with the offer to request it), or the one due soon."""
    rows = item_rows(agency.id, item, entries, _today(turn))
    late = [r for r in rows if r.state == OVERDUE]
    if late:
        obligation = late[-1].obligation
        _state(turn)["missing"] = {"period": str(obligation.period or ""), "due": obligation.due.isoformat()}
        key = "published.missing" if obligation.period else "published.missing_item"
        params = {**about, "period": _period(obligation.period), "due": obligation.due}
        return Reply(key, params, choices=(choice("published:request"),))
    pending = [r for r in rows if r.state == DUE]
    if pending:
        obligation = pending[-1].obligation
        return Reply("published.pending", {**about, "period": _period(obligation.period), "due": obligation.due})
    return None


def _with_choices(replies: list[Reply], choices: tuple[Choice, ...]) -> list[Reply]:
    return [*replies[:-1], replace(replies[-1], choices=choices)]


def _sample_note(entries: list[Entry]) -> list[Reply]:
    return [Reply("published.sample")] if any(e.sample for e in entries) else []


def _entry_line(turn: Turn, entry: Entry, with_agency: bool = False) -> Text:
    title = Localized(entry.title_ka or entry.title_en, entry.title_en or entry.title_ka)
    params = {"title": title, "updated": entry.updated, "url": entry.url}
    if with_agency:
        agency = turn.services.directory.get(entry.agency_id)
        params["title"] = Text("published.entry_of", {"agency": agency_name(agency, entry.agency_id, True), "title": title})
    period = Period.parse(entry.period) if entry.period else None
    # Titles usually name their period ("Salaries — Q3 2026"): say it only when they do not.
    if period and str(period.year) not in entry.title_ka + entry.title_en:
        return Text("published.entry", {**params, "period": _period(period)})
    return Text("published.entry_no_period", params)


def _item_name(item: Item) -> Localized:
    return Localized(item.short_ka, item.short_en)


def _period(period: Period | None) -> Text:
    if period is None:
        return Text("period.none")
    if period.quarter:
        return Text(f"period.q{period.quarter}", {"year": str(period.year)})
    return Text("period.year", {"year": str(period.year)})


def _today(turn: Turn) -> date:
    return turn.services.clock.now().astimezone(TBILISI).date()


async def answer_procedure(turn: Turn, procedure: str | None, agency: Agency | None) -> list[Reply]:
    if procedure is None:
        turn.session.step = "published"
        return [Reply("procedure.choose", choices=(*(choice(f"procedure:{i}") for i in PROCEDURES), choice("menu")))]
    replies = [Reply(f"procedure.{procedure}")]
    if procedure == "complaint_forms" and agency:  # the forms are Annex item 2.3
        turn.session.context["published"] = {"agency": agency.id, "item": "2.3", "query": ""}
        return replies + await answer(turn)
    return replies + [menu_prompt(turn)]


async def request_missing(turn: Turn) -> list[Reply]:
    """A public-information request for exactly the missing item and period, for review."""
    services, state = turn.services, _state(turn)
    missing = state.get("missing")
    if not missing:
        return [Reply("fallback"), menu_prompt(turn)]
    if has_words(turn.session.draft):
        # Never overwrite what the citizen has written: finish or cancel that draft first.
        return [Reply("published.draft_pending", choices=(choice("new_request"), CANCEL))]
    item = services.published.annex.get(state["item"])
    period = Period.parse(missing["period"]) if missing["period"] else None
    params = {"item": Localized(item.name_ka, item.name_en), "short": _item_name(item), "number": item.number,
              "period": _period(period), "due": date.fromisoformat(missing["due"])}
    kind = "period" if period else "item"
    turn.session.draft = {
        "id": uuid.uuid4().hex,
        "agency_id": state["agency"],
        "request_type": "information_request",
        "subject": services.wording.text(turn.lang, f"published.request_subject_{kind}", params)[:SUBJECT_MAX],
        "body": services.wording.text(turn.lang, f"published.request_body_{kind}", params),
    }
    turn.session.context.pop("published", None)
    return [Reply("published.drafted"), *await goto(turn, "review")]


@step
class Published(Step):
    """After an answer: more entries, the request for what is missing, or a new question."""

    name = "published"

    async def prompt(self, turn: Turn) -> list[Reply]:
        return [menu_prompt(turn)]

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        return await STEPS["menu"].on_text(turn, text)

    async def on_choice(self, turn: Turn, choice_id: str) -> list[Reply]:
        kind, _, value = choice_id.partition(":")
        if choice_id == "published:more":
            _state(turn)["page"] = _state(turn).get("page", 0) + 1
            return await answer(turn)
        if choice_id == "published:request":
            return await request_missing(turn)
        if kind == "procedure" and value in PROCEDURES:
            return await answer_procedure(turn, value, None)
        return await super().on_choice(turn, choice_id)


@step
class PublishedAgency(Step):
    name = "published_agency"

    async def prompt(self, turn: Turn) -> list[Reply]:
        return [Reply("published.which_agency", choices=(CANCEL,))]

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        resolution = turn.services.matcher.resolve(text)
        if resolution.chosen:
            return await self._chosen(turn, resolution.chosen.id)
        if resolution.candidates:
            options = tuple(agency_choice(m.agency) for m in resolution.candidates)
            return [Reply("agency.candidates", choices=(*options, CANCEL))]
        return [Reply("published.agency_not_found", {"query": text[:80]}), *await self.prompt(turn)]

    async def on_choice(self, turn: Turn, choice_id: str) -> list[Reply]:
        kind, _, value = choice_id.partition(":")
        if kind == "agency" and turn.services.directory.get(value):
            return await self._chosen(turn, value)
        return await super().on_choice(turn, choice_id)

    async def _chosen(self, turn: Turn, agency_id: str) -> list[Reply]:
        _state(turn)["agency"] = agency_id
        return await proceed(turn)


@step
class PublishedTopic(Step):
    """The two or three likeliest Annex items, as choices."""

    name = "published_topic"

    async def prompt(self, turn: Turn) -> list[Reply]:
        state, annex = _state(turn), turn.services.published.annex
        agency = turn.services.directory.get(state.get("agency") or "")
        ranked = _ranked(turn.services, state.get("query", ""), agency).items[:OFFERED_ITEMS]
        items = [i for i, _ in ranked] or [annex.get(n) for n in DEFAULT_ITEMS]
        options = tuple(Choice(f"item:{i.number}", _item_name(i)) for i in items)
        return [Reply("published.which_item", {"agency": agency_name(agency, short=True, article=True)},
                      choices=(*options, CANCEL))]

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        state = _state(turn)
        agency = turn.services.directory.get(state.get("agency") or "")
        state["query"] = text[:300]
        if item := _ranked(turn.services, text, agency).clear:
            state["item"] = item.number
            return await answer(turn)
        return await self.prompt(turn)

    async def on_choice(self, turn: Turn, choice_id: str) -> list[Reply]:
        kind, _, value = choice_id.partition(":")
        if kind == "item" and turn.services.published.annex.get(value):
            _state(turn)["item"] = value
            return await answer(turn)
        return await super().on_choice(turn, choice_id)
