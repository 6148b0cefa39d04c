"""In-process rate limits: a token bucket per WebSocket connection and a sliding window per IP.

Per process on purpose: a flood is cut where it lands, with no store round trip per message.
"""
from __future__ import annotations

import time
from collections import defaultdict, deque


class Bucket:
    """`rate` tokens a second, at most `burst` saved up."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.at = float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class PerKey:
    """At most `limit` events per key in any `window` seconds."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit, self.window = limit, window
        self.events: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, key: str) -> bool:
        now, seen = time.monotonic(), self.events[key]
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        if len(seen) >= self.limit:
            return False
        seen.append(now)
        if len(self.events) > 100_000:  # forget idle keys rather than grow without bound
            for idle in [k for k, v in self.events.items() if not v]:
                del self.events[idle]
        return True


class Backoff:
    """Failures in a row per key: after `free` of them each further attempt waits twice as long
    as the one before (from `first` up to `most` seconds); a success forgets them."""

    def __init__(self, free: int = 5, first: float = 1.0, most: float = 900.0) -> None:
        self.free, self.first, self.most = free, first, most
        self.failures: dict[str, tuple[int, float]] = {}  # key -> (failures, next attempt at)

    def wait(self, key: str) -> float:
        """Seconds until `key` may be tried again (0: now)."""
        _, until = self.failures.get(key, (0, 0.0))
        return max(0.0, until - time.monotonic())

    def failed(self, key: str) -> None:
        count = self.failures.get(key, (0, 0.0))[0] + 1
        delay = 0.0 if count < self.free else min(self.most, self.first * 2 ** (count - self.free))
        self.failures[key] = (count, time.monotonic() + delay)
        if len(self.failures) > 100_000:  # forget keys long past their wait rather than grow
            stale = time.monotonic() - self.most
            self.failures = {k: v for k, v in self.failures.items() if v[1] > stale}

    def succeeded(self, key: str) -> None:
        self.failures.pop(key, None)
