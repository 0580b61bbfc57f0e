"""Live figures: every replica listens on PostgreSQL for the regions whose figures an event changed.

The consumer notifies in its own transaction, so a replica hears of a change only once it is committed, and
whichever replica applied the event, every replica's subscribers hear of it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import asyncpg

from wurao_reporting.usecases.effects import FIGURES_CHANGED


class FigureChanges:
    def __init__(self) -> None:
        self._watchers: set[tuple[str, asyncio.Event]] = set()

    def changed(self, region: str) -> None:
        for scope, event in self._watchers:
            if region.startswith(scope):
                event.set()

    @contextlib.asynccontextmanager
    async def watch(self, region: str) -> AsyncIterator[asyncio.Event]:
        """An event set whenever figures in `region` (or below it) change; the watcher clears it."""
        watcher = (region, asyncio.Event())
        self._watchers.add(watcher)
        try:
            yield watcher[1]
        finally:
            self._watchers.discard(watcher)


@contextlib.asynccontextmanager
async def listening(pool: asyncpg.Pool, changes: FigureChanges) -> AsyncIterator[None]:
    def on_notify(_conn: object, _pid: int, _channel: str, region: str) -> None:
        changes.changed(region)

    conn = await pool.acquire()
    try:
        await conn.add_listener(FIGURES_CHANGED, on_notify)
        yield
    finally:
        with contextlib.suppress(Exception):
            await conn.remove_listener(FIGURES_CHANGED, on_notify)
        await pool.release(conn)
