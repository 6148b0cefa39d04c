"""Every Prometheus metric Kavshiri exports, defined here and nowhere else.

Each process (an API process, a worker) counts in its own default registry and serves it on
/metrics; see README "Operating Kavshiri". Label values come only from fixed sets (channels,
the model's intents, the directory's agency ids, request types, reason names): never an
address, a registration number or anything a citizen wrote. `bounded` enforces that.
"""
from __future__ import annotations

import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Gauge, Histogram

from bot.models import REQUEST_TYPES
from nlu.understanding import INTENTS, Backend, Understanding

CHANNELS = ("telegram", "sms", "whatsapp", "web", "console", "email")
# What a turn was, when not a text the model read: a pressed button, a file, or text at a step
# that takes it as it is (a letter's body).
TURN_KINDS = ("choice", "file", "text")
ALERT_RESULTS = ("sent", "failed", "given_up")  # failed: retried later; given_up: dead-lettered
PORTAL_OUTCOMES = ("ok", "refused", "error", "timeout", "unreachable")

TURNS = Counter("kavshiri_turns", "Turns the engine handled", ["channel", "intent"])
TURN_SECONDS = Histogram("kavshiri_turn_seconds", "Time to handle one turn, store and portal included",
                         ["channel"], buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
SUBMISSIONS = Counter("kavshiri_submissions", "Requests registered at the portal", ["agency", "type"])
PORTAL_SECONDS = Histogram("kavshiri_portal_request_seconds", "Each HTTP attempt at the portal, by outcome",
                           ["operation", "outcome"], buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
ALERTS = Counter("kavshiri_alerts", "Alert deliveries by channel and result", ["channel", "result"])
WEBHOOK_REJECTIONS = Counter("kavshiri_webhook_rejections", "Webhook calls refused", ["webhook", "reason"])
WEBSOCKETS_OPEN = Gauge("kavshiri_websockets_open", "Widget WebSockets open in this process")
NLU_SECONDS = Histogram("kavshiri_nlu_parse_seconds", "Time to understand one text",
                        buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5))
# Read from the store when /metrics is served: the same figure from every process sharing it.
OUTBOX_QUEUED = Gauge("kavshiri_outbox_queued", "Alerts waiting in the outbox, retries included")
OUTBOX_OLDEST = Gauge("kavshiri_outbox_oldest_due_seconds",
                      "How long the longest-waiting due alert has been due (0: none is due)")
OPERATORS_ONLINE = Gauge("kavshiri_operators_online", "Operators whose console is online")


def bounded(value: str | None, allowed: Collection[str]) -> str:
    """`value` when it is one of `allowed`, else "other": no label can take an unforeseen value."""
    return value if value in allowed else "other"


@contextmanager
def timed(histogram: Histogram) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        histogram.observe(time.perf_counter() - started)


def turn_done(channel: str, intent: str | None, kind: str, seconds: float) -> None:
    label = bounded(channel, CHANNELS)
    TURNS.labels(label, bounded(intent, INTENTS) if intent else bounded(kind, TURN_KINDS)).inc()
    TURN_SECONDS.labels(label).observe(seconds)


def submitted(agency: str, request_type: str, agencies: Collection[str]) -> None:
    SUBMISSIONS.labels(bounded(agency, agencies), bounded(request_type, REQUEST_TYPES)).inc()


def portal_request(operation: str, outcome: str, seconds: float) -> None:
    PORTAL_SECONDS.labels(operation, bounded(outcome, PORTAL_OUTCOMES)).observe(seconds)


def alert(channel: str, result: str) -> None:
    ALERTS.labels(bounded(channel, CHANNELS), bounded(result, ALERT_RESULTS)).inc()


def store_figures(queued: int, oldest_due_seconds: float, operators_online: int) -> None:
    OUTBOX_QUEUED.set(queued)
    OUTBOX_OLDEST.set(oldest_due_seconds)
    OPERATORS_ONLINE.set(operators_online)


def store_unknown() -> None:
    """The store did not answer: its figures are unknown, not stale."""
    for gauge in (OUTBOX_QUEUED, OUTBOX_OLDEST, OPERATORS_ONLINE):
        gauge.set(float("nan"))


class TimedUnderstander:
    """An understander whose every parse is timed in NLU_SECONDS."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.matcher = inner.matcher

    def command(self, text: str) -> str | None:
        return self.inner.command(text)

    def parse(self, text: str, lang_hint: str | None = None) -> Understanding:
        with timed(NLU_SECONDS):
            return self.inner.parse(text, lang_hint)

    async def parse_async(self, text: str, lang_hint: str | None = None) -> Understanding:
        with timed(NLU_SECONDS):
            return await self.inner.parse_async(text, lang_hint)

    async def close(self) -> None:
        await self.inner.close()
