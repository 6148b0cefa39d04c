"""Files attached to a draft (GAC Art. 78(1): an application lists its attachments).

A file sent while a draft is open is checked against the portal's limits, fetched from the
channel and uploaded to the portal at once; the draft keeps its id, name and size. The review
lists the files and the citizen may remove any of them; submitting names their ids.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.flows import BACK, STEPS, Step, Turn, choice, goto, step
from bot.messages import Choice, FileTooLarge, FileUnavailable, InboundFile, Reply, Size, Text
from bot.ports import (
    ATTACHMENT_MAX_BYTES,
    ATTACHMENT_TYPES,
    ATTACHMENTS_MAX,
    AttachmentTooLarge,
    AttachmentTypeRefused,
    PortalError,
)

# Where a draft is being written: a file sent here joins it.
DRAFT_STEPS = frozenset({"agency", "browse", "type", "question", "use_text", "subject", "body", "review", "addition",
                         "attachments"})
UNDECLARED = ("", "application/octet-stream")
NAME_SHOWN = 60  # characters of a file name quoted back
# A message's files are fetched and uploaded inside its turn, which holds the conversation's lock
# for a lease of 120 s (the stores'): past this budget the rest are declined and asked for again,
# so a slow channel or portal costs the citizen a resend, never the whole turn and its words.
ATTACH_SECONDS = 60.0


def limits() -> dict:
    """The portal's limits, as every message about files states them."""
    return {"limit": ATTACHMENTS_MAX, "max_size": Size(ATTACHMENT_MAX_BYTES),
            "types": ", ".join(ATTACHMENT_TYPES.values())}


def attached(turn: Turn) -> list[dict]:
    return turn.draft.setdefault("attachments", [])


def in_draft(turn: Turn) -> bool:
    return turn.session.step in DRAFT_STEPS and bool(turn.draft)


async def on_files(turn: Turn, on_text: Callable[[Turn, str], Awaitable[list[Reply]]]) -> list[Reply]:
    """A message with files; its caption is handled as text too. In a draft the files come first
    (so a caption at the text step reaches a review that lists them); outside one, the caption
    first, as it may start the draft the files then join."""
    caption = (turn.inbound.text or "").strip()
    if caption and not in_draft(turn):
        return await on_text(turn, turn.inbound.text or "") + await after_text(turn)
    if not in_draft(turn):
        return [outside_draft()]
    replies = await attach_all(turn)
    if caption:
        return replies + await on_text(turn, turn.inbound.text or "")
    return replies + await STEPS[turn.session.step].prompt(turn)


async def after_text(turn: Turn) -> list[Reply]:
    """The files of a message whose words were handled first: they join a draft if there is one now."""
    return await attach_all(turn) if in_draft(turn) else [outside_draft()]


def outside_draft() -> Reply:
    return Reply("attachment.outside_draft", limits(), choices=(choice("new_request"), choice("menu")))


async def attach_all(turn: Turn) -> list[Reply]:
    replies: list[Reply] = []
    deadline = asyncio.get_running_loop().time() + ATTACH_SECONDS
    for file in turn.inbound.files:
        if asyncio.get_running_loop().time() >= deadline:
            replies.append(Reply("attachment.unavailable", params_for(file)))
        elif replies and replies[-1].key == "attachment.portal_error":  # the rest would wait on it too
            replies.append(Reply("attachment.portal_error", params_for(file)))
        else:
            replies.append(await attach(turn, file, deadline))
        if replies[-1].key == "attachment.too_many":
            break
    return replies


def params_for(file: InboundFile) -> dict:
    return {"name": file.name[:NAME_SHOWN], **limits()}


async def attach(turn: Turn, file: InboundFile, deadline: float) -> Reply:
    files = attached(turn)
    params = params_for(file)
    declared = file.content_type.split(";")[0].strip().lower()
    if len(files) >= ATTACHMENTS_MAX:
        return Reply("attachment.too_many", params)
    if file.size is not None and file.size > ATTACHMENT_MAX_BYTES:  # never fetched
        return Reply("attachment.too_large", params)
    if declared not in ATTACHMENT_TYPES and declared not in UNDECLARED:
        return Reply("attachment.wrong_type", params)
    try:
        async with asyncio.timeout_at(deadline):
            data = await file.fetch(ATTACHMENT_MAX_BYTES)
    except FileTooLarge:
        return Reply("attachment.too_large", params)
    except (FileUnavailable, TimeoutError):
        return Reply("attachment.unavailable", params)
    name = distinct(file.name, {f["name"] for f in files})
    try:
        async with asyncio.timeout_at(deadline):
            held = await turn.services.portal.upload(turn.citizen.portal_id or "", name,
                                                     declared or "application/octet-stream", data)
    except AttachmentTooLarge:
        return Reply("attachment.too_large", params)
    except AttachmentTypeRefused:
        return Reply("attachment.wrong_type", params)
    except (PortalError, TimeoutError):
        return Reply("attachment.portal_error", params)
    files.append({"id": held.id, "name": held.name, "size": held.size, "content_type": held.content_type,
                  "expires_at": held.expires_at.isoformat() if held.expires_at else None})
    return Reply("attachment.added", {**params, "name": held.name[:NAME_SHOWN], "size": Size(held.size),
                                      "count": len(files)})


def distinct(name: str, taken: set[str]) -> str:
    """`scan.pdf`, then `scan (2).pdf`, …: files the citizen can tell apart in the review and on the
    remove buttons (WhatsApp photos, one a message, all come as photo-1.jpg)."""
    stem, dot, extension = name.rpartition(".")
    if not stem:
        stem, dot, extension = name, "", ""
    found, n = name, 1
    while found in taken:
        n += 1
        found = f"{stem} ({n}){dot}{extension}"
    return found


def drop_expired(turn: Turn) -> list[Reply]:
    """Files the portal no longer holds (a draft left for days) leave the draft, and the citizen is told."""
    now = turn.services.clock.now()
    files = turn.draft.get("attachments", [])
    gone = [f for f in files if f.get("expires_at") and datetime.fromisoformat(f["expires_at"]) <= now]
    if not gone:
        return []
    turn.draft["attachments"] = [f for f in files if f not in gone]
    names = ", ".join(f["name"][:NAME_SHOWN] for f in gone)
    return [Reply("attachment.expired", {"names": names})]


def review_listing(turn: Turn) -> Text | str:
    files = turn.draft.get("attachments", [])
    if not files:
        return ""
    items = [Text("attachment.item", {"name": f["name"][:NAME_SHOWN], "size": Size(f["size"])}) for f in files]
    return Text("review.attachments", {"files": items, "count": len(files), "limit": ATTACHMENTS_MAX})


def attachment_ids(turn: Turn) -> tuple[str, ...]:
    return tuple(f["id"] for f in turn.draft.get("attachments", []))


@step
class AttachmentsStep(Step):
    """The draft's files, each with a button that removes it."""

    name = "attachments"
    back_to = "review"

    async def prompt(self, turn: Turn) -> list[Reply]:
        files = turn.draft.get("attachments", [])
        if not files:
            turn.draft.pop("editing", None)
            return await goto(turn, "review")
        removes = tuple(Choice(f"detach:{n}", Text("choice.detach", {"name": f["name"][:NAME_SHOWN]}))
                        for n, f in enumerate(files))
        return [Reply("attachments.prompt", {"count": len(files), **limits()}, choices=(*removes, BACK))]

    async def on_choice(self, turn: Turn, choice_id: str) -> list[Reply]:
        kind, _, value = choice_id.partition(":")
        files = turn.draft.get("attachments", [])
        if kind == "detach" and value.isdigit() and int(value) < len(files):
            # The portal drops the file by itself when it expires unused.
            removed = files.pop(int(value))
            done = Reply("attachment.removed", {"name": removed["name"][:NAME_SHOWN], "count": len(files),
                                                "limit": ATTACHMENTS_MAX})
            return [done, *await self.prompt(turn)]
        return await super().on_choice(turn, choice_id)
