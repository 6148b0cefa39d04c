"""After the deadline or a refusal: "What can I do?", and the reminder and complaint, each drafted,
shown whole and sent through the portal linked to the original request.

The choices (`late:<action>:<number>`, `options:<number>`) arrive from alerts, long after the
conversation moved on, so they are honoured from any step; each acts only on the citizen's own
request.
"""
from __future__ import annotations

import hashlib
from datetime import date, timedelta

from bot.deadline import TBILISI, add_months, deadline_for
from bot.flows import CANCEL, Step, Turn, agency_name, choice, menu_prompt, step
from bot.flows.requests import RequestPicker, from_portal
from bot.letters import compose, part
from bot.messages import Reply, Text
from bot.models import Submission
from bot.ports import Draft, NotFound, PortalError, PortalRejected
from bot.watch import Watch, follow_up_choices, today

KIND_TYPE = {"reminder": "letter", "complaint": "complaint"}
LETTER = {"reminder": "reminder", "complaint": "administrative_complaint"}  # bot/letters/<name>.toml


def watch_of(turn: Turn) -> Watch:
    s = turn.services
    return Watch(s.store, s.directory, s.calendar, s.clock)


async def own_request(turn: Turn, number: str) -> Submission | None:
    """The citizen's request: kept here (theirs by chat or by portal identity), or one they sent
    some other way, as the portal tells it on their behalf. Raises PortalError."""
    s = await turn.services.store.get_submission(number)
    if s and (s.citizen_key == turn.citizen.key or (s.portal_id and s.portal_id == turn.citizen.portal_id)):
        return s
    if s is not None:
        return None  # someone else's: it does not exist for this citizen
    try:
        return from_portal(turn, await turn.services.portal.status(turn.citizen.portal_id or "", number))
    except NotFound:
        return None


async def on_follow_up(turn: Turn, choice_id: str) -> list[Reply]:
    kind, _, rest = choice_id.partition(":")
    action, number = ("options", rest) if kind == "options" else rest.partition(":")[::2]
    turn.session.step = "menu"
    try:
        s = await own_request(turn, number)
    except PortalError as error:
        return [Reply(error.reason), menu_prompt(turn)]
    if s is None:
        return [Reply("status.not_found", {"number": number}), menu_prompt(turn)]
    if s.linked_to and s.request_type != "complaint":  # a reminder: the advice is the request's
        s = await turn.services.store.get_submission(s.linked_to) or s
    match action:
        case "options":
            return what_can_i_do(turn, s)
        case "remind":
            return await draft_letter(turn, s, "reminder")
        case "complain" if s.linked_to is None:
            return await draft_letter(turn, s, "complaint")
        case "later":
            asked = await watch_of(turn).not_now(number)
            return [Reply("late.later" if asked else "late.quiet", {"number": number}), menu_prompt(turn)]
        case "answered":
            await watch_of(turn).close(number)
            return [Reply("late.closed", {"number": number}), menu_prompt(turn)]
    return [Reply("choice.stale"), menu_prompt(turn)]


@step
class OptionsStep(RequestPicker):
    """Which request "What can I do?" is about, when the request list asks it."""

    name = kind = "options"

    async def picked(self, turn: Turn, number: str) -> list[Reply]:
        return await on_follow_up(turn, f"options:{number}")


def superior(turn: Turn, s: Submission):
    """Where a complaint goes: the body above the one complained about, or that body itself."""
    directory = turn.services.directory
    agency = directory.get(s.agency_id)
    if agency is None:
        return None
    return directory.get(agency.parent or "") or agency


def refusal_window(turn: Turn, s: Submission) -> date | None:
    """The last day to complain about a refusal: one month from its notification (GAC Art. 180)."""
    if s.status != "refused" or s.completed_at is None:
        return None
    end = add_months(s.completed_at.astimezone(TBILISI).date() + timedelta(days=1), 1)
    calendar = turn.services.calendar
    return end if calendar.is_working_day(end) else calendar.next_working_day(end)


def what_can_i_do(turn: Turn, s: Submission) -> list[Reply]:
    on = today(turn.services.clock)
    agency = agency_name(turn.services.directory.get(s.agency_id), s.agency_id, short=True)
    above = superior(turn, s)
    params = {"number": s.registration_number, "agency": agency, "deadline": s.deadline,
              "superior": agency_name(above, s.agency_id, short=True), "allowed": Text(f"allowed.{s.request_type}")}
    complain = (choice(f"late:complain:{s.registration_number}", "choice.late_complain"),) * (s.linked_to is None)
    if s.status == "refused":
        state = Reply("options.refused", {**params, "by": refusal_window(turn, s) or s.deadline}, complain)
    elif s.status == "completed":
        state = Reply("options.completed", params)
    elif on > s.deadline:
        late = follow_up_choices(s)[: 2 if s.linked_to is None else 1]
        key = "options.late_complaint" if s.linked_to else "options.late"
        state = Reply(key, {**params, "days": (on - s.deadline).days}, late)
    else:
        state = Reply("options.open", {**params, "days": (s.deadline - on).days})
    return [state, Reply("options.appeal"), Reply("options.not_a_lawyer"), menu_prompt(turn)]


def letter_fields(turn: Turn, s: Submission) -> dict[str, str]:
    """What a reminder or complaint quotes, dates written as the catalog writes them."""
    services, lang = turn.services, turn.lang

    def day(value: date) -> str:
        return services.wording.text(lang, "letter.date", {"date": value})

    agency = services.directory.get(s.agency_id)
    above = superior(turn, s)
    fields = {
        "number": s.registration_number, "subject": s.subject,
        "agency": (agency.name_ka if lang == "ka" else agency.name_en) if agency else s.agency_id,
        "filed_with": (above.name_ka if lang == "ka" else above.name_en) if above else s.agency_id,
        "registered": day(s.registered_at.astimezone(TBILISI).date()), "deadline": day(s.deadline),
        "refused": day(s.completed_at.astimezone(TBILISI).date()) if s.completed_at else "",
    }
    return fields


async def draft_letter(turn: Turn, s: Submission, kind: str) -> list[Reply]:
    fields = letter_fields(turn, s)
    if kind == "complaint":
        which = "refusal" if s.status == "refused" else "silence"
        templates = {"facts": f"facts_{which}", "demand": f"demand_{which}"}
        fields.update({name: part(LETTER[kind], turn.lang, key, fields) for name, key in templates.items()})
    above = superior(turn, s) if kind == "complaint" else turn.services.directory.get(s.agency_id)
    turn.session.context["follow_up"] = {
        "kind": kind, "number": s.registration_number, "agency_id": above.id if above else s.agency_id,
        "subject": part(LETTER[kind], turn.lang, "subject", fields), "body": compose(LETTER[kind], turn.lang, fields),
    }
    turn.session.step = "follow_up"
    return await FollowUpStep().prompt(turn)


@step
class FollowUpStep(Step):
    """The reminder or complaint shown whole, with one button to send it."""

    name = "follow_up"

    async def prompt(self, turn: Turn) -> list[Reply]:
        letter = turn.session.context.get("follow_up")
        if not letter:
            return [menu_prompt(turn)]
        to = agency_name(turn.services.directory.get(letter["agency_id"]), letter["agency_id"])
        params = {"agency": to, "subject": letter["subject"], "letter": letter["body"]}
        send = choice("follow_up:send", f"choice.send_{letter['kind']}")
        return [Reply(f"follow_up.review_{letter['kind']}", params, (send, CANCEL))]

    async def on_choice(self, turn: Turn, choice_id: str) -> list[Reply]:
        if choice_id == "follow_up:send":
            return await send(turn)
        return await super().on_choice(turn, choice_id)


async def send(turn: Turn) -> list[Reply]:
    services, letter = turn.services, turn.session.context.get("follow_up")
    if not letter:
        return [menu_prompt(turn)]
    request_type = KIND_TYPE[letter["kind"]]
    draft = Draft(letter["agency_id"], request_type, letter["subject"], letter["body"], linked_to=letter["number"])
    # The same letter keeps its key: pressing send twice registers it once.
    key = f"{letter['kind']}-{hashlib.sha256(letter['body'].encode()).hexdigest()[:32]}"
    try:
        registration = await services.portal.submit(turn.citizen.portal_id or "", draft, key)
    except PortalRejected:
        return [Reply("portal.rejected"), *await FollowUpStep().prompt(turn)]
    except PortalError as error:
        return [Reply(error.reason), *await FollowUpStep().prompt(turn)]
    due = deadline_for(registration.registered_at, request_type, services.calendar).due
    sent = Submission(
        registration.registration_number, turn.citizen.key, turn.citizen.portal_id or "", letter["agency_id"],
        request_type, letter["subject"], registration.registered_at, due, registration.status,
        linked_to=letter["number"],
    )
    await services.store.save_submission(sent)
    await watch_of(turn).close(letter["number"], "reminded" if letter["kind"] == "reminder" else "complained")
    turn.session.context.pop("follow_up", None)
    turn.session.step = "menu"
    event = {"type": "submitted", "registration_number": sent.registration_number, "deadline": due.isoformat(),
             "agency_id": sent.agency_id, "request_type": request_type, "linked_to": letter["number"]}
    params = {"number": sent.registration_number, "original": letter["number"], "deadline": due,
              "agency": agency_name(services.directory.get(sent.agency_id), sent.agency_id)}
    return [Reply(f"follow_up.sent_{letter['kind']}", params, event=event), menu_prompt(turn)]
