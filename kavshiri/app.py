"""The composition root: the one place that builds infrastructure from settings.

`kavshiri serve`, `console`, `worker` and the tests all get their parts from `Kavshiri.build`.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from bot.alerts import Alerts
from bot.deadline import WorkCalendar
from bot.desk import Desk, OfficeHours
from bot.engine import Engine
from bot.outbox import Outbox
from bot.ports import Portal, Register, Store
from bot.services import Services
from connectors.accounts import Accounts
from connectors.i18n import Catalog
from connectors.identity import TestCitizens
from connectors.inbox import InboxSender
from connectors.portal import HttpPortal
from connectors.webchat import WebChat, WidgetOrigins
from kavshiri.settings import Settings
from nlu.agencies import AgencyMatcher
from nlu.directory import Directory
from nlu.model import Models
from nlu.understanding import Backend, Understander
from published.knowledge import Knowledge

log = logging.getLogger(__name__)
PULL_CHANNELS = ("console", "web")


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


async def open_store(settings: Settings) -> Store:
    if settings.redis_url:
        from connectors.redis_store import RedisStore

        return RedisStore.from_url(settings.redis_url, prefix=settings.redis_prefix)
    from connectors.sqlite_store import SqliteStore

    return await SqliteStore.open(settings.sqlite_path)


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


async def open_accounts(settings: Settings) -> tuple[Accounts, Store]:
    """Operator accounts alone, for `kavshiri operator add`; the caller closes the store."""
    store = await open_store(settings)
    return Accounts(store, SystemClock()), store


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

    @classmethod
    async def build(cls, settings: Settings, portal_url: str) -> Kavshiri:
        if settings.portal_url and settings.uses_development_secrets:
            log.warning("a real portal is configured but secrets are the development defaults")
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
        register = await open_register(settings)
        services = Services(
            store=store,
            portal=portal,
            directory=directory,
            matcher=matcher,
            understander=build_understander(settings, matcher),
            clock=clock,
            calendar=calendar,
            identity=TestCitizens(settings.identity_secret),
            desk=desk,
            register=register,
            published=Knowledge.load(),
            wording=catalog,
        )
        senders = {channel: InboxSender(store, channel) for channel in PULL_CHANNELS}
        engine = Engine(services, settings.default_lang)
        return cls(
            settings=settings,
            store=store,
            portal=portal,
            catalog=catalog,
            engine=engine,
            alerts=Alerts(store, portal, directory, clock),
            outbox=Outbox(store, senders, clock),
            desk=desk,
            webchat=WebChat(engine, store, catalog),
            origins=WidgetOrigins(settings.widget_origins, settings.own_url),
            accounts=Accounts(store, clock),
            register=register,
        )

    async def run_worker(self) -> None:
        """Deliver the outbox continuously and poll open requests now and then, until cancelled."""
        loop = asyncio.get_running_loop()
        next_poll = loop.time()
        while True:
            try:
                await self.outbox.deliver_due()
                if loop.time() >= next_poll:
                    await self.alerts.poll_open()
                    next_poll = loop.time() + self.settings.poll_interval_seconds
            except Exception:  # keep the worker alive through a store hiccup
                log.exception("worker cycle failed")
            await asyncio.sleep(self.settings.worker_interval_seconds)

    async def close(self) -> None:
        await self.portal.close()
        await self.store.close()
        await self.register.close()
        await self.engine.services.understander.close()
