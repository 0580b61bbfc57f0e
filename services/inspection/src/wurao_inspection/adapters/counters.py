"""Cap counters in Redis, driven by the Lua scripts in `lua/` (registered once; NOSCRIPT reloads them)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib.resources import files

from opentelemetry import trace
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from wurao_inspection.adapters.redis_line import RedisLine
from wurao_inspection.domain.caps import KEY_PREFIX, Counter

tracer = trace.get_tracer("wurao.inspection.caps")
# Where a counter's count remembered for display lives: beside the counter, under the same hash tag (one slot).
REMEMBERED_PREFIX = "wurao:shown"
# How long a remembered count is shown while its counter is missing. It can be behind PostgreSQL only when Redis lost
# a counter a check-in wrote (a failover losing the last writes), and only until the unit's next check-in rebuilds
# it: a scan may then show one visit fewer for at most this long; no check-in is ever judged on it.
REMEMBERED_SECONDS = 300


def _remembered(key: str) -> str:
    return REMEMBERED_PREFIX + key.removeprefix(KEY_PREFIX)


def _script(name: str) -> str:
    return (files("wurao_inspection") / "lua" / f"{name}.lua").read_text()


@dataclass(frozen=True)
class Admitted:
    """Every counter holds the visit's increment (once, however often the call ran)."""

    written: int = 0  # counters written from PostgreSQL's counts first


@dataclass(frozen=True)
class Held:
    value: int
    marked_visits: tuple[str, ...]


@dataclass(frozen=True)
class Missing:
    counters: tuple[Counter, ...]


@dataclass(frozen=True)
class Full:
    counters: tuple[Counter, ...]
    written: int = 0


class CapCounters:
    def __init__(self, redis: Redis, line: RedisLine):
        """`line` (one connection shared by every request: see adapters.redis_line) for the calls of every scan and
        check-in (what a scan remembers included), each safe to send twice; `redis` for the rest (releases, repairs,
        reconciliation's scans)."""
        self.redis = redis
        self.line = line
        self._admit = line.register_script(_script("admit"))
        self._release = redis.register_script(_script("release"))
        self._repair = redis.register_script(_script("repair"))
        self._read = line.register_script(_script("read"))

    async def admit(
        self,
        counters: Sequence[Counter],
        visit_id: str,
        *,
        counts: Mapping[str, int] | None = None,
        now: datetime | None = None,
    ) -> Admitted | Missing | Full:
        """With `counts` (what PostgreSQL counts for each counter, read under the unit's exclusive lock), a missing
        counter is written from its count first; without them it is reported Missing and nothing changes."""
        keys, args = [c.key for c in counters], [*(c.limit for c in counters), visit_id]
        if counts is not None:
            if now is None:
                raise TypeError("counts are written with their expiry: give now")
            for counter in counters:
                args += [counts[counter.key], counter.ttl(now)]
        with tracer.start_as_current_span("caps admit", attributes={"wurao.counters": len(counters)}):
            status, written, *rest = await self._admit(keys, args)
        if status == "ok":
            return Admitted(written)
        named = tuple(counters[int(index) - 1] for index in rest)
        return Missing(named) if status == "missing" else Full(named, written)

    async def release(self, counters: Sequence[Counter], visit_id: str) -> int:
        return await self._release(keys=[c.key for c in counters], args=[visit_id])

    async def keys(self) -> AsyncIterator[str]:
        async for key in self.redis.scan_iter(match=f"{KEY_PREFIX}:*", count=500):
            yield key

    async def held(self, key: str) -> Held | None:
        """What one counter holds: its value and the visits whose increments it holds. None when it is gone."""
        fields = await self.redis.hgetall(key)
        if "n" not in fields:
            return None
        marked = tuple(name[2:] for name, value in fields.items() if name.startswith("v:") and value == "1")
        return Held(int(fields["n"]), marked)

    async def repair(self, key: str, count: int, uncommitted: Sequence[str]) -> int | None:
        """Sets the counter to `count` and gives back the marks of `uncommitted` visits; the value it held before."""
        before = await self._repair(keys=[key], args=[count, *uncommitted])
        return None if before is None else int(before)

    async def read(self, counters: Sequence[Counter]) -> dict[str, int | None]:
        """What each counter stands at, for display: its value, else the count remembered for it (`remember`),
        else None. Changes nothing."""
        keys = [c.key for c in counters]
        values = await self._read([*keys, *map(_remembered, keys)]) if keys else []
        return {c.key: None if v is None else int(v) for c, v in zip(counters, values, strict=True)}

    async def remember(self, counts: Mapping[str, int], seconds: int = REMEMBERED_SECONDS) -> None:
        """Remembers, for display only, what PostgreSQL counts for counters Redis does not hold (by counter key), so
        the scans that follow need not ask PostgreSQL again. admit.lua never reads them: a check-in that finds its
        counter missing counts in PostgreSQL under the unit's lock, writes the counter, and the counter is shown
        from then on. Remembered for `seconds` (and lost with Redis's data, as the counters are).

        Sent on the line, in one write (a SET is safe to send twice): a unit's first scan of an item comes here, and
        redis-py's pipeline cost ~120–160 µs of CPU per call against ~45–55 on the line (2026-12, 2-core VM)."""
        await asyncio.gather(
            *(self.line.call("SET", _remembered(key), count, "EX", seconds) for key, count in counts.items())
        )

    async def problem(self) -> str | None:
        try:
            await self.redis.ping()
        except Exception as error:
            return f"redis: {type(error).__name__}"
        return None


@asynccontextmanager
async def connect(url: str, *, max_connections: int = 64) -> AsyncIterator[CapCounters]:
    """redis-py 8's plain asyncio pool raises at its limit; the blocking pool waits for a connection instead.

    Few, fast retries: a check-in that cannot reach Redis is refused as unavailable, it does not hang.
    """
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=5,
        decode_responses=True,
        socket_timeout=2,
        socket_connect_timeout=2,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), retries=2),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
    )
    redis = Redis(connection_pool=pool)
    line = RedisLine(url, timeout=2, connect_timeout=2)
    try:
        yield CapCounters(redis, line)
    finally:
        await line.close()
        await redis.aclose()
        await pool.aclose()
