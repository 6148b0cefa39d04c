"""Across real processes: the sample register imported with `kavshiri catalog import`, the
overdue report from `kavshiri catalog overdue`, and a citizen in `kavshiri console --json` who
asks about bonuses, taps the offered request for the missing quarter, reviews it and gets a
registration number from the stand-in portal."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import english_in
from tests.support import KAVSHIRI
from tests.test_e2e import Deployment, submitted
from tests.test_published_chat import SAMPLE


def run(deployment: Deployment, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([KAVSHIRI, *args], input=stdin, env=deployment.env, capture_output=True,
                          text=True, timeout=60)


@pytest.fixture
def deployment(tmp_path: Path):
    d = Deployment(tmp_path)  # the console needs only the stand-in portal, not `serve`
    with d.portal:
        yield d


def test_catalog_import_and_overdue_report(deployment: Deployment, tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_text("agency_id,item,title_en,url,published,format\nmof,5.3,Pay,https://example.org/x,2026-10-01,pdf\n")
    refused = run(deployment, "catalog", "import", str(bad))
    assert refused.returncode == 1 and "line 2: period is required" in refused.stderr

    done = run(deployment, "catalog", "import", str(SAMPLE))
    assert done.returncode == 0 and "imported 15" in done.stdout
    report = run(deployment, "catalog", "overdue", "--agency", "mof", "--as-of", "2026-11-23", "--format", "json")
    rows = json.loads(report.stdout)
    assert {"agency_id": "mof", "item": "5.3", "period": "2026-Q3", "due": "2026-10-31"} in rows
    assert not [r for r in rows if r["item"] in ("1.3", "2.1", "2.3")]  # published in the sample
    csv = run(deployment, "catalog", "overdue", "--as-of", "2026-11-23", "--format", "csv").stdout.splitlines()
    assert csv[0] == "agency_id,item,period,due" and {line.split(",")[0] for line in csv[1:]} == {"mof", "rs", "roads", "moj"}
    everyone = run(deployment, "catalog", "overdue", "--all-agencies", "--as-of", "2026-11-23", "--format", "csv")
    assert len({line.split(",")[0] for line in everyone.stdout.splitlines()[1:]}) == 84
    assert run(deployment, "catalog", "overdue", "--agency", "nope").returncode == 2
    assert run(deployment, "catalog", "overdue", "--as-of", "0001-01-01").returncode == 2


@pytest.mark.parametrize("lang, question", [
    ("en", "How much do Ministry of Finance staff earn in bonuses?"),
    ("ka", "რამდენი პრემია გასცა ფინანსთა სამინისტრომ?"),
])
def test_missing_quarter_to_registration_number_through_the_console(deployment: Deployment, lang, question):
    assert run(deployment, "catalog", "import", str(SAMPLE)).returncode == 0
    out = deployment.console("bea", [question, "/choose published:request", "/choose submit"], lang=lang)
    assert any(c["id"] == "published:request" for m in out for c in m["choices"])
    event = submitted(out)
    assert event["agency_id"] == "mof" and event["request_type"] == "information_request"
    assert event["registration_number"].startswith("E-")
    if lang == "ka":
        assert english_in(out) == set()
