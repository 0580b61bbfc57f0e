"""A closed-loop load generator: N concurrent clients on keep-alive connections for a fixed time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000

    def line(self, baseline: Result | None = None) -> str:
        ratio = f"{self.rate / baseline.rate:6.2f}x" if baseline and baseline.rate else "  base "
        return (
            f"  {self.name:<44} {self.rate:8.0f} req/s  p50 {self.percentile(0.5):7.2f} ms  "
            f"p99 {self.percentile(0.99):7.2f} ms  errors {self.errors:<4} {ratio}"
        )


async def run(
    name: str,
    call: Callable[[httpx.AsyncClient, int], Awaitable[bool]],
    *,
    concurrency: int,
    seconds: float,
    warmup: float = 1.0,
) -> Result:
    """`call(client, n)` sends request number n and says whether it succeeded; n varies the variables."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        counter = iter(range(10**9))
        latencies: list[float] = []
        errors = 0

        async def worker(until: float, record: bool) -> None:
            nonlocal errors
            while time.perf_counter() < until:
                started = time.perf_counter()
                ok = await call(client, next(counter))
                if record:
                    latencies.append(time.perf_counter() - started)
                    errors += 0 if ok else 1

        await asyncio.gather(*(worker(time.perf_counter() + warmup, False) for _ in range(concurrency)))
        started = time.perf_counter()
        await asyncio.gather(*(worker(started + seconds, True) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return Result(name, len(latencies), errors, elapsed, latencies)
