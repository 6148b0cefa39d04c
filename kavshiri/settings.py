"""Typed settings from the environment, with embedded defaults that need nothing installed."""
from __future__ import annotations

import ipaddress
import os
from datetime import date
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.retention import Retention

REPO_ROOT = Path(__file__).resolve().parents[1]
# Secrets whose defaults below are public: fine on one's own machine, never where others reach.
DEVELOPMENT_SECRETS = ("portal_token", "portal_callback_secret", "identity_secret")


def loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address((host or "").strip("[]")).is_loopback
    except ValueError:
        return False


def default_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "kavshiri"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    kavshiri_home: Path = Field(default_factory=default_home)
    # Storage: SQLite under KAVSHIRI_HOME unless REDIS_URL is set.
    redis_url: str | None = None
    redis_prefix: str = "kv:"
    # Portal: empty means "run the stand-in portal in-process on portal_sim_port".
    portal_url: str | None = None
    portal_token: str = "dev-portal-token"
    portal_timeout: float = 10.0
    portal_retries: int = 3
    portal_sim_port: int = 8765
    # The portal signs completion callbacks with this shared secret (HMAC-SHA256).
    portal_callback_secret: str = "dev-callback-secret"
    callback_tolerance_seconds: int = 300
    # Keys the pseudonymous test-citizen id each chat identity gets at the stand-in portal.
    identity_secret: str = "dev-identity-secret"
    # Where Kavshiri's API listens and how the portal reaches it.
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = None
    # Proxies in front whose X-Forwarded-For/-Proto are believed (comma-separated addresses or
    # networks); empty: none, so a client cannot pick the address its rate limits count under.
    forwarded_allow_ips: str = ""
    # Connections: a request must arrive whole within request_read_seconds; an idle keep-alive
    # connection closes after keep_alive_seconds; past max_connections at once, new ones get 503.
    request_read_seconds: float = 20.0
    keep_alive_seconds: int = 5
    max_connections: int = 1000
    # The interactive API documentation (/docs, /redoc, /openapi.json): off unless asked for.
    api_docs: bool = False
    # Government-declared extra non-working days, comma-separated ISO dates.
    extra_days_off: str = ""
    # `serve` runs the outbox worker in-process unless separate worker processes do it.
    run_worker: bool = True
    poll_interval_seconds: float = 60.0
    worker_interval_seconds: float = 1.0
    # The deadline watch (bot/watch.py) runs this often; it alerts once a day at most per request.
    deadline_sweep_interval_seconds: float = 3600.0
    default_lang: str = "ka"
    # Understanding text: the embedded models, or a Rasa server's /model/parse (see nlu/).
    nlu_backend: Literal["embedded", "rasa"] = "embedded"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout: float = 2.0
    # Operators answer chats on working days in these hours (Tbilisi time); empty: around the clock.
    office_hours: str = "09:00-18:00"
    # Pages allowed to open the widget's WebSocket: "AGENCY=origin origin;*=origin" (* any agency).
    # Empty allows only Kavshiri's own origin (its /demo page).
    widget_origins: str = ""
    # Per client IP and API process: widget connections and messages a minute.
    widget_connections_per_minute: int = 30
    widget_messages_per_minute: int = 120
    # Widget sockets open at once per client IP and API process, and how long one may stay silent.
    widget_sockets_per_ip: int = 20
    widget_idle_seconds: float = 900.0
    # Bearer token of agencies' systems that import register files; unset disables the endpoint.
    register_token: str | None = None
    # Telegram: the bot's token, the webhook's secret header value, and the Bot API's address.
    telegram_bot_token: str | None = None
    telegram_webhook_secret: str = ""
    telegram_api_url: str = "https://api.telegram.org"
    telegram_rate: float = 30.0  # messages per second overall (Telegram's limit)
    telegram_chat_interval: float = 1.0  # seconds between messages in one chat
    # Twilio (SMS and WhatsApp): signatures are checked against PUBLIC_URL.
    twilio_account_sid: str | None = None
    twilio_auth_token: str = ""
    twilio_from: str = ""
    twilio_api_url: str = "https://api.twilio.com"
    sms_max_segments: int = 6  # the most one SMS reply may cost
    # Approved WhatsApp templates (Content SIDs) for alerts outside the 24-hour window:
    # "HX…" for every language, or "ka=HX…,en=HX…". Empty: such alerts go to another channel.
    twilio_whatsapp_alert_template: str = ""
    # E-mail alerts: smtp://user:password@host:587 (STARTTLS) or smtps://… (TLS from the start).
    smtp_url: str | None = None
    mail_from: str = ""
    smtp_ca_file: Path | None = None  # trust this CA for the SMTP server (a private relay)
    locales_dir: Path = REPO_ROOT / "locales"
    # Operations: /metrics on the API's port for this bearer token, and/or on a port of its own
    # (each process its own); logs as text or one JSON object per line.
    metrics_token: str | None = None
    metrics_port: int | None = None
    log_format: Literal["text", "json"] = "text"
    # Retention in days (bot/retention.py); the worker sweeps every purge_interval_seconds.
    retention_session_days: float = 30.0
    retention_transcript_days: float = 30.0
    retention_outbox_sent_days: float = 90.0
    retention_outbox_dead_days: float = 30.0
    retention_delivery_days: float = 30.0
    retention_audit_days: float = 365.0
    retention_closed_ticket_days: float = 90.0
    purge_interval_seconds: float = 300.0

    @property
    def uses_development_secrets(self) -> bool:
        """True when a secret is still the public development value from this file."""
        defaults = {name: field.default for name, field in type(self).model_fields.items()}
        return any(getattr(self, n) == defaults[n] for n in DEVELOPMENT_SECRETS)

    @property
    def exposure(self) -> str | None:
        """Why others may reach this deployment (None: only this machine can): the setting to blame."""
        if self.portal_url:
            return "PORTAL_URL is set"
        if not loopback(self.host):
            return "HOST is not a loopback address"
        if self.public_url and not loopback(urlsplit(self.public_url).hostname):
            return "PUBLIC_URL is not a loopback address"
        return None

    @property
    def retention(self) -> Retention:
        return Retention(sessions=self.retention_session_days, transcripts=self.retention_transcript_days,
                         outbox_sent=self.retention_outbox_sent_days, outbox_dead=self.retention_outbox_dead_days,
                         deliveries=self.retention_delivery_days, audit=self.retention_audit_days,
                         closed_tickets=self.retention_closed_ticket_days)

    @property
    def sqlite_path(self) -> Path:
        return self.kavshiri_home / "kavshiri.sqlite3"

    @property
    def own_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    @property
    def extra_days(self) -> list[date]:
        return [date.fromisoformat(d.strip()) for d in self.extra_days_off.split(",") if d.strip()]
