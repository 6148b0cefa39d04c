"""Published information over HTTP: the authenticated import (token, all or nothing), the
overdue report as JSON, and the escaped compliance page."""
from __future__ import annotations

import json

import httpx
import pytest

from api.app import create_app
from tests.test_published_chat import SAMPLE

TOKEN = "register-token-for-tests-0123456789"
ROW = {"agency_id": "mof", "item": "5.3", "title_en": "Salaries", "url": "https://example.org/q3.xlsx",
       "period": "2026-Q3", "published": "2026-10-20", "format": "xlsx"}


@pytest.fixture
async def api(kv):
    kv.settings.register_token = TOKEN
    transport = httpx.ASGITransport(app=create_app(kv))
    async with httpx.AsyncClient(transport=transport, base_url="http://kavshiri.test") as client:
        yield client


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("headers", [{}, auth("wrong"), auth(TOKEN + "x"), {"Authorization": f"Basic {TOKEN}"}])
async def test_import_needs_the_token(api, kv, headers):
    response = await api.post("/api/published/register", json=[ROW], headers=headers)
    assert response.status_code == 401 and await kv.register.entries() == []


async def test_import_is_off_without_a_configured_token(api, kv):
    kv.settings.register_token = None
    response = await api.post("/api/published/register", json=[ROW], headers=auth())
    assert response.status_code == 403


async def test_a_bad_entry_imports_nothing_and_says_where(api, kv):
    body = json.dumps([ROW, {**ROW, "item": "9.9"}])
    response = await api.post("/api/published/register", content=body, headers={**auth(), "Content-Type": "application/json"})
    assert response.status_code == 422 and response.json()["problems"] == ["record 2: no Annex item '9.9' (1.1 to 7.2)"]
    assert await kv.register.entries() == []


async def test_csv_import_then_overdue_report(api, kv):
    csv = "agency_id,item,title_en,url,period,published,format\nmof,5.3,Salaries,https://example.org/q3.xlsx,2026-Q3,2026-10-20,xlsx\n"
    response = await api.post("/api/published/register", content=csv.encode(), headers={**auth(), "Content-Type": "text/csv"})
    assert response.json() == {"imported": 1}
    report = (await api.get("/api/published/overdue", params={"agency": "mof", "as_of": "2027-02-01"})).json()
    assert {"agency_id": "mof", "item": "5.3", "period": "2026-Q4", "due": "2027-01-31"} in report
    assert not [r for r in report if r["item"] == "5.3" and r["period"] == "2026-Q3"]
    tracked = (await api.get("/api/published/overdue", params={"as_of": "2027-02-01"})).json()
    everyone = (await api.get("/api/published/overdue", params={"as_of": "2027-02-01", "all_agencies": "true"})).json()
    assert {r["agency_id"] for r in tracked} == {"mof"} and len({r["agency_id"] for r in everyone}) == 84
    assert (await api.get("/api/published/overdue", params={"agency": "nope"})).status_code == 404
    for day in ("0001-01-01", "9999-12-31", "2013-08-31", "yesterday"):
        assert (await api.get("/api/published/overdue", params={"as_of": day})).status_code == 422
        assert (await api.get("/published/mof", params={"as_of": day})).status_code == 422


async def test_compliance_page_escapes_everything_and_marks_samples(api):
    hostile = {**ROW, "item": "1.1", "period": "", "title_en": "<script>alert(1)</script>",
               "url": "https://example.org/a?b=1&c='x'"}
    await api.post("/api/published/register", json=[hostile, {**ROW, "sample": True}], headers=auth())
    page = await api.get("/published/mof", params={"lang": "en", "as_of": "2026-11-23"})
    assert page.status_code == 200 and "<script>" not in page.text and "&lt;script&gt;" in page.text
    assert "a?b=1&amp;c=&#x27;x&#x27;" in page.text
    assert "sample entries" in page.text and 'class="overdue"' in page.text and 'class="published"' in page.text
    ka = await api.get("/published/mof", params={"as_of": "2026-11-23"})
    assert "ვადაგადაცილებულია" in ka.text and "2026 წლის 31 ოქტომბერი" in ka.text
    assert (await api.get("/published/nope")).status_code == 404


async def test_the_sample_register_imports_over_http(api):
    response = await api.post("/api/published/register", content=SAMPLE.read_bytes(),
                              headers={**auth(), "Content-Type": "application/json"})
    assert response.json() == {"imported": 15}
