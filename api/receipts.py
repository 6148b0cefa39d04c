"""A submission's receipt, as a PDF or a calendar entry, for whoever holds its link's key."""
from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from bot import receipts

router = APIRouter()
MEDIA_TYPES = {"pdf": "application/pdf", "ics": "text/calendar; charset=utf-8"}
MAX_NUMBER = 40  # registration numbers are short; anything longer is not one


@router.get("/receipts/{name}")
async def receipt_file(request: Request, name: str, key: str = Query("", max_length=64)) -> Response:
    number, _, kind = name.rpartition(".")
    kv = request.app.state.kavshiri
    found = await receipts.find(kv.store, number, key) if kind in MEDIA_TYPES and 0 < len(number) <= MAX_NUMBER else None
    if found is None:  # unknown number, wrong key or kind: the same answer, so nothing is learnt
        raise HTTPException(404, "no such receipt")
    renderer = kv.receipts
    data = renderer.pdf(found) if kind == "pdf" else renderer.ics(found)
    return Response(data, media_type=MEDIA_TYPES[kind], headers={
        "Content-Disposition": f'attachment; filename="{number}.{kind}"',
        "Cache-Control": "private, no-store",
        "Referrer-Policy": "no-referrer",
    })
