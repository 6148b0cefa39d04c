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
