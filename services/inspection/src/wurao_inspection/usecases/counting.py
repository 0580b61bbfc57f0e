"""Keeping Redis's cap counters true to PostgreSQL: take back what never committed, and reconcile every live counter
with the visits (a check-in writes a missing counter itself: see usecases.visits).

Each runs under the unit's exclusive advisory lock (see adapters.visits.Hold), so none races a
check-in of the same unit. Any failure leaves counters too high, never too low: check-ins fail closed, and
the next reconciliation takes back what a failure left (a unit is never refused for a visit that did not
happen for longer than that).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from wurao_inspection.adapters import visits
from wurao_inspection.adapters.counters import CapCounters
from wurao_inspection.domain import caps
from wurao_inspection.domain.caps import Counter

log = logging.getLogger("wurao.inspection.counting")


async def settle(
    conn: asyncpg.Connection,
    counters: CapCounters,
    *,
    visit_id: str,
    unit_id: str,
    incremented: Sequence[Counter],
) -> None:
    """After a failure once admission was sent: if the visit did not commit, take back its increments.

    Whether admit.lua ran is unknown after a lost reply; the visit's marks tell, so this is safe either way.

    The exclusive lock waits until no transaction of the unit is in flight, so "not in PostgreSQL" is final.
    Runs on the failed check-in's own connection (its transaction is over): a fresh one could wait forever
    on a pool that failing check-ins hold entirely.
    """
    try:
        async with conn.transaction():
            await visits.hold_unit(conn, unit_id)
            if await visits.exists(conn, visit_id):
                return
            await counters.release(incremented, visit_id)
    except Exception:
        log.exception("visit %s: could not take back its cap increments; they over-count until rebuilt", visit_id)


async def current(
    conn: visits.Conn,
    counters: CapCounters,
    unit_id: str,
    shown: Sequence[Counter],
    *,
    counted: Sequence[tuple[int, str, str, str]] | None = None,
) -> dict[str, int]:
    """What each counter stands at, for display: Redis where it holds the counter, else PostgreSQL's count, which
    Redis then remembers for the scans that follow (counters.remember; never a counter: no check-in reads it).

    `counted`: the unit's counted visits covering every counter shown, already read (visits.counted_groups's
    rows); PostgreSQL is asked only without them."""
    values = await counters.read(shown)
    absent = [counter for counter in shown if values[counter.key] is None]
    if absent:
        groups = counted if counted is not None else await visits.counted_groups(conn, unit_id, absent)
        tallied = caps.tally(absent, groups)
        await counters.remember(tallied)
        values.update(tallied)
    return {key: value or 0 for key, value in values.items()}


@dataclass(frozen=True)
class Repair:
    key: str
    held: int
    counted: int
    uncommitted_visits: tuple[str, ...]


async def reconcile(pool: asyncpg.Pool, counters: CapCounters) -> list[Repair]:
    """Compares every live counter with the visits PostgreSQL counts, and repairs each that differs."""
    repairs = []
    async for key in counters.keys():
        counter = caps.counted_by_key(key)
        if counter is None:
            continue
        async with pool.acquire() as conn, conn.transaction():
            await visits.hold_unit(conn, counter.unit_id)
            held = await counters.held(key)
            if held is None:  # expired or rebuilt away since the scan
                continue
            counted = caps.tally([counter], await visits.counted_groups(conn, counter.unit_id, [counter]))[key]
            committed = await visits.existing(conn, held.marked_visits)
            uncommitted = tuple(visit for visit in held.marked_visits if visit not in committed)
            if held.value == counted and not uncommitted:
                continue
            await counters.repair(key, counted, uncommitted)
        repairs.append(Repair(key, held.value, counted, uncommitted))
        log.warning("cap counter %s held %d, PostgreSQL counts %d: repaired", key, held.value, counted)
    return repairs
