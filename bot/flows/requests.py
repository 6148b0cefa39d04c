"""Following up: the status of one request, and the list of the citizen's requests."""
from __future__ import annotations

from dataclasses import replace

from bot.deadline import deadline_for
from bot.flows import BACK, CANCEL, Step, Turn, agency_name, choice, goto, step
from bot.messages import Choice, Reply, Text
from bot.models import FINAL_STATUSES, Submission
from bot.ports import Correspondence, NotFound, PortalError
from bot.watch import options_choice
from nlu.understanding import reg_number

RECENT = 5  # how many recent requests the status step offers as buttons


class RequestPicker(Step):
    """Asks which of the citizen's requests: their newest as buttons, or a number typed."""

    kind = ""  # choice ids are "<kind>:<number>"; the prompt is the catalog's "<kind>.prompt"

    async def prompt(self, turn: Turn) -> list[Reply]:
        mine = await turn.services.store.list_submissions(turn.citizen.key)
        recent = tuple(Choice(f"{self.kind}:{s.registration_number}", s.registration_number) for s in mine[:RECENT])
        return [Reply(f"{self.kind}.prompt", choices=(*recent, BACK, CANCEL))]

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        if number := reg_number(text):
            return await self.picked(turn, number)
        return await super().on_text(turn, text)

    async def picked(self, turn: Turn, number: str) -> list[Reply]:
        raise NotImplementedError


@step
class StatusStep(RequestPicker):
    name = kind = "status"

    async def picked(self, turn: Turn, number: str) -> list[Reply]:
        return await show_status(turn, number)

    async def on_choice(self, turn: Turn, choice_id: str) -> list[Reply]:
        kind, _, number = choice_id.partition(":")
        if kind == "status":
            return await show_status(turn, number)
        return await super().on_choice(turn, choice_id)


async def refresh(turn: Turn, submission: Submission, item: Correspondence) -> Submission:
    """Bring the stored record up to date with what the portal says. Final news not yet alerted
    is only shown: the callback or the poll records it, and so alerts every chosen channel."""
    if (submission.status, submission.answer_url) == (item.status, item.answer_url):
        return submission
    fresh = replace(submission, status=item.status, answer_url=item.answer_url, completed_at=item.completed_at)
    if not (item.status in FINAL_STATUSES and not submission.alerted):
        await turn.services.store.save_submission(fresh)
    return fresh


def from_portal(turn: Turn, item: Correspondence) -> Submission:
    """A request the citizen sent some other way (e.g. on MY.GOV.GE itself)."""
    due = deadline_for(item.registered_at, item.request_type, turn.services.calendar).due
    return Submission(
        item.registration_number, turn.citizen.key, turn.citizen.portal_id or "", item.agency_id,
        item.request_type, item.subject, item.registered_at, due, item.status, item.answer_url,
        item.completed_at,
    )


async def show_status(turn: Turn, number: str) -> list[Reply]:
    services = turn.services
    stored = await services.store.get_submission(number)
    if stored and stored.citizen_key != turn.citizen.key:
        stored = None  # someone else's: it does not exist for this citizen
    replies: list[Reply] = []
    try:
        item = await services.portal.status(turn.citizen.portal_id or "", number)
        stored = await refresh(turn, stored, item) if stored else from_portal(turn, item)
    except NotFound:
        stored = None
    except PortalError:
        replies.append(Reply("requests.stale"))
    if stored is None:  # stay at the step, with the citizen's own numbers to choose from
        return [Reply("status.not_found", {"number": number}), *await goto(turn, "status")]
    return [*status_replies(turn, stored), *replies, *await goto(turn, "menu")]


def status_replies(turn: Turn, s: Submission) -> list[Reply]:
    agency = turn.services.directory.get(s.agency_id)
    params = {
        "number": s.registration_number,
        "agency": agency_name(agency, s.agency_id, short=True, article=True),
        "request_type": Text(f"type.{s.request_type}"),
        "registered": s.registered_at,
        "status": Text(f"status.{s.status}"),
        "deadline": s.deadline,
    }
    event = {"type": "status", "registration_number": s.registration_number, "status": s.status}
    replies = [Reply("status.line", params, (options_choice(s.registration_number),), event)]
    if s.answer_url:
        replies.append(Reply("status.answer", {"url": s.answer_url}))
    return replies


async def list_requests(turn: Turn) -> list[Reply]:
    services = turn.services
    stored = {s.registration_number: s for s in await services.store.list_submissions(turn.citizen.key)}
    stale = False
    try:
        for item in await services.portal.list(turn.citizen.portal_id or ""):
            known = stored.get(item.registration_number)
            stored[item.registration_number] = (
                await refresh(turn, known, item) if known else from_portal(turn, item)
            )
    except PortalError:
        stale = True
    mine = sorted(stored.values(), key=lambda s: s.registered_at, reverse=True)
    if not mine:
        return [Reply("requests.none"), *await goto(turn, "menu")]
    items = [request_line(turn, s) for s in mine]
    replies = [Reply("requests.list", {"items": items}, (choice("what_can_i_do", "choice.options"),))]
    if stale:
        replies.append(Reply("requests.stale"))
    return [*replies, *await goto(turn, "menu")]


def request_line(turn: Turn, s: Submission) -> Text:
    agency = turn.services.directory.get(s.agency_id)
    params = {
        "number": s.registration_number,
        "agency": agency_name(agency, s.agency_id, short=True),
        "request_type": Text(f"type.{s.request_type}"),
        "status": Text(f"status.{s.status}"),
        "deadline": s.deadline,
    }
    if s.answer_url:
        return Text("requests.item_answered", {**params, "url": s.answer_url})
    return Text("requests.item", params)

