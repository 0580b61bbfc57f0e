"""Live figures: every replica listens on PostgreSQL for the regions whose figures an event changed.

The consumer notifies in its own transaction, so a replica hears of a change only once it is committed, and
whichever replica applied the event, every replica's subscribers hear of it. A transaction's changed regions travel
space-separated in as few notifications as fit (a payload holds at most 8,000 bytes): every listener hears a batch
of 500 events in one or two notifications, not 500.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable

import asyncpg

FIGURES_CHANGED = "reporting_figures"
PAYLOAD_BYTES = 7_900  # PostgreSQL refuses a NOTIFY payload of 8,000 bytes or more


def payloads(regions: Iterable[str]) -> list[str]:
    """The regions, space-separated, in payloads of at most PAYLOAD_BYTES (region codes are ASCII digits)."""
    found: list[str] = []
    current: list[str] = []
    size = 0
    for region in regions:
        if current and size + 1 + len(region) > PAYLOAD_BYTES:
            found.append(" ".join(current))
            current, size = [], 0
        size += len(region) + (1 if current else 0)
        current.append(region)
    if current:
        found.append(" ".join(current))
    return found


def regions_of(payload: str) -> list[str]:
    return payload.split()


async def notify(conn: asyncpg.Connection, regions: Iterable[str]) -> None:
    """Tells every listener, when and only if the transaction commits, that figures in these regions changed."""
    await conn.execute(
        "SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload", FIGURES_CHANGED, payloads(regions)
    )


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
    def on_notify(_conn: object, _pid: int, _channel: str, payload: str) -> None:
        for region in regions_of(payload):
            changes.changed(region)

    conn = await pool.acquire()
    try:
        await conn.add_listener(FIGURES_CHANGED, on_notify)
        yield
    finally:
        with contextlib.suppress(Exception):
            await conn.remove_listener(FIGURES_CHANGED, on_notify)
        await pool.release(conn)
