"""The review of a complete draft: the whole letter, paged where one message cannot hold it, each part
changeable on its own, words typed here offered as an addition; and the explicit submit."""
from __future__ import annotations

import hashlib
import json

from bot import receipts
from bot.deadline import deadline_for
from bot.flows import CANCEL, STEPS, Step, Turn, agency_name, choice, goto, step
from bot.flows.attach import attachment_ids, drop_expired, review_listing
from bot.flows.draft import (
    BODY_MAX,
    PARTS,
    PLAIN_ANSWER_SURE,
    PLAIN_ANSWER_WORDS,
    QUESTIONS,
    fields,
    letter_text,
    next_step,
    pending_question,
)
from bot.flows.script import script_offer
from bot.messages import Reply, Text
from bot.models import Submission
from bot.ports import Draft, PortalError, PortalRejected
from nlu.letter_parts import split
from nlu.normalize import fold

# A rejection code the citizen can fix by changing one field.
FIX_FOR_REJECTION = {"unknown_agency": "agency", "type_not_accepted": "type", "unknown_attachment": "attachments"}
REJECTIONS_EXPLAINED = ("unknown_agency", "type_not_accepted", "invalid_field", "unknown_attachment")
# Room a page of the letter leaves in its message for "Text (part 2/5):" and a three-line menu.
PAGE_RESERVE = 100


def pages(text: str, size: int) -> list[str]:
    """`text` in pages of at most `size` characters, broken after a sentence where one ends in the
    page's second half, else between words (a word longer than a page is cut)."""
    found: list[str] = []
    current = ""
    for word in _pieces(text, size):
        joined = current + word
        if len(joined.rstrip()) <= size:
            current = joined
            continue
        cut = max(current.rfind(end, size // 2) for end in (". ", "! ", "? ", "\n"))
        head, tail = (current[: cut + 1], current[cut + 1:]) if cut > 0 else (current, "")
        found.append(head.rstrip())
        current = (tail + word).lstrip(" \n")
    if current.strip():
        found.append(current.rstrip())
    return found or [""]


def _pieces(text: str, size: int):
    """Words with the spaces and line breaks before them; a word over `size` in slices."""
    start = 0
    for i, c in enumerate(text):
        if c in " \n" and i > start and text[i - 1] not in " \n":
            yield from _sliced(text[start:i], size)
            start = i
    if start < len(text):
        yield from _sliced(text[start:], size)


def _sliced(piece: str, size: int):
    for i in range(0, len(piece), size):
        yield piece[i : i + size]


def review_choices(turn: Turn, edits: tuple, offer: tuple | None = None) -> tuple:
    """What a complete draft offers: send it, put it in Georgian script (first, when the citizen
    typed Georgian in Latin letters), change a part, or cancel (one tuple, for every channel)."""
    return (choice("submit"), *(script_offer(turn) if offer is None else offer), *edits, CANCEL)


def script_hint(offer: tuple) -> list[Reply]:
    """One line above the letter when the Georgian-script choice applies, so it is not missed."""
    return [Reply("review.script_hint")] if offer else []


async def send_typed(turn: Turn) -> list[Reply]:
    """"Send" typed (or a plain "yes") at the review or at the Georgian-script preview. The first
    time a Latin-typed Georgian letter is sent so, the preview in Georgian script is shown instead.
    "Send" at the preview sends what it shows (its unsure words were shown to check, in brackets);
    "Keep as I wrote it" is the way to send the Latin letters."""
    draft = turn.draft
    if turn.session.step == "script":
        return await STEPS["script"].on_choice(turn, "script:use")
    if not draft.get("script_shown") and script_offer(turn):
        draft["script_shown"] = True
        return [Reply("review.script_first"), *await goto(turn, "script")]
    return await submit(turn)


SEND_TAIL_WORDS = 8  # "ok.. send it i guess": a short message whose last words say send
NOT_YET = frozenset(fold(w) for w in ("don't", "dont", "not", "no", "wait", "yet", "later", "არ", "ნუ", "არა",
                                      "მოიცა", "მოიცადე", "ჯერ", "ar", "nu", "ara", "moica", "moicade", "jer"))


def ends_in_send(turn: Turn, text: str) -> bool:
    """Whether a short message says "send" near its end with no "not yet" in it ("ok.. send it i guess",
    "kargi, gaagzavne", „კარგი, გაგზავნე“); "don't send it yet" never sends."""
    words = text[:200].replace("?", " ").replace(",", " ").replace(".", " ").replace("!", " ").split()
    if not 1 < len(words) <= SEND_TAIL_WORDS or any(fold(w) in NOT_YET for w in words):
        return False
    command, tail = turn.services.understander.command, words[-4:]
    windows = [" ".join(tail[i:i + n]) for n in (1, 2) for i in range(len(tail) - n + 1)]
    return any(command(w) == "submit" for w in windows)


def edit_choices(turn: Turn) -> tuple:
    draft = turn.draft
    parts = ("body",) if draft.get("body") else tuple(PARTS[draft["request_type"]])
    editable = ("subject", *parts, "agency", "request_type") + ("attachments",) * bool(attachment_ids(turn))
    return tuple(choice(f"edit:{f}") for f in editable)


@step
class ReviewStep(Step):
    name = "review"
    back_to = "type"

    async def prompt(self, turn: Turn) -> list[Reply]:
        draft = turn.draft
        expired = drop_expired(turn)
        agency = turn.services.directory.get(draft["agency_id"])
        letter = letter_text(turn)
        params = {
            "agency": agency_name(agency, draft["agency_id"]),
            "request_type": Text(f"type.{draft['request_type']}"),
            "subject": draft["subject"],
            "body": letter,
            "attachments": review_listing(turn),
        }
        edits, offer = edit_choices(turn), script_offer(turn)
        if len(letter) > BODY_MAX:  # the portal would refuse it: shorten a part first
            too_long = Reply("letter.too_long", {"length": len(letter), "limit": BODY_MAX}, choices=(*edits, CANCEL))
            return [*expired, Reply("review.summary", params), too_long]
        limit = turn.capabilities.max_chars
        if limit and len(letter) + PAGE_RESERVE > limit:
            return [*expired, *self.page(turn, params, pages(letter, limit - PAGE_RESERVE), offer)]
        return [*expired, *script_hint(offer), Reply("review.summary", params, choices=review_choices(turn, edits, offer))]

    def page(self, turn: Turn, params: dict, parts: list[str], offer: tuple) -> list[Reply]:
        """A channel whose message cannot hold the letter: the summary, then the letter a page at a
        time; "Submit" comes with the last page, so every word is seen before it can go."""
        shown = min(turn.session.context.pop("letter_page", 0), len(parts))
        turn.session.context["letter_shown"] = shown
        if shown == 0:
            summary = {k: v for k, v in params.items() if k != "body"} | {"parts": len(parts)}
            return [*script_hint(offer), Reply("review.header", summary, choices=(choice("letter:next"), CANCEL))]
        if shown < len(parts):
            choices = (choice("letter:next"), CANCEL)
        else:
            choices = review_choices(turn, (choice("letter:changes"),), offer)
        return [Reply("review.part", {"part": shown, "parts": len(parts), "text": parts[shown - 1]}, choices=choices)]

    async def on_choice(self, turn: Turn, choice_id: str) -> list[Reply]:
        draft = turn.draft
        if choice_id == "submit":
            return await submit(turn)
        if choice_id == "script":
            return await goto(turn, "script")
        if choice_id == "letter:next":
            turn.session.context["letter_page"] = turn.session.context.get("letter_shown", 0) + 1
            return await self.prompt(turn)
        if choice_id == "letter:changes":
            return [Reply("review.what_to_change", choices=review_choices(turn, edit_choices(turn)))]
        kind, _, field = choice_id.partition(":")
        if kind != "edit":
            return await super().on_choice(turn, choice_id)
        draft["editing"] = True
        if field in PARTS.get(draft["request_type"], {}) and not draft.get("body"):
            draft["asking"] = list(PARTS[draft["request_type"]][field])
            return await goto(turn, "question")
        if field in ("agency", "request_type", "subject", "body", "attachments"):
            return await goto(turn, {"request_type": "type"}.get(field, field))
        draft.pop("editing")
        return await super().on_choice(turn, choice_id)

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        # A plain "yes" in words is the same as pressing "send": the whole letter is on the screen
        # above. Anything longer is never thrown away: it is offered as an addition to the letter.
        understood = turn.understand(text)
        plain = len(text.split()) <= PLAIN_ANSWER_WORDS and understood.confidence >= PLAIN_ANSWER_SURE
        if understood.intent == "affirm" and plain:
            return await send_typed(turn)
        if understood.intent == "deny" and plain:
            return [Reply("review.what_to_change"), *await self.prompt(turn)]
        if ends_in_send(turn, text):  # "is that ok? ok, send it"
            return await send_typed(turn)
        if (addition := split(text).text) and not turn.draft.get("body"):
            turn.draft["addition"] = addition
            return await goto(turn, "addition")
        return [Reply("review.confirm_needed"), *await self.prompt(turn)]


@step
class AdditionStep(Step):
    """Words typed at the review: added to the letter's facts if the citizen says so."""

    name = "addition"
    back_to = "review"

    async def prompt(self, turn: Turn) -> list[Reply]:
        options = (choice("add:yes"), choice("add:no"))
        return [Reply("addition.prompt", {"text": turn.draft.get("addition", "")}, choices=options)]

    async def on_choice(self, turn: Turn, choice_id: str) -> list[Reply]:
        draft = turn.draft
        if choice_id not in ("add:yes", "add:no"):
            return await super().on_choice(turn, choice_id)
        addition = draft.pop("addition", "")
        if choice_id == "add:yes" and addition:
            part = PARTS[draft["request_type"]].get("facts") or QUESTIONS[draft["request_type"]]
            target = next((q for q in part if fields(draft).get(q)), part[0])
            fields(draft)[target] = "\n\n".join(filter(None, (fields(draft).get(target), addition)))
        return await goto(turn, "review")

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        understood = turn.understand(text)
        if understood.intent in ("affirm", "deny") and len(text.split()) <= PLAIN_ANSWER_WORDS:
            return await self.on_choice(turn, "add:yes" if understood.intent == "affirm" else "add:no")
        if more := split(text).text:  # more words: they join the ones waiting to be added
            turn.draft["addition"] = "\n\n".join(filter(None, (turn.draft.get("addition"), more)))
        return await self.prompt(turn)


def complete(draft: dict) -> bool:
    return bool(draft.get("agency_id") and draft.get("request_type") and draft.get("subject")) and (
        bool(draft.get("body")) or (not draft.get("unconfirmed") and pending_question(draft) is None))


def idempotency_key(turn: Turn) -> str:
    """Same letter, same key: a retried submit never registers twice; an edited draft is new."""
    draft = turn.draft
    # Files count only when there are some, so drafts without files keep the keys they always had.
    files = [list(attachment_ids(turn))] if attachment_ids(turn) else []
    slots = (draft["agency_id"], draft["request_type"], draft["subject"], letter_text(turn))
    content = json.dumps([turn.citizen.key, *slots, *files], ensure_ascii=False)
    return f"{draft['id']}-{hashlib.sha256(content.encode()).hexdigest()[:16]}"


async def submit(turn: Turn) -> list[Reply]:
    services, draft = turn.services, turn.draft
    if not complete(draft):
        return await next_step(turn)
    if expired := drop_expired(turn):  # the portal would refuse them: show what is left first
        return expired + await goto(turn, "review")
    letter = letter_text(turn)
    if len(letter) > BODY_MAX:
        return await goto(turn, "review")
    files = attachment_ids(turn)
    portal_draft = Draft(draft["agency_id"], draft["request_type"], draft["subject"], letter, files)
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
