"""The composition root: the one place that builds infrastructure from settings.

`kavshiri serve`, `console`, `worker` (through `running`) and the tests get their parts from `Kavshiri.build`.
"""
from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from typing import Any

from bot import metrics
from bot.alerts import Alerts
from bot.channels import Channel
from bot.deadline import WorkCalendar
from bot.desk import Desk, OfficeHours
from bot.engine import Engine
from bot.flows.notify import code_lost
from bot.metrics import TimedUnderstander
from bot.outbox import Outbox
from bot.ports import Portal, PortalError, Register, Store
from bot.services import Services
from bot.stats import Figures
from bot.watch import Watch
from connectors.accounts import Accounts
from connectors.i18n import Catalog
from connectors.identity import TestCitizens
from connectors.inbox import InboxSender
from connectors.mail import EmailSender
from connectors.portal import HttpPortal
from connectors.receipt import ReceiptRenderer
from connectors.webchat import WebChat, WidgetOrigins
from kavshiri.settings import Settings
from nlu.agencies import AgencyMatcher
from nlu.competences import Competences
from nlu.directory import Directory
from nlu.model import Models
from nlu.understanding import Backend, Understander
from published.knowledge import Knowledge

log = logging.getLogger(__name__)
PULL_CHANNELS = ("console", "web")
READY_TIMEOUT = 2.0  # seconds for each readiness probe: a probe that waits longer says "down"


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


async def open_store(settings: Settings) -> Store:
    if settings.redis_url:
        from connectors.redis_store import RedisStore

        return RedisStore.from_url(settings.redis_url, prefix=settings.redis_prefix, retention=settings.retention)
    from connectors.sqlite_store import SqliteStore

    return await SqliteStore.open(settings.sqlite_path, retention=settings.retention)


async def open_register(settings: Settings) -> Register:
    """The publication register, in the same backend (and Redis prefix) as the store."""
    if settings.redis_url:
        from connectors.redis_register import RedisRegister

        return RedisRegister.from_url(settings.redis_url, prefix=settings.redis_prefix)
    from connectors.sqlite_register import SqliteRegister

    return await SqliteRegister.open(settings.sqlite_path)


def build_understander(settings: Settings, matcher: AgencyMatcher) -> Backend:
    understander = Understander(matcher, Models.load())
    if settings.nlu_backend == "rasa":
        from connectors.rasa import RasaUnderstander

        return RasaUnderstander(understander, settings.rasa_url, timeout=settings.rasa_timeout)
    return understander


def delivery_channels(settings: Settings) -> frozenset[str]:
    """The channels this deployment can send on: one sender is built for each."""
    channels = set(PULL_CHANNELS)
    if settings.telegram_bot_token:
        channels.add("telegram")
    if settings.twilio_account_sid:
        channels |= {"sms", "whatsapp"}
    if settings.smtp_url:
        channels.add("email")
    return frozenset(channels)


async def open_accounts(settings: Settings) -> tuple[Accounts, Store]:
    """Operator accounts alone, for `kavshiri operator add`; the caller closes the store."""
    store = await open_store(settings)
    return Accounts(store, SystemClock()), store


async def open_watch(settings: Settings) -> tuple[Watch, Store]:
    """The deadline watch alone, for `kavshiri deadlines sweep`; the caller closes the store."""
    store = await open_store(settings)
    return Watch(store, Directory.load(), WorkCalendar(settings.extra_days), SystemClock()), store


@dataclass(slots=True)
class Kavshiri:
    settings: Settings
    store: Store
    portal: Portal
    catalog: Catalog
    engine: Engine
    alerts: Alerts
    outbox: Outbox
    desk: Desk
    webchat: WebChat
    origins: WidgetOrigins
    accounts: Accounts
    register: Register
    watch: Watch
    receipts: ReceiptRenderer
    telegram: Any = None  # connectors.telegram.TelegramChannel, when a bot token is set
    sms: Any = None  # connectors.sms.SmsChannel, when a Twilio account is set

    @classmethod
    async def build(cls, settings: Settings, portal_url: str) -> Kavshiri:
        if settings.uses_development_secrets and (exposed := settings.exposure):
            # The defaults are public: anyone could sign a "completed" event with a link of theirs,
            # or compute any phone number's portal pseudonym.
            raise ValueError(f"{exposed}: set PORTAL_TOKEN, PORTAL_CALLBACK_SECRET and IDENTITY_SECRET to real secrets")
        store = await open_store(settings)
        portal = HttpPortal(
            portal_url, settings.portal_token, timeout=settings.portal_timeout, retries=settings.portal_retries
        )
        directory = Directory.load()
        matcher = AgencyMatcher(directory)
        clock = SystemClock()
        calendar = WorkCalendar(settings.extra_days)
        desk = Desk(store, clock, calendar, OfficeHours.parse(settings.office_hours))
        catalog = Catalog(settings.locales_dir)
        receipts = ReceiptRenderer(catalog, directory)
        register = await open_register(settings)
        services = Services(
            store=store,
            portal=portal,
            directory=directory,
            matcher=matcher,
            understander=TimedUnderstander(build_understander(settings, matcher)),
            clock=clock,
            calendar=calendar,
            identity=TestCitizens(settings.identity_secret),
            desk=desk,
            register=register,
            published=Knowledge.load(),
            wording=catalog,
            competences=Competences(directory),
            figures=Figures(store, clock),
            channels=delivery_channels(settings),
        )
        engine = Engine(services, settings.default_lang)
        senders: dict[str, Any] = {channel: InboxSender(store, channel) for channel in PULL_CHANNELS}
        telegram = await build_telegram(settings, engine, store, catalog, receipts) if settings.telegram_bot_token else None
        sms = build_sms(settings, engine, store, catalog) if settings.twilio_account_sid else None
        if telegram:
            senders["telegram"] = telegram
        if sms:
            senders.update({channel: sms.sender(channel) for channel in ("sms", "whatsapp")})
        if settings.smtp_url:
            tls = ssl.create_default_context(cafile=settings.smtp_ca_file) if settings.smtp_ca_file else None
            senders["email"] = EmailSender(catalog, settings.smtp_url, settings.mail_from, tls,
                                           store=store, renderer=receipts)
        services.capabilities.update({name: s.capabilities for name, s in senders.items() if isinstance(s, Channel)})
        alerts = Alerts(store, portal, directory, clock, frozenset(senders))
        return cls(
            settings=settings,
            store=store,
            portal=portal,
            catalog=catalog,
            engine=engine,
            alerts=alerts,
            outbox=Outbox(store, senders, clock, on_dead=(alerts.fall_back, partial(code_lost, store, clock))),
            desk=desk,
            webchat=WebChat(engine, store, catalog, settings.identity_secret),
            origins=WidgetOrigins(settings.widget_origins, settings.own_url),
            accounts=Accounts(store, clock),
            telegram=telegram,
            sms=sms,
            register=register,
            watch=Watch(store, directory, calendar, clock),
            receipts=receipts,
        )

    async def run_worker(self) -> None:
        """Deliver the outbox continuously, poll open requests now and then, watch their deadlines
        (bot/watch.py), and forget what is past its time every few minutes (bot/retention.py),
        until cancelled."""
        loop = asyncio.get_running_loop()
        next_poll = next_purge = next_sweep = loop.time()
        while True:
            try:
                await self.outbox.deliver_due()
                if loop.time() >= next_poll:
                    await self.alerts.poll_open()
                    next_poll = loop.time() + self.settings.poll_interval_seconds
                if loop.time() >= next_sweep:
                    next_sweep = loop.time() + self.settings.deadline_sweep_interval_seconds
                    report = await self.watch.sweep()
                    if report.alerted or report.asked_again:
                        log.info("deadline watch: %s", report.lines()[0])
                if loop.time() >= next_purge:
                    next_purge = loop.time() + self.settings.purge_interval_seconds
                    await self.purge()
            except Exception:  # keep the worker alive through a store hiccup
                log.exception("worker cycle failed")
            await asyncio.sleep(self.settings.worker_interval_seconds)

    async def purge(self) -> dict[str, int]:
        now = self.outbox.clock.now().timestamp()
        gone = await self.store.purge(now)
        gone["closed_tickets"] = await self.desk.forget_closed_tickets(
            now - self.settings.retention.seconds("closed_tickets"))
        if any(gone.values()):
            log.info("retention: removed %s", ", ".join(f"{n} {kind}" for kind, n in gone.items() if n))
        return gone

    async def readiness(self, timeout: float = READY_TIMEOUT) -> dict[str, str]:
        """For the store and the portal: "ok", or why not (no detail that could be personal)."""
        probes = {
            "store": self.store.get_record("readiness", "probe"),  # any read reaches the backend
            "portal": self.portal.check(timeout),
        }
        results = await asyncio.gather(*(asyncio.wait_for(p, timeout) for p in probes.values()),
                                       return_exceptions=True)
        return {name: _failure(result) for name, result in zip(probes, results, strict=True)}

    async def count_store(self, timeout: float = READY_TIMEOUT) -> None:
        """Read the store-wide figures of bot/metrics.py, when /metrics is served."""
        try:
            queued, oldest = await asyncio.wait_for(self.store.outbox_backlog(self.outbox.clock.now().timestamp()),
                                                    timeout)
            online = await asyncio.wait_for(self.desk.operators_online(), timeout)
        except Exception as error:
            log.warning("metrics: the store did not answer (%s)", type(error).__name__)
            metrics.store_unknown()
            return
        metrics.store_figures(queued, oldest, online)

    async def close(self) -> None:
        if self.telegram:
            await self.telegram.bot.shutdown()
        if self.sms:
            await self.sms.close()
        await self.portal.close()
        await self.store.close()
        await self.register.close()
        await self.engine.services.understander.close()


def _failure(result: object) -> str:
    if isinstance(result, TimeoutError):
        return "timeout"
    if isinstance(result, PortalError):  # its own short words: "unreachable", "HTTP 401"
        return str(result)
    return type(result).__name__ if isinstance(result, BaseException) else "ok"


async def build_telegram(settings: Settings, engine: Engine, store: Store, catalog: Catalog,
                         receipts: ReceiptRenderer):
    from telegram.ext import AIORateLimiter, ExtBot

    from connectors.telegram import ChatPacer, TelegramChannel
    from connectors.telegram_http import AiohttpRequest

    if not settings.telegram_webhook_secret:
        log.warning("TELEGRAM_WEBHOOK_SECRET is empty: the webhook refuses every update")
    limiter = AIORateLimiter(overall_max_rate=settings.telegram_rate, max_retries=3)
    api_url = settings.telegram_api_url.rstrip("/")
    bot = ExtBot(settings.telegram_bot_token, base_url=f"{api_url}/bot", base_file_url=f"{api_url}/file/bot",
                 request=AiohttpRequest(), get_updates_request=AiohttpRequest(connections=1),
                 rate_limiter=limiter)
    try:
        await bot.initialize()  # getMe: proves the token early, but Telegram may be briefly away
    except Exception as error:
        log.warning("telegram getMe failed at start-up: %s", type(error).__name__)
    pacer = ChatPacer(settings.telegram_chat_interval)
    return TelegramChannel(bot, engine, store, catalog, settings.telegram_webhook_secret, pacer, receipts)


def build_sms(settings: Settings, engine: Engine, store: Store, catalog: Catalog):
    from twilio.http.async_http_client import AsyncTwilioHttpClient
    from twilio.rest import Client

    from connectors.sms import TWILIO_HTTP_LOG, SmsChannel, parse_templates

    http = AsyncTwilioHttpClient(timeout=15, logger=TWILIO_HTTP_LOG)
    client = Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=http)
    client.api.base_url = settings.twilio_api_url.rstrip("/")
    status_url = settings.own_url.rstrip("/") + "/webhooks/twilio/status"
    return SmsChannel(client, engine, store, catalog, settings.twilio_from, status_url, settings.sms_max_segments,
                      parse_templates(settings.twilio_whatsapp_alert_template), settings.own_url)


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Kavshiri]:
    """Kavshiri built on `settings`, with the stand-in portal when none is configured; closed on exit."""
    from kavshiri import embedded

    async with embedded.portal(settings) as portal_url:
        kv = await Kavshiri.build(settings, portal_url)
        try:
            yield kv
        finally:
            await kv.close()
