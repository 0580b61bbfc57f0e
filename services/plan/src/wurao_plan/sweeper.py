"""Moves items with the calendar: coded → active when the window opens; coded or active → completed once the
window is over and no rectification task for the item is open."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

import asyncpg

from wurao_plan.domain.codes import CHINA
from wurao_plan.usecases.items import advance_items

log = logging.getLogger("wurao.plan.sweeper")


@asynccontextmanager
async def item_sweeper(pool: asyncpg.Pool, *, every_seconds: float = 600) -> AsyncIterator[None]:
    """Runs the sweep at start and then periodically; replicas skip each other's rows."""

    async def run() -> None:
        while True:
            try:
                moved = await advance_items(pool, datetime.now(CHINA).date())
                if moved:
                    log.info("item sweep: %d items moved on", moved)
            except Exception:  # the database away: try again next round
                log.exception("item sweep failed")
            await asyncio.sleep(every_seconds)

    task = asyncio.create_task(run(), name="item-sweeper")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
