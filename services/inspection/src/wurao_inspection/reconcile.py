"""Reconciling the cap counters with PostgreSQL: periodically in every replica, or once from the command line.

`python -m wurao_inspection.reconcile` (with DATABASE_URL and REDIS_URL, as the service reads them) compares
every live counter with the visits, repairs each that differs and prints what it repaired.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AbstractAsyncContextManager

import asyncpg

from wurao_common import config, db, periodic
from wurao_inspection.adapters import counters
from wurao_inspection.adapters.counters import CapCounters
from wurao_inspection.usecases import counting

log = logging.getLogger("wurao.inspection.reconcile")


def reconciling(
    pool: asyncpg.Pool, cap_counters: CapCounters, *, every_seconds: float
) -> AbstractAsyncContextManager[None]:
    async def reconcile() -> None:
        repairs = await counting.reconcile(pool, cap_counters)
        if repairs:
            log.warning("cap reconciliation repaired %d counter(s)", len(repairs))

    return periodic.every(every_seconds, reconcile, name="cap reconciliation")


async def _once() -> int:
    env = config.Config(environ=config.environ)
    database_url = str(config.read(env, "DATABASE_URL", config.Secret))
    redis_url = str(config.read(env, "REDIS_URL", config.Secret))
    pool = await db.create_pool(database_url, min_size=1, max_size=2)
    try:
        async with counters.connect(redis_url) as cap_counters:
            repairs = await counting.reconcile(pool, cap_counters)
    finally:
        await pool.close()
    for repair in repairs:
        gone = f", gave back {len(repair.uncommitted_visits)} uncommitted visit(s)" if repair.uncommitted_visits else ""
        print(f"{repair.key}: held {repair.held}, PostgreSQL counts {repair.counted}{gone}")
    print(f"{len(repairs)} counter(s) repaired")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(_once()))
