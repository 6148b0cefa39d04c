"""How `kavshiri serve` runs uvicorn: which proxies are believed, the widget's largest frame, and
HSTS when browsers come over https."""
from __future__ import annotations

from typing import Any

from api.widget import MAX_FRAME
from kavshiri.settings import Settings


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments of `uvicorn.Config` beyond the app, address and logging."""
    return {
        # uvicorn would believe X-Forwarded-For from 127.0.0.1 by default; only the proxies named here are.
        "proxy_headers": bool(settings.forwarded_allow_ips),
        "forwarded_allow_ips": settings.forwarded_allow_ips or None,
        "ws_max_size": MAX_FRAME,  # a larger widget frame is refused before it is buffered
        "headers": [("Strict-Transport-Security", "max-age=31536000")] if settings.own_url.startswith("https:") else [],
    }
