"""Two replicas' batches that write the same read-model rows in opposite orders do not deadlock: every batch takes
its rows in one order (the figures' and open tasks' keys, the items' lock keys), whatever order it met them in.

Each test crosses two transactions as deterministically as PostgreSQL allows: A writes the first row and stays
open; B, given both rows in the opposite order, waits for A's; then A writes the second row and commits. Taken in
the batch's order, B holds the second row by then, A waits for B, and PostgreSQL aborts one of them (a deadlock).
"""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date

import asyncpg

from wurao_reporting import testing as t
from wurao_reporting.adapters import figures
from wurao_reporting.domain import caps
from wurao_reporting.usecases.apply_event import apply_events

Write = Callable[[asyncpg.Connection, list], Awaitable[None]]


async def waiting_for_a_lock(pool, pid: int) -> None:
    for _ in range(1000):
        if await pool.fetchval("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1", pid):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the second transaction never waited for the first")


@contextlib.asynccontextmanager
async def waiting(pool, conn, write: Write, keys: list) -> AsyncIterator[None]:
    """`write(conn, keys)` runs in a transaction of its own; the block runs once it waits for a lock, and must end
    what it waits for. Raises what the write raised."""

    async def in_transaction() -> None:
        async with conn.transaction():
            await write(conn, keys)

    task = asyncio.create_task(in_transaction())
    try:
        await waiting_for_a_lock(pool, conn.get_server_pid())
        yield
    finally:
        (outcome,) = await asyncio.gather(task, return_exceptions=True)
    if isinstance(outcome, BaseException):
        raise outcome


async def crossing(pool, write: Write, first, second) -> None:
    """A writes `first`; B writes `second` then `first`, and waits for A; A writes `second` and commits."""
    async with pool.acquire() as a, pool.acquire() as b:
        a_transaction = a.transaction()
        await a_transaction.start()
        await write(a, [first])
        async with waiting(pool, b, write, [second, first]):
            try:
                await write(a, [second])
            except BaseException:
                await a_transaction.rollback()
                raise
            await a_transaction.commit()


async def add_visits(conn, months: list[int]) -> None:
    await figures.add_many(conn, {("region", t.CITY, 2026, month, "visits.counted"): 1 for month in months})


async def add_open_tasks(conn, deadlines: list[date]) -> None:
    keys = [("region", t.CITY, 2026, 3, deadline) for deadline in deadlines]
    await figures.add_open_tasks(conn, dict.fromkeys(keys, 1), dict.fromkeys(keys, 1))


async def test_figures_written_in_opposite_orders_by_two_batches_add_up_without_a_deadlock(migrated):
    await crossing(migrated, add_visits, 3, 4)
    rows = await migrated.fetch("SELECT month, value FROM figures WHERE scope_id = $1 ORDER BY month", t.CITY)
    assert [tuple(row) for row in rows] == [(3, 2), (4, 2)]


async def test_open_tasks_written_in_opposite_orders_by_two_batches_add_up_without_a_deadlock(migrated):
    await crossing(migrated, add_open_tasks, date(2026, 3, 31), date(2026, 4, 30))
    rows = await migrated.fetch(
        "SELECT deadline, tasks, awaiting_verification FROM open_tasks WHERE scope_id = $1 ORDER BY 1", t.CITY
    )
    assert [tuple(row) for row in rows] == [(date(2026, 3, 31), 2, 2), (date(2026, 4, 30), 2, 2)]


async def test_figures_are_written_in_key_order_whatever_order_the_batch_met_them(migrated):
    """While another transaction holds March's row, a batch of April and March waits for March without having
    taken April: April is still free to lock."""
    await add_visits(migrated, [3, 4])
    async with migrated.acquire() as holder, migrated.acquire() as batch, migrated.acquire() as other:
        holding = holder.transaction()
        await holding.start()
        await holder.execute("SELECT FROM figures WHERE scope_id = $1 AND month = 3 FOR UPDATE", t.CITY)
        async with waiting(migrated, batch, add_visits, [4, 3]):
            try:
                async with other.transaction():  # LockNotAvailableError if the batch took April first
                    await other.execute(
                        "SELECT FROM figures WHERE scope_id = $1 AND month = 4 FOR UPDATE NOWAIT", t.CITY
                    )
            finally:
                await holding.rollback()


async def test_items_learnt_in_opposite_orders_by_two_batches_are_counted_without_a_deadlock(migrated):
    """Items are written one event at a time (a later event of the batch reads what an earlier one taught), under
    locks every batch takes first, in the locks' order: the crossing follows that order."""
    ids = [str(uuid.uuid4()) for _ in range(2)]
    first, second = await migrated.fetchval(
        "SELECT array_agg(id ORDER BY hashtextextended(id, 0)) FROM unnest($1::text[]) AS id", ids
    )

    async def approve(conn, items: list[str]) -> None:
        await apply_events(conn, [t.item_event("plan.item.approved", item) for item in items])

    await crossing(migrated, approve, first, second)
    assert await migrated.fetchval("SELECT count(*) FROM items") == 2
    approved = "SELECT value FROM figures WHERE scope_kind = 'office' AND metric = 'items.approved'"
    assert await migrated.fetchval(approved) == 4


async def test_a_cap_policy_and_a_visit_applied_at_once_by_two_replicas_count_as_if_applied_one_after_the_other(
    migrated, second_migrated
):
    """A lower cap policy and a unit's second visit, in two replicas' batches at the same time: each batch judges the
    unit's standing on what it reads, so the one applied second must read what the first committed (else the
    policy's batch judges the unit without the new visit and the visit's batch without the new policy: the unit is
    counted near its cap twice, and never at it)."""
    earlier = [t.cap_policy(per_level=3), t.visit()]
    lower = t.cap_policy(version=t.POLICY_VERSION + 1, per_level=2, effective_from="2026-01-01")
    second_visit = t.visit()
    for pool in (migrated, second_migrated):
        async with pool.acquire() as conn, conn.transaction():
            await apply_events(conn, earlier)
    async with second_migrated.acquire() as conn, conn.transaction():
        await apply_events(conn, [lower])
        await apply_events(conn, [second_visit])

    async with migrated.acquire() as a, migrated.acquire() as b:
        a_transaction = a.transaction()
        await a_transaction.start()
        await apply_events(a, [lower])

        async def other_replica() -> None:
            async with b.transaction():
                await apply_events(b, [second_visit])

        visit_batch = asyncio.create_task(other_replica())
        for _ in range(100):  # until the visit's batch is done, or waits for the policy's
            if visit_batch.done() or await migrated.fetchval(
                "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1", b.get_server_pid()
            ):
                break
            await asyncio.sleep(0.01)
        await a_transaction.commit()
        await visit_batch

    assert await figures.dump(migrated) == await figures.dump(second_migrated)
    standing = """SELECT metric, sum(value) FROM figures WHERE scope_kind = 'unit' AND scope_id = $1 AND year = 2026
                  AND metric LIKE 'caps.%' GROUP BY metric"""
    assert dict(await migrated.fetch(standing, t.UNIT)) == {caps.AT_CAP: 1, caps.NEAR_CAP: 0}
