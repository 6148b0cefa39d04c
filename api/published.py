"""Published information over HTTP: overdue items as JSON, a compliance page per agency, and
the authenticated import of register files by agencies' own systems."""
from __future__ import annotations

import hmac
from datetime import date
from html import escape
from typing import Literal

from fastapi import APIRouter, Header, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from api.stats import body_summary
from published.compliance import agency_rows, overdue, overdue_records
from published.register import MAX_BYTES, RegisterError, parse
from published.rules import checkable, today_in_georgia

router = APIRouter()
MAX_PROBLEMS = 100


def _parts(request: Request):
    kv = request.app.state.kavshiri
    return kv, kv.engine.services


@router.get("/api/published/overdue")
async def overdue_report(request: Request, agency: str | None = None, as_of: date | None = None,
                         all_agencies: bool = False) -> list[dict]:
    """One agency, every agency in the directory, or (by default) those the register tracks."""
    kv, services = _parts(request)
    if agency and services.directory.get(agency) is None:
        raise HTTPException(404, "unknown agency")
    day = _day(as_of)
    entries = await kv.register.entries(agency)
    agencies = [agency] if agency else [a.id for a in services.directory] if all_agencies else None
    rows = overdue(services.published.annex, entries, agencies, day)
    return overdue_records(rows)


@router.post("/api/published/register", max_body_size=MAX_BYTES)
async def import_register(request: Request, authorization: str | None = Header(None),
                          content_type: str = Header("")) -> JSONResponse:
    kv, services = _parts(request)
    expected = kv.settings.register_token
    if not expected:
        raise HTTPException(403, "register import is not enabled")
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), expected.encode()):
        raise HTTPException(401, "bad token")
    body = await request.body()
    name = "upload.json" if "json" in content_type.lower() else "upload.csv"
    agencies = {a.id for a in services.directory}
    try:
        entries = parse(body, name, services.published.annex, agencies)
    except RegisterError as error:
        return JSONResponse({"detail": "nothing imported", "problems": error.problems[:MAX_PROBLEMS]}, 422)
    await kv.register.put_entries(entries)
    return JSONResponse({"imported": len(entries)})


@router.get("/published/{agency_id}", response_class=HTMLResponse)
async def compliance_page(request: Request, agency_id: str, lang: Literal["ka", "en"] = Query("ka"),
                          as_of: date | None = None) -> HTMLResponse:
    kv, services = _parts(request)
    agency = services.directory.get(agency_id)
    if agency is None:
        raise HTTPException(404, "unknown agency")
    day = _day(as_of)
    entries = await kv.register.entries(agency_id)
    rows = agency_rows(services.published.annex, agency_id, entries, day)
    answers = body_summary(kv.catalog, lang, await services.figures.of(agency_id))
    return HTMLResponse(_page(kv.catalog, lang, agency.name_ka if lang == "ka" else agency.name_en,
                              day, rows, any(e.sample for e in entries), answers))


def _day(as_of: date | None) -> date:
    day = as_of or today_in_georgia()
    if not checkable(day):
        raise HTTPException(422, "as_of must be between 2013-09-01 (Ordinance 219 in force) and 9000-01-01")
    return day


def _page(catalog, lang: str, agency: str, day: date, rows, sample: bool, answers: str) -> str:
    t = lambda key, **params: escape(catalog.text(lang, key, params))  # noqa: E731
    heads = "".join(f"<th>{t('compliance.col_' + c)}</th>" for c in ("item", "name", "period", "due", "state", "updated"))
    body = "".join(_row(catalog, lang, row) for row in rows)
    counts = {s: sum(r.state == s for r in rows) for s in ("published", "due", "overdue")}
    note = f"<p><strong>{t('compliance.sample')}</strong></p>" if sample else ""
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{t('compliance.title', agency=agency)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{border:1px solid #ccc;padding:.3em .6em}"
        "table{border-collapse:collapse}.overdue{background:#fdd}.due{background:#ffd}.published{background:#dfd}.published_late{background:#fec}"
        "</style></head><body>"
        f"<h1>{t('compliance.title', agency=agency)}</h1>"
        f"<p>{t('compliance.as_of', date=day)}</p><p>{t('compliance.summary', **counts)}</p>{note}"
        f"<table><thead><tr>{heads}</tr></thead><tbody>{body}</tbody></table>"
        f"<h2>{t('stats.answers_heading')}</h2>{answers}</body></html>"
    )


def _row(catalog, lang: str, row) -> str:
    item, obligation, latest = row.item, row.obligation, row.latest
    cells = [
        item.number,
        item.name_ka if lang == "ka" else item.name_en,
        str(obligation.period) if obligation and obligation.period else "",
        catalog.value(lang, obligation.due) if obligation else "",
        catalog.text(lang, f"compliance.state_{row.state}"),
        catalog.value(lang, latest.updated) if latest else "",
    ]
    link = ""
    if latest:
        title = (latest.title_ka or latest.title_en) if lang == "ka" else (latest.title_en or latest.title_ka)
        link = f' <a href="{escape(latest.url)}">{escape(title)}</a>'

    tds = "".join(f"<td>{escape(c)}</td>" for c in cells[:-1]) + f"<td>{escape(cells[-1])}{link}</td>"
    return f'<tr class="{row.state}">{tds}</tr>'
