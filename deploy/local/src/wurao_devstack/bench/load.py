"""A closed-loop load generator: N concurrent clients on keep-alive connections for a fixed time."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import ClassVar, Protocol

from wurao_devstack.bench.http import Connection
from wurao_devstack.stack import cpu_seconds


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


def cpu_counter(processes: Mapping[str, subprocess.Popen]) -> Callable[[int], str]:
    """Starts counting the CPU time of the processes (by label); the function returned tells, after a run of n
    requests, each one's CPU per request: on a shared machine that moves less than requests/s do."""
    before = {label: cpu_seconds(process) for label, process in processes.items()}

    def per_request(requests: int) -> str:
        spent = {label: (cpu_seconds(process) or 0.0) - (before[label] or 0.0) for label, process in processes.items()}
        return ", ".join(f"{label}cpu {1000 * used / max(requests, 1):.2f} ms/req" for label, used in spent.items())

    return per_request


class Worker(Protocol):
    """One simulated client: sends request number n and says whether it succeeded."""

    async def __call__(self, n: int) -> bool: ...

    async def close(self) -> None: ...


async def run(
    name: str,
    new_worker: Callable[[], Worker],
    *,
    concurrency: int,
    seconds: float,
    warmup: float = 1.0,
    limit: int | None = None,
) -> Result:
    """`concurrency` workers send requests back to back; n (shared, increasing) varies their variables.

    With `limit`, the run also stops after that many requests (warm-up included).
    """
    workers = [new_worker() for _ in range(concurrency)]
    counter = iter(range(10**9))
    latencies: list[float] = []
    errors = 0

    async def drive(worker: Worker, until: float, record: bool) -> None:
        nonlocal errors
        while time.perf_counter() < until:
            n = next(counter)
            if limit is not None and n >= limit:
                return
            started = time.perf_counter()
            ok = await worker(n)
            if record:
                latencies.append(time.perf_counter() - started)
                errors += 0 if ok else 1

    try:
        await asyncio.gather(*(drive(worker, time.perf_counter() + warmup, False) for worker in workers))
        started = time.perf_counter()
        await asyncio.gather(*(drive(worker, started + seconds, True) for worker in workers))
        elapsed = time.perf_counter() - started
    finally:
        for worker in workers:
            await worker.close()
    return Result(name, len(latencies), errors, elapsed, latencies)


class GraphQLWorker:
    """POSTs `query` with variables(n) as the caller of headers(n); `ok(data)` judges the answer."""

    def __init__(
        self,
        url: str,
        query: str,
        variables: Callable[[int], dict],
        headers: Callable[[int], dict],
        ok: Callable[[dict], bool] = lambda _data: True,
    ):
        self._connection = Connection(url)
        self._query, self._variables, self._headers, self._ok = query, variables, headers, ok

    failures: ClassVar[list[str]] = []  # a few failed answers, to say what went wrong

    async def __call__(self, n: int) -> bool:
        status, body = await self._connection.post_json(
            {"query": self._query, "variables": self._variables(n)}, self._headers(n)
        )
        ok = status == 200 and "errors" not in body and self._ok(body.get("data") or {})
        if not ok and len(self.failures) < 3:
            self.failures.append(f"{status} {json.dumps(body, ensure_ascii=False)[:300]}")
        return ok

    async def close(self) -> None:
        await self._connection.close()
