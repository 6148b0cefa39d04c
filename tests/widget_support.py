"""A deployment for the widget's tests: the stand-in portal and `kavshiri serve` as real
processes, an operator account made with the real CLI, and an agency page on another origin
that embeds the widget (with hostile styles)."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from tests.conftest import IDENTITY, SECRET, TOKEN
from tests.support import KAVSHIRI, Service, ThreadServer, free_port

PAGE = Path(__file__).parent / "pages" / "hostile.html"
OPERATOR, PASSWORD, OPERATOR_NAME = "nino", "a long test password", "ნინო"
ELSEWHERE = "moj-desk"  # an operator of another agency, who must see nothing of MIA's chats


def page_app(api_url: str) -> FastAPI:
    app = FastAPI()
    html = PAGE.read_text().replace("{{API}}", api_url)

    @app.get("/")
    async def page() -> HTMLResponse:
        return HTMLResponse(html)

    return app


class WidgetDeployment:
    def __init__(self, root: Path) -> None:
        self.root = root
        portal_port, api_port = free_port(), free_port()
        self.portal_url, self.api_url = f"http://127.0.0.1:{portal_port}", f"http://127.0.0.1:{api_port}"
        self.page = ThreadServer(page_app(self.api_url))
        self.env = {
            **os.environ, "KAVSHIRI_HOME": str(root / "home"), "PORTAL_URL": self.portal_url,
            "PORTAL_TOKEN": TOKEN, "PORTAL_CALLBACK_SECRET": SECRET, "IDENTITY_SECRET": IDENTITY,
            "PORT": str(api_port),
            "WORKER_INTERVAL_SECONDS": "0.2", "POLL_INTERVAL_SECONDS": "3600",
            "OFFICE_HOURS": "",  # around the clock, so the tests do not depend on the time of day
            "WIDGET_ORIGINS": f"mia={self.page.url}",
            # Every test browser is 127.0.0.1: room for all of them (the limits have their own test).
            "WIDGET_CONNECTIONS_PER_MINUTE": "1000", "WIDGET_MESSAGES_PER_MINUTE": "1000",
        }
        self.env.pop("REDIS_URL", None)
        self.portal = Service(
            ["portal-sim", "--port", str(portal_port), "--db", str(root / "sim.sqlite3"),
             "--callback-url", f"{self.api_url}/portal/callback"],
            self.env, f"{self.portal_url}/v1/agencies", str(root / "portal.log"),
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        self.api = Service(["serve"], self.env, f"{self.api_url}/healthz", str(root / "api.log"))

    def add_operator(self, login: str, name: str, agencies: str) -> None:
        done = subprocess.run([KAVSHIRI, "operator", "add", login, "--name", name, "--agencies", agencies,
                               "--password-stdin"], input=PASSWORD + "\n", env=self.env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr

    def __enter__(self) -> WidgetDeployment:
        self.page.__enter__()
        self.portal.start()
        self.add_operator(OPERATOR, OPERATOR_NAME, "mia")
        self.add_operator(ELSEWHERE, "Giorgi", "moj")
        self.api.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.api.stop()
        self.portal.stop()
        self.page.__exit__(*exc_info)
