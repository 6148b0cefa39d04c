"""The page ranking bodies by how they answer, in a real browser (Debian's chromium through
Playwright): the chart is an image with its name, the table links each body's page. Screenshots
land in artifacts/screenshots/."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from playwright.async_api import async_playwright, expect

from api.app import create_app
from bot.stats import Figures
from tests.channels import serve
from tests.conftest import FixedClock
from tests.test_stats import history
from tests.test_widget_browser import ARGS, CHROMIUM, SHOTS

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="scripts/test installs chromium")


@pytest.mark.parametrize("lang", ["ka", "en"])
async def test_the_ranking_page_in_a_browser(kv, lang):
    for s in history("mof", on_time=16, late=4) + history("moj", on_time=10, late=10, overdue=0, pending=0) \
            + history("mia", on_time=3, late=0, overdue=0, pending=0):
        await kv.store.save_submission(s)
    kv.engine.services.figures = Figures(kv.store, FixedClock(datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)), fresh_seconds=0)
    async with serve(create_app(kv)) as url, async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = await browser.new_page(viewport={"width": 1100, "height": 800})
        await page.goto(f"{url}/stats?lang={lang}")
        chart = page.get_by_role("img", name=kv.catalog.text(lang, "stats.chart"))
        await expect(chart).to_be_visible()
        assert await chart.locator("rect").count() == 2  # the body with 3 requests is listed, not charted
        rows = page.locator("tbody tr")
        await expect(rows).to_have_count(3)
        await expect(rows.first).to_contain_text("70%")
        await expect(rows.last).to_contain_text("—")
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SHOTS / f"stats-{lang}.png"), full_page=True)
        await rows.first.get_by_role("link").click()
        await expect(page.get_by_text(kv.catalog.text(lang, "stats.answers_heading"))).to_be_visible()
        await browser.close()
