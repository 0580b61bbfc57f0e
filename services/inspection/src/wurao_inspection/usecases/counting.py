"""Keeping Redis's cap counters true to PostgreSQL: rebuild what is missing, take back what never committed.

Both run under the unit's exclusive advisory lock (see adapters.visits.share_unit), so neither races a
check-in of the same unit. Any failure leaves counters too high, never too low: check-ins fail closed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

import asyncpg

from wurao_inspection.adapters import visits
from wurao_inspection.adapters.counters import CapCounters
from wurao_inspection.domain import caps
from wurao_inspection.domain.caps import Counter

log = logging.getLogger("wurao.inspection.counting")


async def rebuild(
    conn: asyncpg.Connection, counters: CapCounters, unit_id: str, missing: Sequence[Counter], now: datetime
) -> None:
    """Writes each missing counter from the unit's counted visits; counters that exist are left alone."""
    async with conn.transaction():
        await visits.hold_unit(conn, unit_id)
        groups = await visits.counted_groups(conn, unit_id, missing)
        created = await counters.seed(missing, caps.tally(missing, groups), now)
    log.info("rebuilt %d cap counter(s) of unit %s from PostgreSQL", created, unit_id)


async def settle(
    conn: asyncpg.Connection,
    counters: CapCounters,
    *,
    visit_id: str,
    unit_id: str,
    incremented: Sequence[Counter],
    gens: Sequence[str],
) -> None:
    """After a failure past admission: if the visit did not commit, take its increments back.

    The exclusive lock waits until no transaction of the unit is in flight, so "not in PostgreSQL" is final.
    Runs on the failed check-in's own connection (its transaction is over): a fresh one could wait forever
    on a pool that failing check-ins hold entirely.
    """
    try:
        async with conn.transaction():
            await visits.hold_unit(conn, unit_id)
            if await visits.exists(conn, visit_id):
                return
            await counters.release(incremented, gens, visit_id)
    except Exception:
        log.exception("visit %s: could not take back its cap increments; they over-count until rebuilt", visit_id)


async def current(
    conn: asyncpg.Connection, counters: CapCounters, unit_id: str, shown: Sequence[Counter]
) -> dict[str, int]:
    """What each counter stands at, for display: Redis where it holds the counter, else PostgreSQL. Writes nothing."""
    values = await counters.read(shown)
    absent = [counter for counter in shown if values[counter.key] is None]
    if absent:
        values.update(caps.tally(absent, await visits.counted_groups(conn, unit_id, absent)))
    return {key: value or 0 for key, value in values.items()}
