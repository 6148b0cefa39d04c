"""Reading request bodies of unauthenticated endpoints without trusting their size."""
from __future__ import annotations

from fastapi import HTTPException, Request


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 past `limit` bytes before more is read: a declared length is
    checked first, and a chunked body is cut off as soon as it grows too large."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise HTTPException(413, "request too large")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(413, "request too large")
    return bytes(body)
