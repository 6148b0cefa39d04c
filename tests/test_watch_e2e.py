"""The deadline watch across real processes: `kavshiri deadlines sweep --as-of` beside
`kavshiri serve` (and the stand-in portal); the alert reaches the citizen's console
conversation through the shared store, the serve's worker and the console's inbox."""
from __future__ import annotations

import subprocess
from datetime import date, timedelta

from tests.conftest import english_in
from tests.support import KAVSHIRI
from tests.test_e2e import Deployment, deployment, submitted, wait_for  # noqa: F401  (the fixture)


def sweep(d: Deployment, as_of: date) -> str:
    done = subprocess.run([KAVSHIRI, "deadlines", "sweep", "--as-of", as_of.isoformat()], env=d.env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_sweep_run_as_a_command_alerts_the_console_once(deployment: Deployment):  # noqa: F811  (the fixture)
    out = deployment.console("nino", [
        "გამარჯობა", "/choose new_request", "იუსტიციის სახლი", "/choose type:information_request",
        "2025 წლის რიგების სტატისტიკა",  # the year says the period: the form is asked next
        "/choose answer:electronic", "/choose submit",
    ], lang="ka")
    event = submitted(out)
    number, due = event["registration_number"], date.fromisoformat(event["deadline"])

    assert "0 overdue alerted" in sweep(deployment, due)  # the deadline's own day is still in time
    printed = sweep(deployment, due + timedelta(days=10))
    assert "1 overdue alerted" in printed and f"alerted {number}" in printed
    alert = wait_for(lambda: [m for m in deployment.console("nino", []) if m["event"]])
    assert alert[0]["event"]["type"] == "late" and number in alert[0]["text"]
    assert f"late:complain:{number}" in [c["id"] for c in alert[0]["choices"]]
    assert english_in(alert) == set()

    assert "0 overdue alerted" in sweep(deployment, due + timedelta(days=11))  # once
    review = deployment.console("nino", [f"/choose late:complain:{number}"])
    assert "follow_up:send" in [c["id"] for m in review for c in m["choices"]]
