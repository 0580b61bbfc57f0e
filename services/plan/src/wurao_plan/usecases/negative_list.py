"""Publishing the negative list (负面清单): only the province office, each version whole, history kept."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg

from wurao_common.auth import Caller
from wurao_common.bus import outbox
from wurao_common.bus.envelope import Event
from wurao_common.outcomes import Conflict, Invalid, NotAllowed
from wurao_plan.adapters import negative_list as lists
from wurao_plan.adapters import offices
from wurao_plan.domain.caps import PROVINCE, may_publish_province_rules
from wurao_plan.domain.negative_list import DEFAULT_ENTRIES, Entry, NegativeList, entries_problem, event_data


async def _publish(conn: asyncpg.Connection, negative_list: NegativeList, published_by: str) -> NegativeList | None:
    stored = await lists.insert(conn, negative_list, published_by)
    if stored is not None:
        await outbox.record(
            conn,
            Event(
                type="plan.negative_list.published",
                region=PROVINCE,
                subject=f"negative-list/{stored.version}",
                data=event_data(stored),
            ),
        )
    return stored


async def publish_negative_list(
    pool: asyncpg.Pool, caller: Caller, entries: list[Entry], *, now: datetime | None = None
) -> NegativeList | NotAllowed | Invalid | Conflict:
    if not may_publish_province_rules(caller, await offices.get(pool, caller.office_id)):
        return NotAllowed("only the province supervision office publishes the negative list")
    problem = entries_problem(entries)
    if problem:
        return Invalid(*problem)
    async with pool.acquire() as conn, conn.transaction():
        await lists.lock_for_publishing(conn)
        current = await lists.latest(conn)
        if current is not None and current.entries == tuple(entries):
            return Conflict(f"version {current.version} already says exactly this")
        version = NegativeList(
            version=(current.version if current else 0) + 1,
            published_at=now or datetime.now(UTC),
            entries=tuple(entries),
        )
        stored = await _publish(conn, version, caller.subject)
    assert stored is not None  # the table lock makes the next version ours
    return stored


async def seed_negative_list(conn: asyncpg.Connection) -> None:
    """Version 1, once: announced only by whoever inserts it."""
    async with conn.transaction():
        await _publish(conn, NegativeList(version=1, published_at=datetime.now(UTC), entries=DEFAULT_ENTRIES), "seed")
