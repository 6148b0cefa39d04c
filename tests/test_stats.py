"""How bodies answer: figures per body from a seeded history, on both stores; the open data in
JSON and CSV with no personal data; the ranking page and the body's compliance page; the line shown
when a citizen picks a body, only with enough requests behind it."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone
from html import escape

import httpx
import pytest

from api.app import create_app
from bot.models import Submission
from bot.stats import MIN_REQUESTS, Figures, body_figures
from tests.conftest import Chat, FixedClock, texts

TODAY = date(2026, 12, 3)
UTC = timezone.utc


def sub(number: int, agency: str, sent: date, due: date, answered: date | None = None, status: str | None = None,
        citizen: str = "telegram:100") -> Submission:
    at = lambda d: datetime(d.year, d.month, d.day, 9, 0, tzinfo=UTC)  # noqa: E731  (13:00 in Tbilisi)
    return Submission(
        registration_number=f"E-2026-{number:07d}", citizen_key=citizen, portal_id="p", agency_id=agency,
        request_type="information_request", subject=f"private subject {number}", registered_at=at(sent),
        deadline=due, status=status or ("completed" if answered else "registered"),
        completed_at=at(answered) if answered else None,
    )


def history(agency: str = "mof", on_time: int = 12, late: int = 6, overdue: int = 3, pending: int = 4) -> list[Submission]:
    """A body's requests: answered within 5 days, answered 4 days late, open past the deadline, open in time."""
    subs, n, sent = [], 1000 * ("mof", "moj", "mia").index(agency), date(2026, 10, 1)  # numbers apart per body
    for _ in range(on_time):
        n += 1
        subs.append(sub(n, agency, sent, sent + timedelta(days=10), answered=sent + timedelta(days=5)))
    for _ in range(late):
        n += 1
        subs.append(sub(n, agency, sent, sent + timedelta(days=10), answered=sent + timedelta(days=14), status="refused"))
    for _ in range(overdue):
        n += 1
        subs.append(sub(n, agency, date(2026, 11, 1), date(2026, 11, 12)))
    for _ in range(pending):
        n += 1
        subs.append(sub(n, agency, date(2026, 12, 1), date(2026, 12, 14)))
    return subs


def test_figures_follow_the_stated_method():
    figures = body_figures(history(), TODAY)["mof"]
    assert (figures.sent, figures.answered, figures.on_time, figures.overdue_now) == (25, 18, 12, 3)
    # 12 on time of the 21 whose outcome against the deadline is known (18 answered + 3 overdue).
    assert figures.on_time_share == pytest.approx(12 / 21)
    # Fewer than MIN_REQUESTS answered: no median yet, so the citizen is shown nothing.
    assert figures.median_days is None and not figures.enough


def test_a_median_and_a_share_need_enough_requests():
    enough = body_figures(history(on_time=14, late=6, overdue=0, pending=0), TODAY)["mof"]
    assert enough.median_days == 5.0 and enough.on_time_share == pytest.approx(14 / 20) and enough.enough
    few = body_figures(history(on_time=13, late=6, overdue=0, pending=5), TODAY)["mof"]
    assert few.sent == 24 and few.on_time_share is None and few.median_days is None


def test_a_deadline_day_answer_is_on_time_and_each_body_is_apart():
    subs = [sub(1, "mof", date(2026, 11, 2), date(2026, 11, 12), answered=date(2026, 11, 12)),
            sub(2, "moj", date(2026, 11, 2), date(2026, 11, 12), answered=date(2026, 11, 13))]
    figures = body_figures(subs, TODAY)
    assert figures["mof"].on_time == 1 and figures["moj"].on_time == 0 and set(figures) == {"mof", "moj"}


async def seed(kv, subs: list[Submission]) -> None:
    for s in subs:
        await kv.store.save_submission(s)
    kv.engine.services.figures = Figures(kv.store, FixedClock(datetime(2026, 12, 3, 10, 0, tzinfo=UTC)), fresh_seconds=0)


async def test_figures_from_the_store(kv):
    await seed(kv, history(on_time=15, late=5) + history("moj", on_time=2, late=0, overdue=0, pending=0))
    figures = await kv.engine.services.figures.all()
    assert figures["mof"].sent == 27 and figures["mof"].on_time_share == pytest.approx(15 / 23)
    assert figures["moj"].sent == 2 and not figures["moj"].enough


@pytest.fixture
async def api(kv):
    transport = httpx.ASGITransport(app=create_app(kv))
    async with httpx.AsyncClient(transport=transport, base_url="http://kavshiri.test") as client:
        yield client


PERSONAL = ("E-2026-", "private subject", "telegram:100")


async def test_open_data_in_json_and_csv_without_personal_data(kv, api):
    await seed(kv, history(on_time=16, late=4, overdue=1, pending=2) + history("moj", 1, 0, 0, 0))
    data = (await api.get("/api/stats/bodies")).json()
    assert data["min_requests"] == MIN_REQUESTS and "on time" in data["method"]
    mof = next(b for b in data["bodies"] if b["agency_id"] == "mof")
    assert (mof["sent"], mof["answered"], mof["on_time"], mof["overdue_now"], mof["median_days"]) == (23, 20, 16, 1, 5.0)
    assert mof["name_en"] == "Ministry of Finance of Georgia"
    assert [b["agency_id"] for b in data["bodies"]] == ["mof", "moj"]  # ranked; too few last
    response = await api.get("/api/stats/bodies", params={"format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows[0]["agency_id"] == "mof" and rows[0]["on_time"] == "16" and rows[1]["on_time_share"] == ""
    for text in (response.text, str(data)):
        assert not any(p in text for p in PERSONAL)


@pytest.mark.parametrize("lang", ["ka", "en"])
async def test_the_ranking_page_and_the_body_page(kv, api, lang):
    await seed(kv, history(on_time=16, late=4) + history("moj", on_time=10, late=10, overdue=0, pending=0))
    page = (await api.get("/stats", params={"lang": lang})).text
    assert page.count("<rect") == 2 and "70%" in page and "50%" in page  # 16 of 23; 10 of 20
    assert page.index("/published/mof") < page.index("/published/moj")
    assert f"<h1>{escape(kv.catalog.text(lang, 'stats.title'))}</h1>" in page and "<svg" in page
    body = (await api.get("/published/mof", params={"lang": lang})).text
    assert kv.catalog.text(lang, "stats.body", {"days": 5, "share": 70, "sent": 27, "overdue": 3}) in body
    assert not any(p in page + body for p in PERSONAL)
    empty = (await api.get("/published/mia", params={"lang": lang})).text
    assert kv.catalog.text(lang, "stats.none") in empty


@pytest.mark.parametrize("lang", ["ka", "en"])
async def test_picking_a_body_says_how_it_answers_only_with_enough_behind_it(kv, lang):
    await seed(kv, history("mof", on_time=16, late=4) + history("moj", on_time=12, late=6, overdue=0, pending=0))
    chat = Chat(kv)
    await chat.start(lang)
    await chat.choose("new_request")
    replies = await chat.say({"ka": "ფინანსთა სამინისტრო", "en": "Ministry of Finance"}[lang])
    assert kv.catalog.text(lang, "agency.figures", {"days": 5, "share": 70}) in texts(replies)
    await chat.choose("cancel")
    chat2 = Chat(kv, "citizen-2")
    await chat2.start(lang)
    await chat2.choose("new_request")
    replies = await chat2.say({"ka": "იუსტიციის სამინისტრო", "en": "Ministry of Justice"}[lang])  # 18 answered: too few
    opening = kv.catalog.translations[lang].gettext("agency.figures").split("{days}")[0]
    assert opening and opening not in texts(replies) and "type:complaint" in [c["id"] for m in replies for c in m["choices"]]
