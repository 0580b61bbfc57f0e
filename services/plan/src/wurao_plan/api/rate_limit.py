"""Per-client token buckets for the routes that answer without a token.

In memory, per process: with N replicas a client gets up to N times the budget (the edge in front adds a
shared limit in production). The table is bounded: the least recently seen clients are forgotten first.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable


class RateLimiter:
    def __init__(
        self,
        *,
        burst: int,
        per_second: float,
        max_clients: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if burst < 1 or per_second <= 0 or max_clients < 1:
            raise ValueError("burst and max_clients must be at least 1, per_second above 0")
        self._burst = burst
        self._rate = per_second
        self._max = max_clients
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client -> (tokens, at)

    def retry_after(self, client: str) -> float:
        """0 and one request counted when the client may go on; else the seconds until it may."""
        now = self._clock()
        tokens, at = self._buckets.pop(client, (float(self._burst), now))
        tokens = min(float(self._burst), tokens + (now - at) * self._rate)
        wait = 0.0 if tokens >= 1 else (1 - tokens) / self._rate
        self._buckets[client] = (tokens - 1 if wait == 0 else tokens, now)
        while len(self._buckets) > self._max:
            self._buckets.popitem(last=False)
        return wait
