"""A closed-loop load generator: N concurrent clients on keep-alive connections for a fixed time."""

from __future__ import annotations

import asyncio
import collections
import json
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from wurao_devstack.bench.http import Connection
from wurao_devstack.stack import cpu_seconds, tree_cpu_seconds


@dataclass(frozen=True)
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies: list[float]
    # CPU seconds each watched process (by label) used while the requests counted were sent: the warm-up's are not
    # in it, or every figure would be a warm-up's share too high.
    cpu: Mapping[str, float] = field(default_factory=dict)
    # CPU seconds each part of the whole platform used over the same time (every service, the gateway, the servers
    # behind them and the load generator, by name): what one request costs the machine, not just the process
    # answering it.
    platform: Mapping[str, float] | None = None

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000

    def line(self, baseline: Result | None = None, *, ratio: float | None = None, compared: bool = False) -> str:
        """`ratio` when the ratio to `baseline` is not simply theirs (see fast_paths: the median of rounds);
        `compared`: measured against a baseline, whether or not a ratio could be had (else it is one)."""
        if ratio is None and baseline and baseline.rate:
            ratio = self.rate / baseline.rate
        shown = f"{ratio:6.2f}x" if ratio is not None else "    —  " if compared or baseline else "  base "
        return (
            f"  {self.name:<44} {self.rate:8.0f} req/s  p50 {self.percentile(0.5):7.2f} ms  "
            f"p99 {self.percentile(0.99):7.2f} ms  errors {self.errors:<4} {shown}"
        )

    def cpu_per_request(self) -> str:
        """On a shared machine CPU per request moves less than requests/s do."""
        spent = dict(self.cpu)
        if self.platform_cpu is not None:
            spent["platform "] = self.platform_cpu
        per_request = {label: 1000 * used / max(self.requests, 1) for label, used in spent.items()}
        return ", ".join(f"{label}cpu {ms:.2f} ms/req" for label, ms in per_request.items())

    @property
    def platform_cpu(self) -> float | None:
        return sum(self.platform.values()) if self.platform is not None else None

    def platform_parts(self, least: float = 0.005) -> str:
        """Each part's CPU per request, the costliest first (parts under `least` ms left out)."""
        per_request = {part: 1000 * used / max(self.requests, 1) for part, used in (self.platform or {}).items()}
        ranked = sorted(((ms, part) for part, ms in per_request.items() if ms >= least), reverse=True)
        return ", ".join(f"{part} {ms:.2f}" for ms, part in ranked)

    def most_per_second(self, cores: int) -> float | None:
        """The rate `cores` busy with nothing else would allow at the platform's CPU per request of this run: how
        fast the operation could go on this machine, whatever the load generator and the scheduling."""
        if not self.platform_cpu or not self.requests:
            return None
        return cores * self.requests / self.platform_cpu

    @staticmethod
    def merged(parts: Sequence[Result]) -> Result:
        """Runs of one measurement taken apart in time (rounds), as one."""
        cpu: dict[str, float] = collections.defaultdict(float)
        platform: dict[str, float] = collections.defaultdict(float)
        for part in parts:
            for label, used in part.cpu.items():
                cpu[label] += used
            for name, used in (part.platform or {}).items():
                platform[name] += used
        return Result(
            parts[0].name,
            sum(part.requests for part in parts),
            sum(part.errors for part in parts),
            sum(part.seconds for part in parts),
            [latency for part in parts for latency in part.latencies],
            dict(cpu),
            None if any(part.platform is None for part in parts) else dict(platform),
        )


def round_ratios(measured: Sequence[Result], reference: Sequence[Result]) -> list[float]:
    """Round by round: each run's rate against its baseline's run of the same round (minutes apart at most, where
    one run against one run may be an hour's drift of a shared machine apart). The n-th run of each is of the n-th
    round: every measurement chosen runs once a round. A round whose baseline answered nothing has no ratio."""
    return [run.rate / base.rate for run, base in zip(measured, reference, strict=False) if base.rate]


def _cpu_now(watched: Mapping[str, subprocess.Popen]) -> dict[str, float]:
    return {label: cpu_seconds(process) or 0.0 for label, process in watched.items()}


QUIET_LONGEST = 20.0  # seconds a run waits for a quiet platform at most


async def quiet(
    pids: Sequence[int], *, window: float = 0.5, busy: float = 0.1, longest: float = QUIET_LONGEST
) -> float | None:
    """Waits until these processes and their children together use less than `busy` of one core over `window`
    seconds, and tells how long it waited; None when they were still busy after `longest` seconds. What a run
    leaves behind (the events of its check-ins relayed and consumed, a collection) would otherwise be paid for in
    the next one's time."""
    started = time.perf_counter()
    while time.perf_counter() - started < longest:
        before = tree_cpu_seconds(*pids)
        await asyncio.sleep(window)
        if tree_cpu_seconds(*pids) - before < busy * window:
            return time.perf_counter() - started
    return None


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
    watched: Mapping[str, subprocess.Popen] | None = None,
    platform: Callable[[], Mapping[str, float]] | None = None,
) -> Result:
    """`concurrency` workers send requests back to back; n (shared, increasing) varies their variables.

    With `limit`, the run also stops after that many requests (warm-up included). `watched`: the processes (by
    label) whose CPU time the result tells, counted from the end of the warm-up; `platform`, the CPU seconds each
    part of the whole platform has used so far, read at the same moments.
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
        cpu_before, platform_before = _cpu_now(watched or {}), platform() if platform else None
        started = time.perf_counter()
        await asyncio.gather(*(drive(worker, started + seconds, True) for worker in workers))
        elapsed = time.perf_counter() - started
        cpu_after, platform_after = _cpu_now(watched or {}), platform() if platform else None
    finally:
        for worker in workers:
            await worker.close()
    cpu = {label: cpu_after[label] - cpu_before[label] for label in cpu_before}
    spent = None
    if platform_before is not None and platform_after is not None:
        spent = {part: platform_after[part] - platform_before[part] for part in platform_before}
    return Result(name, len(latencies), errors, elapsed, latencies, cpu, spent)


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
