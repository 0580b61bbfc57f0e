"""Moves items with the calendar: coded → active when the window opens; coded or active → completed once the
window is over and no rectification task for the item is open."""

from __future__ import annotations

import logging
from contextlib import AbstractAsyncContextManager
from datetime import datetime

import asyncpg

from wurao_common import periodic
from wurao_plan.domain.codes import CHINA
from wurao_plan.usecases.items import advance_items

log = logging.getLogger("wurao.plan.sweeper")


def item_sweeper(pool: asyncpg.Pool, *, every_seconds: float = 600) -> AbstractAsyncContextManager[None]:
    """Runs the sweep at start and then periodically; replicas skip each other's rows."""

    async def sweep() -> None:
        moved = await advance_items(pool, datetime.now(CHINA).date())
        if moved:
            log.info("item sweep: %d items moved on", moved)

    return periodic.every(every_seconds, sweep, name="item sweep")
