"""Writing a submission: addressee, type, subject, text, review, and the explicit submit."""
from __future__ import annotations

import hashlib
import json
import math
import uuid

from bot import receipts
from bot.deadline import deadline_for
from bot.flows import BACK, CANCEL, Step, Turn, agency_name, choice, goto, step
from bot.flows.attach import FILE_CHANNELS, attachment_ids, drop_expired, limits, review_listing
from bot.flows.bodies import agency_suggestions
from bot.flows.script import script_offer
from bot.messages import Choice, Reply, Text
from bot.models import REQUEST_TYPES, Submission
from bot.ports import Draft, PortalError, PortalRejected
from nlu.directory import Agency
from nlu.understanding import Understanding

SUBJECT_MAX = 200
BODY_MAX = 5000  # the portal's limit (connectors/portal_api.yaml)
PAGE_SIZE = 8
EXCERPT = 400  # how much of a long text the review shows
SLOTS = ("agency_id", "request_type", "subject", "body")
STEP_OF_SLOT = {"agency_id": "agency", "request_type": "type", "subject": "subject", "body": "body"}
# Channels where a long text arrives in several messages, ended by one of DONE_WORDS.
MULTIPART_CHANNELS = ("sms", "whatsapp")
DONE_WORDS = {"done", "ready", "მზადაა", "mzadaa", "დასრულება", "dasruleba"}
# A rejection code the citizen can fix by changing one field.
FIX_FOR_REJECTION = {"unknown_agency": "agency", "type_not_accepted": "type", "unknown_attachment": "attachments"}
REJECTIONS_EXPLAINED = ("unknown_agency", "type_not_accepted", "invalid_field", "unknown_attachment")


async def start_draft(turn: Turn, agency: Agency | None = None, request_type: str | None = None) -> list[Reply]:
    draft = turn.session.draft
    resumed = bool(draft) and agency is None and request_type is None
    if not resumed:
        turn.session.draft = draft = {"id": uuid.uuid4().hex}
        # A citizen who came from an agency's website writes to that agency unless they say otherwise.
        agency = agency or turn.services.directory.get(turn.citizen.agency or "")
        if agency:
            draft["agency_id"] = agency.id
        if request_type:
            draft["request_type"] = request_type
    replies = [Reply("draft.resumed")] if resumed else []
    return replies + await next_step(turn)


# A message that asks to write and says this many more words is kept as the letter's text.
DETAILS_FOR_BODY = 3
# A yes or no typed at the review: a few words, clearly meant.
PLAIN_ANSWER_WORDS = 4
PLAIN_ANSWER_SURE = 0.7
# What the confirmation says, by (agency understood, request type understood).
UNDERSTOOD = {(True, False): "understood.agency", (False, True): "understood.type", (True, True): "understood.agency_type"}


async def draft_from_text(turn: Turn, understood: Understanding) -> list[Reply]:
    """"Complaint to the Ministry of Justice about ...": fill what the message says, say what
    was understood, and ask only for the rest."""
    entities = understood.entities
    agency, request_type = entities.get("agency"), entities.get("request_type")
    # Words beyond naming the body and type, or a length only a letter has.
    says_more = entities.get("details", 0) >= DETAILS_FOR_BODY or len(understood.text) > BODY_MAX
    keep_text = says_more and len(understood.text) <= BODY_MAX
    too_long = says_more and not keep_text
    if not (agency or request_type or says_more):
        return await start_draft(turn)
    turn.session.draft = draft = {"id": uuid.uuid4().hex}
    params = {"agency": agency_name(agency), "request_type": Text(f"type.{request_type}") if request_type else ""}
    replies = [Reply(UNDERSTOOD[bool(agency), bool(request_type)], params)] if agency or request_type else []
    draft.update({k: v for k, v in (("agency_id", agency and agency.id), ("request_type", request_type)) if v})
    if keep_text:
        draft["body"] = understood.text
        replies.append(Reply("understood.body"))
    elif too_long:  # kept, never cut: the body step asks for a shorter version
        draft["body_too_long"] = understood.text
        replies.append(Reply("text.too_long", {"length": len(understood.text), "limit": BODY_MAX}))
    if not agency and (candidates := entities.get("agency_candidates")):
        turn.session.step = "agency"
        options = tuple(agency_choice(m.agency) for m in candidates)
        return [*replies, Reply("agency.candidates", choices=(*options, BACK, CANCEL))]
    return replies + await next_step(turn)


async def next_step(turn: Turn) -> list[Reply]:
    """The first empty slot's step, or the review once the draft is complete (or being edited)."""
    draft = turn.draft
    if draft.pop("editing", False):
        return await goto(turn, "review")
    for slot in SLOTS:
        if not draft.get(slot):
            replies = []
            if slot == "subject" and draft.get("request_type") == "information_request":
                replies.append(Reply("rights.information_request"))
            return replies + await goto(turn, STEP_OF_SLOT[slot])
    return await goto(turn, "review")


@step
class AgencyStep(Step):
    name = "agency"

    choices = (choice("browse:ministry"), choice("browse:agency"), choice("browse:other"), BACK, CANCEL)

    async def prompt(self, turn: Turn) -> list[Reply]:
        # A need told before the draft began ("I want to complain about my pension") names its bodies.
        if offered := agency_suggestions(turn, turn.session.context.pop("need", ""), self.choices):
            return offered
        return [Reply("agency.prompt", choices=self.choices)]

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        resolution = turn.services.matcher.resolve(text)
        if resolution.chosen:
            return await choose_agency(turn, resolution.chosen)
        if offered := agency_suggestions(turn, text, self.choices):  # a need, not a name
            return offered
        if resolution.candidates:
            options = tuple(agency_choice(m.agency) for m in resolution.candidates)
            return [Reply("agency.candidates", choices=(*options, BACK, CANCEL))]
        return [Reply("agency.not_found", {"query": text[:80]}), *await self.prompt(turn)]

    async def on_choice(self, turn: Turn, choice_id: str) -> list[Reply]:
        kind, _, value = choice_id.partition(":")
        if kind == "agency" and (agency := turn.services.directory.get(value)):
            return await choose_agency(turn, agency)
        if kind == "browse":
            kind = {"agency": "parents"}.get(value, value)
            turn.session.context["browse"] = {"kind": kind, "parent": None, "page": 0}
            return await goto(turn, "browse")
        return await super().on_choice(turn, choice_id)


def agency_choice(agency: Agency) -> Choice:
    return Choice(f"agency:{agency.id}", agency_name(agency, short=True))


async def choose_agency(turn: Turn, agency: Agency) -> list[Reply]:
    turn.draft["agency_id"] = agency.id
    turn.session.context.pop("browse", None)
    return [*await how_it_answers(turn, agency.id), *await next_step(turn)]


async def how_it_answers(turn: Turn, agency_id: str) -> list[Reply]:
    """"Usually answers in 8 days; 64% on time", once enough requests stand behind the figures."""
    figures = await turn.services.figures.of(agency_id)
    if figures is None or not figures.enough:
        return []
    days = round(figures.median_days)
    return [Reply("agency.figures", {"days": days, "share": round(figures.on_time_share * 100)})]


@step
class BrowseStep(Step):
    """Numbered pages of bodies: ministries, other bodies, or a ministry and its agencies."""

    name = "browse"
    back_to = "agency"

    async def prompt(self, turn: Turn) -> list[Reply]:
        state = turn.session.context.setdefault("browse", {"kind": "ministry", "parent": None, "page": 0})
        title, items = self._listing(turn, state)
        pages = max(1, math.ceil(len(items) / PAGE_SIZE))
        page = min(state["page"], pages - 1)
        shown = items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        paging = [choice("page:prev")] * (page > 0) + [choice("page:next")] * (page < pages - 1)
        params = {"title": title, "page": page + 1, "pages": pages}
        return [Reply("browse.page", params, choices=(*shown, *paging, BACK, CANCEL))]

    def _listing(self, turn: Turn, state: dict) -> tuple[Text, list[Choice]]:
        directory = turn.services.directory
        if state["kind"] == "parents":
            parents = directory.parents_with_children()
            items = [Choice(f"parent:{a.id}", agency_name(a, short=True)) for a in parents]
            return Text("browse.title_parents"), items
        if state["kind"] == "children" and (parent := directory.get(state["parent"] or "")):
            bodies = [parent, *directory.children(parent.id)]
            title = Text("browse.title_children", {"parent": agency_name(parent, short=True)})
            return title, [agency_choice(a) for a in bodies]
        kind = "other" if state["kind"] == "other" else "ministry"
        items = [agency_choice(a) for a in directory.by_category(kind)]
        return Text(f"browse.title_{kind}"), items

    async def on_choice(self, turn: Turn, choice_id: str) -> list[Reply]:
        state = turn.session.context.get("browse", {})
        kind, _, value = choice_id.partition(":")
        if kind == "page":
            state["page"] = max(0, state.get("page", 0) + (1 if value == "next" else -1))
            return await self.prompt(turn)
        if kind == "parent":
            turn.session.context["browse"] = {"kind": "children", "parent": value, "page": 0}
            return await self.prompt(turn)
        if kind == "agency" and (agency := turn.services.directory.get(value)):
            return await choose_agency(turn, agency)
        return await super().on_choice(turn, choice_id)

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        # Typing a name while browsing searches, as on the agency step.
        turn.session.step = "agency"
        return await AgencyStep().on_text(turn, text)


@step
class TypeStep(Step):
    name = "type"
    back_to = "agency"

    async def prompt(self, turn: Turn) -> list[Reply]:
        agency = turn.services.directory.get(turn.draft.get("agency_id", ""))
        types = tuple(choice(f"type:{t}", f"type.{t}") for t in REQUEST_TYPES)
        params = {"agency": agency_name(agency, turn.draft.get("agency_id", ""))}
        return [Reply("type.prompt", params, choices=(*types, BACK, CANCEL))]

    async def on_choice(self, turn: Turn, choice_id: str) -> list[Reply]:
        kind, _, value = choice_id.partition(":")
        if kind == "type" and value in REQUEST_TYPES:
            return await choose_type(turn, value)
        return await super().on_choice(turn, choice_id)

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        if request_type := turn.understand(text).entities.get("request_type"):
            return await choose_type(turn, request_type)
        return await super().on_text(turn, text)


async def choose_type(turn: Turn, request_type: str) -> list[Reply]:
    turn.draft["request_type"] = request_type
    return await next_step(turn)


class TextStep(Step):
    """A free-text slot with a limit: too long is kept and the citizen asked to shorten it."""

    slot = ""
    limit = 0

    async def prompt(self, turn: Turn) -> list[Reply]:
        return [Reply(f"{self.slot}.prompt", {"limit": self.limit}, choices=(BACK, CANCEL))]

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        if len(text) > self.limit:
            turn.draft[f"{self.slot}_too_long"] = text
            params = {"length": len(text), "limit": self.limit}
            return [Reply("text.too_long", params, choices=(BACK, CANCEL))]
        turn.draft.pop(f"{self.slot}_too_long", None)
        turn.draft[self.slot] = text
        return await next_step(turn)


@step
class SubjectStep(TextStep):
    name = slot = "subject"
    back_to = "type"
    limit = SUBJECT_MAX


@step
class BodyStep(TextStep):
    name = slot = "body"
    back_to = "subject"
    limit = BODY_MAX

    async def prompt(self, turn: Turn) -> list[Reply]:
        hint = [Reply("attachment.hint", limits())] if turn.citizen.channel in FILE_CHANNELS else []
        if turn.citizen.channel in MULTIPART_CHANNELS:
            return [*hint, Reply("body.prompt_parts", {"limit": self.limit}, choices=(BACK, CANCEL))]
        return hint + await super().prompt(turn)

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        if turn.citizen.channel not in MULTIPART_CHANNELS:
            return await super().on_text(turn, text)
        parts = turn.draft.setdefault("body_parts", [])  # saved with the draft: nothing is lost
        if text.strip().casefold() not in DONE_WORDS:
            parts.append(text)
            return [Reply("body.part_received", {"parts": len(parts), "length": len("\n".join(parts))})]
        if not parts:
            return await self.prompt(turn)
        body = "\n".join(turn.draft.pop("body_parts"))
        done = Reply("body.parts_done", {"parts": len(parts), "length": len(body)})
        return [done, *await super().on_text(turn, body)]


@step
class ReviewStep(Step):
    name = "review"
    back_to = "body"

    async def prompt(self, turn: Turn) -> list[Reply]:
        draft = turn.draft
        expired = drop_expired(turn)
        agency = turn.services.directory.get(draft["agency_id"])
        body = draft["body"]
        if len(body) > EXCERPT:
            body = Text("review.excerpt", {"start": body[:EXCERPT], "length": len(body)})
        params = {
            "agency": agency_name(agency, draft["agency_id"]),
            "request_type": Text(f"type.{draft['request_type']}"),
            "subject": draft["subject"],
            "body": body,
            "attachments": review_listing(turn),
        }
        fields = ("agency", "request_type", "subject", "body") + ("attachments",) * bool(attachment_ids(turn))
        edits = tuple(choice(f"edit:{f}") for f in fields)
        offers = (choice("submit"), *edits, *script_offer(turn), CANCEL)
        return [*expired, Reply("review.summary", params, choices=offers)]

    async def on_choice(self, turn: Turn, choice_id: str) -> list[Reply]:
        if choice_id == "submit":
            return await submit(turn)
        if choice_id == "script":
            return await goto(turn, "script")
        kind, _, field = choice_id.partition(":")
        if kind == "edit" and field in ("agency", "request_type", "subject", "body", "attachments"):
            turn.draft["editing"] = True
            return await goto(turn, {"request_type": "type"}.get(field, field))
        return await super().on_choice(turn, choice_id)

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        # A plain "yes" in words is the same as pressing "send": the whole letter is on the screen
        # above. "Yes, but change the subject" is not plain: the citizen is asked to choose.
        understood = turn.understand(text)
        plain = len(text.split()) <= PLAIN_ANSWER_WORDS and understood.confidence >= PLAIN_ANSWER_SURE
        if understood.intent == "affirm" and plain:
            return await submit(turn)
        if understood.intent == "deny" and plain:
            return [Reply("review.what_to_change"), *await self.prompt(turn)]
        return [Reply("review.confirm_needed"), *await self.prompt(turn)]


def idempotency_key(turn: Turn) -> str:
    """Same draft, same key: a retried submit never registers twice; an edited draft is new."""
    draft = turn.draft
    # Files count only when there are some, so drafts without files keep the keys they always had.
    files = [list(attachment_ids(turn))] if attachment_ids(turn) else []
    content = json.dumps([turn.citizen.key, *(draft[s] for s in SLOTS), *files], ensure_ascii=False)
    return f"{draft['id']}-{hashlib.sha256(content.encode()).hexdigest()[:16]}"


async def submit(turn: Turn) -> list[Reply]:
    services, draft = turn.services, turn.draft
    if any(not draft.get(s) for s in SLOTS):
        return await next_step(turn)
    if expired := drop_expired(turn):  # the portal would refuse them: show what is left first
        return expired + await goto(turn, "review")
    files = attachment_ids(turn)
    portal_draft = Draft(draft["agency_id"], draft["request_type"], draft["subject"], draft["body"], files)
    try:
        registration = await services.portal.submit(
            turn.citizen.portal_id or "", portal_draft, idempotency_key(turn)
        )
    except PortalRejected as error:
        return await _rejected(turn, error)
    except PortalError as error:
        return [Reply(error.reason, choices=(choice("submit"), CANCEL))]
    deadline = deadline_for(registration.registered_at, draft["request_type"], services.calendar)
    submission = Submission(
        registration_number=registration.registration_number,
        citizen_key=turn.citizen.key,
        portal_id=turn.citizen.portal_id or "",
        agency_id=draft["agency_id"],
        request_type=draft["request_type"],
        subject=draft["subject"],
        registered_at=registration.registered_at,
        deadline=deadline.due,
        status=registration.status,
    )
    await services.store.save_submission(submission)
    receipt = await receipts.keep(services.store, {
        "registration_number": submission.registration_number, "lang": turn.lang, "agency_id": submission.agency_id,
        "request_type": submission.request_type, "subject": submission.subject, "text": portal_draft.body,
        "registered_at": submission.registered_at, "deadline": submission.deadline,
        "attachments": tuple(f["name"] for f in draft.get("attachments", [])),
    })
    agency = services.directory.get(draft["agency_id"])
    await receipts.confirm_by_email(services.store, services.clock, turn.citizen, receipt,
                                    agency_name(agency, submission.agency_id, short=True))
    turn.session.draft = {}
    event = {
        "type": "submitted",
        "registration_number": submission.registration_number,
        "deadline": deadline.due.isoformat(),
        "agency_id": submission.agency_id,
        "request_type": submission.request_type,
        "receipt": receipt.key,  # the receipt's download links carry it
    }
    if files:
        event["attachments"] = list(files)
    params = {
        "number": submission.registration_number,
        "agency": agency_name(agency, submission.agency_id),
        "deadline": deadline.due,
        "attachments": Text("submitted.attachments", {"count": len(files)}) if files else "",
    }
    # The legal basis waits behind "Why this date?", answerable after the draft is gone.
    turn.session.context["why_date"] = {"request_type": submission.request_type,
                                        "registered": submission.registered_at.isoformat(),
                                        "deadline": deadline.due.isoformat()}
    sent = Reply("submitted", params, choices=(choice("why_date"),), event=event)
    return [sent, *await goto(turn, "menu")]


async def _rejected(turn: Turn, error: PortalRejected) -> list[Reply]:
    key = f"rejected.{error.code}" if error.code in REJECTIONS_EXPLAINED else "portal.rejected"
    if fix := FIX_FOR_REJECTION.get(error.code):
        turn.draft["editing"] = True
        return [Reply(key), *await goto(turn, fix)]
    return [Reply(key), *await goto(turn, "review")]
