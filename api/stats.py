"""How bodies answer, as open data (JSON, CSV) and as one page ranking them with a chart.

Counts per body only: no citizen, no registration number, no text (bot/stats.py states the method).
"""
from __future__ import annotations

import csv
import io
from html import escape
from typing import Literal

from babel.numbers import format_decimal
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from bot.stats import METHOD, MIN_REQUESTS, BodyFigures

router = APIRouter()
COLUMNS = ("agency_id", "name_ka", "name_en", "sent", "answered", "on_time", "overdue_now", "median_days",
           "on_time_share")
BAR_WIDTH, BAR_HEIGHT, LABEL_WIDTH = 360, 18, 300


async def _figures(request: Request) -> list[tuple[object, BodyFigures]]:
    """(agency, figures) for every body with requests, best on-time share first, too few at the end."""
    services = request.app.state.kavshiri.engine.services
    figures = await services.figures.all()
    rows = [(services.directory.get(f.agency_id), f) for f in figures.values()]
    rows = [(a, f) for a, f in rows if a is not None]
    return sorted(rows, key=lambda r: (r[1].on_time_share is None, -(r[1].on_time_share or 0), -r[1].sent))


def _record(agency, figures: BodyFigures) -> dict:
    return {"agency_id": agency.id, "name_ka": agency.name_ka, "name_en": agency.name_en,
            **{k: v for k, v in figures.to_json().items() if k != "agency_id"}}


@router.get("/api/stats/bodies")
async def bodies(request: Request, format: Literal["json", "csv"] = Query("json")) -> Response:
    records = [_record(a, f) for a, f in await _figures(request)]
    if format == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="kavshiri-bodies.csv"'})
    return JSONResponse({"method": METHOD, "min_requests": MIN_REQUESTS, "bodies": records})


@router.get("/stats", response_class=HTMLResponse)
async def ranking_page(request: Request, lang: Literal["ka", "en"] = Query("ka")) -> HTMLResponse:
    catalog = request.app.state.kavshiri.catalog
    rows = await _figures(request)
    t = lambda key, **params: escape(catalog.text(lang, key, params))  # noqa: E731
    ranked = [(a, f) for a, f in rows if f.on_time_share is not None]
    heads = "".join(f"<th>{t('stats.col_' + c)}</th>" for c in ("body", "sent", "answered", "on_time", "median", "overdue"))
    table = "".join(_row(catalog, lang, a, f) for a, f in rows)
    return HTMLResponse(
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{t("stats.title")}</title>'
        "<style>body{font-family:sans-serif;margin:2em;max-width:60em}td,th{border:1px solid #ccc;padding:.3em .6em}"
        "table{border-collapse:collapse}td.n{text-align:right}svg text{font-size:12px}</style></head><body>"
        f"<h1>{t('stats.title')}</h1><p>{t('stats.intro', min=MIN_REQUESTS)}</p>"
        f"{_chart(lang, ranked, t('stats.chart'))}"
        f"<table><thead><tr>{heads}</tr></thead><tbody>{table}</tbody></table>"
        f"<p>{t('stats.open_data')} <a href=\"/api/stats/bodies\">JSON</a> · "
        f"<a href=\"/api/stats/bodies?format=csv\">CSV</a></p></body></html>"
    )


def _chart(lang: str, ranked: list, title: str) -> str:
    """Horizontal bars of the on-time share, one per body with enough requests."""
    if not ranked:
        return ""
    height = BAR_HEIGHT * len(ranked) + 4
    bars = []
    for i, (agency, f) in enumerate(ranked):
        y, width = i * BAR_HEIGHT + 2, round(BAR_WIDTH * f.on_time_share)
        name = escape(agency.short_ka if lang == "ka" else agency.short_en)
        bars.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 13}" text-anchor="end">{name}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR_HEIGHT - 4}" fill="#2b6cb0"/>'
            f'<text x="{LABEL_WIDTH + width + 4}" y="{y + 13}">{round(f.on_time_share * 100)}%</text>'
        )
    return (f'<svg role="img" aria-label="{escape(title)}" width="{LABEL_WIDTH + BAR_WIDTH + 50}" height="{height}"'
            f' xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{"".join(bars)}</svg>')


def _row(catalog, lang: str, agency, f: BodyFigures) -> str:
    name = agency.name_ka if lang == "ka" else agency.name_en
    share = f"{round(f.on_time_share * 100)}%" if f.on_time_share is not None else "—"
    median = catalog.text(lang, "stats.days", {"days": _days(f.median_days, lang)}) if f.median_days is not None else "—"
    cells = (f.sent, f.answered, share, median, f.overdue_now)
    tds = "".join(f'<td class="n">{escape(str(c))}</td>' for c in cells)
    return f'<tr><td><a href="/published/{escape(agency.id)}?lang={lang}">{escape(name)}</a></td>{tds}</tr>'


def _days(median: float, lang: str) -> str:
    return format_decimal(median, "#,##0.#", locale=lang)  # 9,5 in Georgian


def body_summary(catalog, lang: str, f: BodyFigures | None) -> str:
    """One paragraph for a body's compliance page, escaped."""
    if f is None:
        return f"<p>{escape(catalog.text(lang, 'stats.none'))}</p>"
    if f.on_time_share is None or f.median_days is None:
        return f"<p>{escape(catalog.text(lang, 'stats.too_few', {'sent': f.sent, 'min': MIN_REQUESTS}))}</p>"
    params = {"sent": f.sent, "days": _days(f.median_days, lang), "share": round(f.on_time_share * 100),
              "overdue": f.overdue_now}
    return f"<p>{escape(catalog.text(lang, 'stats.body', params))} <a href=\"/stats?lang={lang}\">" \
           f"{escape(catalog.text(lang, 'stats.all_bodies'))}</a></p>"
