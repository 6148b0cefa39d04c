"""The stand-in portal's endpoints: the contract (/v1), the operator's controls (/sim) and the
answer pages citizens open from `answer_url`."""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from datetime import timedelta
from html import escape
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, StringConstraints
from starlette.datastructures import UploadFile

from bot.models import OPEN_STATUSES, REQUEST_TYPES
from bot.ports import ATTACHMENT_MAX_BYTES, ATTACHMENTS_MAX
from portal_sim.db import AttachmentRefused, TransitionRefused
from portal_sim.files import accepted_type, clean_name
from portal_sim.state import TBILISI, ApiError, SimState, require_citizen, require_client, sim_state

PUBLIC_FIELDS = ("registration_number", "agency_id", "request_type", "subject", "registered_at",
                 "status", "answer_url", "completed_at", "linked_to", "rights_explained")
HOLD_FOR = timedelta(days=7)  # an uploaded file waits this long for a correspondence to name it
MULTIPART_OVERHEAD = 64 * 1024  # headers and boundaries around the one file part


def text(max_length: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


class Submission(BaseModel):
    agency_id: Annotated[str, text(64)]
    request_type: Literal[REQUEST_TYPES]  # type: ignore[valid-type]
    subject: Annotated[str, text(200)]
    body: Annotated[str, text(5000)]
    channel: Annotated[str, text(32)] | None = None
    # Counted in the route, so that too many gets its own code rather than `invalid_field`.
    attachments: list[Annotated[str, text(64)]] = Field(default_factory=list, max_length=100)
    linked_to: Annotated[str, text(32)] | None = None


class Completion(BaseModel):
    answer: Annotated[str, text(20000)]
    outcome: Literal["completed", "refused"] = "completed"
    # A refusal must come with a written explanation of the citizen's rights (GAC Art. 41).
    rights_explained: bool = True


class FaultSettings(BaseModel):
    fail_next: int | None = Field(None, ge=0)
    fail_after_commit: int | None = Field(None, ge=0)
    delay_seconds: float | None = Field(None, ge=0, le=60)
    reject_next: int | None = Field(None, ge=0)


async def inject_faults(state: SimState = Depends(sim_state)) -> None:
    await state.delay()
    if state.take_fault("fail_next"):
        raise ApiError(500, "internal_error", "injected fault")


State = Annotated[SimState, Depends(sim_state)]
Citizen = Annotated[str, Depends(require_citizen)]
v1 = APIRouter(prefix="/v1", dependencies=[Depends(require_client), Depends(inject_faults)])
operator = APIRouter(prefix="/sim", dependencies=[Depends(require_client)])
answers = APIRouter()


@v1.get("/agencies")
async def list_agencies(state: State) -> list[dict[str, Any]]:
    return [{"id": agency_id, "name_ka": agency["name_ka"], "name_en": agency["name_en"],
             "accepts": list(agency["accepts"])} for agency_id, agency in state.agencies.items()]


@v1.post("/correspondence", status_code=201)
async def submit(
    payload: Submission,
    response: Response,
    citizen: Citizen,
    state: State,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> dict[str, Any]:
    if not idempotency_key or not 8 <= len(idempotency_key) <= 128:
        raise ApiError(400, "invalid_idempotency_key", "Idempotency-Key must be 8-128 characters")
    fields = payload.model_dump()
    for optional in ("attachments", "linked_to"):  # left out when empty: old fingerprints stand
        if not fields[optional]:
            del fields[optional]
    fingerprint = hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()
    # A replay answers as the first time did, even if the agency has since left the portal.
    row = await state.db.find_by_key(citizen, idempotency_key)
    replayed = row is not None
    if row is None:
        if state.take_fault("reject_next"):
            raise ApiError(422, "invalid_field", "rejected by an injected fault")
        check_agency(state, payload)
        check_attachments(payload.attachments)
        await check_link(state, citizen, payload.linked_to)
        now = state.clock().astimezone(TBILISI)  # the number's year is Tbilisi's year
        try:
            row, replayed = await state.db.register(citizen, idempotency_key, fingerprint, fields, now)
        except AttachmentRefused as exc:  # unknown, foreign, expired or used: all answer alike
            raise ApiError(422, "unknown_attachment", f"attachment {exc} cannot be attached") from exc
    if row["fingerprint"] != fingerprint:
        raise ApiError(409, "idempotency_conflict",
                       "this Idempotency-Key was already used for a different request")
    if state.take_fault("fail_after_commit"):
        raise ApiError(500, "internal_error", "injected fault after registering")
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return {"registration_number": row["registration_number"],
            "registered_at": row["registered_at"], "status": "registered"}


def check_agency(state: SimState, payload: Submission) -> None:
    agency = state.agencies.get(payload.agency_id)
    if agency is None:
        raise ApiError(422, "unknown_agency", f"no agency {payload.agency_id!r} on the portal")
    if payload.request_type not in agency["accepts"]:
        raise ApiError(422, "type_not_accepted",
                       f"{payload.agency_id} does not accept {payload.request_type}")


async def check_link(state: SimState, citizen: str, linked_to: str | None) -> None:
    if linked_to is None:
        return
    row = await state.db.get(linked_to)
    if row is None or row["citizen_id"] != citizen:  # someone else's answers as a missing one
        raise ApiError(422, "unknown_link", f"no correspondence {linked_to} of this citizen")


def check_attachments(ids: list[str]) -> None:
    if len(ids) > ATTACHMENTS_MAX:
        raise ApiError(422, "too_many_attachments", f"at most {ATTACHMENTS_MAX} attachments")
    if len(set(ids)) != len(ids):
        raise ApiError(422, "invalid_field", "attachments: an attachment is named twice")


@v1.post("/attachments", status_code=201)
async def upload(request: Request, citizen: Citizen, state: State) -> dict[str, Any]:
    # Refuse an oversized upload by its length, before the body is read and spooled.
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > ATTACHMENT_MAX_BYTES + MULTIPART_OVERHEAD:
        raise ApiError(413, "too_large", f"at most {ATTACHMENT_MAX_BYTES} bytes per file")
    form = await request.form(max_files=1, max_fields=0)
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise ApiError(400, "invalid_field", "file: a multipart part named file is required")
    data = await file.read(ATTACHMENT_MAX_BYTES + 1)
    if len(data) > ATTACHMENT_MAX_BYTES:
        raise ApiError(413, "too_large", f"at most {ATTACHMENT_MAX_BYTES} bytes per file")
    content_type = accepted_type(data, file.content_type)
    if content_type is None or not data:
        raise ApiError(415, "unsupported_type", "PDF, JPEG, PNG or DOCX, as the content shows")
    now = state.clock().astimezone(TBILISI)
    attachment = {"id": f"att_{secrets.token_hex(12)}", "name": clean_name(file.filename),
                  "content_type": content_type, "size": len(data),
                  "expires_at": (now + HOLD_FOR).isoformat(timespec="seconds")}
    await state.db.hold(citizen, attachment, data, now)
    return attachment


@v1.get("/correspondence/{registration_number}")
async def status(registration_number: str, citizen: Citizen, state: State) -> dict[str, Any]:
    row = await state.db.get(registration_number)
    # Someone else's number answers exactly like a number that does not exist.
    if row is None or row["citizen_id"] != citizen:
        raise ApiError(404, "not_found", "no such correspondence")
    return (await public_views(state, [row]))[0]


@v1.get("/correspondence")
async def list_mine(citizen: Citizen, state: State) -> list[dict[str, Any]]:
    return await public_views(state, await state.db.for_citizen(citizen))


def public_view(row: dict[str, Any]) -> dict[str, Any]:
    view = {name: row[name] for name in PUBLIC_FIELDS}
    if view["rights_explained"] is not None:  # SQLite keeps it as 0 or 1
        view["rights_explained"] = bool(view["rights_explained"])
    return view


async def public_views(state: SimState, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    files = await state.db.attachments([row["registration_number"] for row in rows])
    return [{**public_view(row), "attachments": files[row["registration_number"]]} for row in rows]


@operator.get("/correspondence")
async def everything(state: State) -> list[dict[str, Any]]:
    hidden = ("fingerprint", "answer_key")
    rows = await state.db.everything()
    files = await state.db.attachments([row["registration_number"] for row in rows])
    return [{**{name: value for name, value in row.items() if name not in hidden},
             "attachments": files[row["registration_number"]]} for row in rows]


@operator.get("/attachments/{attachment_id}")
async def attachment_content(attachment_id: str, state: State) -> Response:
    data = await state.db.attachment_data(attachment_id)
    if data is None:
        raise ApiError(404, "not_found", "no such attachment")
    return Response(data, media_type="application/octet-stream")


@operator.post("/correspondence/{registration_number}/progress")
async def progress(registration_number: str, state: State) -> dict[str, Any]:
    return await change(state, registration_number, ("registered",), {"status": "in_progress"})


@operator.post("/correspondence/{registration_number}/complete")
async def complete(
    registration_number: str, completion: Completion, request: Request, state: State
) -> dict[str, Any]:
    # The answer page is reached by an unguessable key: registration numbers are sequential.
    key = secrets.token_urlsafe(16)
    base = state.public_url or str(request.base_url).rstrip("/")
    changes = {
        "status": completion.outcome,
        "answer": completion.answer,
        "answer_key": key,
        "answer_url": f"{base}/answers/{registration_number}?key={key}",
        "completed_at": state.clock().astimezone(TBILISI).isoformat(timespec="seconds"),
    }
    if completion.outcome == "refused":
        changes["rights_explained"] = completion.rights_explained
    return await change(state, registration_number, OPEN_STATUSES, changes)


async def change(
    state: SimState, registration_number: str, allowed_from: tuple[str, ...], changes: dict
) -> dict[str, Any]:
    event_for = callback_event if state.callback_url else None
    try:
        row = await state.db.transition(registration_number, allowed_from, changes, event_for)
    except TransitionRefused as exc:
        raise ApiError(409, "invalid_transition", f"correspondence is already {exc}") from exc
    if row is None:
        raise ApiError(404, "not_found", "no such correspondence")
    if state.sender:
        state.sender.wake()
    return public_view(row)


def callback_event(row: dict[str, Any]) -> tuple[str, str]:
    event_id = uuid.uuid4().hex
    event = {
        "event_id": event_id,
        "type": f"correspondence.{row['status']}",
        "registration_number": row["registration_number"],
        "citizen_id": row["citizen_id"],
        "status": row["status"],
        "answer_url": row["answer_url"],
        "completed_at": row["completed_at"],
        "rights_explained": row.get("rights_explained"),
    }
    return event_id, json.dumps(event, ensure_ascii=False)


@operator.get("/callbacks")
async def callbacks(state: State) -> list[dict[str, Any]]:
    return await state.db.callbacks()


@operator.post("/faults")
async def set_faults(settings: FaultSettings, state: State) -> dict[str, float]:
    if not state.faults_enabled:
        raise ApiError(404, "not_found", "fault injection is off")
    state.faults.update(settings.model_dump(exclude_none=True))
    return state.faults


@answers.get("/answers/{registration_number}", response_class=HTMLResponse)
async def answer_page(registration_number: str, state: State, key: str = "") -> HTMLResponse:
    row = await state.db.get(registration_number)
    if not (row and row["answer_key"]
            and hmac.compare_digest(key.encode(), row["answer_key"].encode())):
        return HTMLResponse("<!doctype html><title>Not found</title>", status_code=404)
    title = escape(registration_number)
    page = (f'<!doctype html><html lang="ka"><head><meta charset="utf-8"><title>{title}</title>'
            f'</head><body><h1>{title}</h1><div style="white-space: pre-wrap">'
            f'{escape(row["answer"])}</div></body></html>')
    # The answer is untrusted text: escaped above, and no script may run even if that failed.
    csp = "default-src 'none'; style-src 'unsafe-inline'"
    return HTMLResponse(page, headers={"Content-Security-Policy": csp})
