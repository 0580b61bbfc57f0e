"""Live figures: every replica listens on PostgreSQL for the regions whose figures an event changed.

The consumer notifies in its own transaction, so a replica hears of a change only once it is committed, and
whichever replica applied the event, every replica's subscribers hear of it and every replica's held figures
forget it. A transaction's changed regions travel space-separated in as few notifications as fit (a payload holds
at most 8,000 bytes): every listener hears a batch of 500 events in one or two notifications, not 500. A rebuild's
emptying names `EVERY_REGION`: every replica forgets all it holds and every subscription reads again (the replay
then names only the regions its events touch, and a region none touches would keep figures that are gone).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable

import asyncpg

from wurao_common.ids import is_region_code
from wurao_common.mirror import Notifications
from wurao_reporting.adapters import figures

FIGURES_CHANGED = "reporting_figures"
PAYLOAD_BYTES = 7_900  # PostgreSQL refuses a NOTIFY payload of 8,000 bytes or more
EVERY_REGION = "*"  # named with regions: every region's figures changed


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


class FigureChanges(Notifications):
    """This replica's ear for committed figure changes (`listening`, listened on again after a lost connection):
    it wakes the subscriptions watching a region and makes the regions' figures held in memory forget it."""

    def __init__(self) -> None:
        super().__init__(FIGURES_CHANGED)
        self._watchers: set[tuple[str, asyncio.Event]] = set()
        self._held: list[figures.HeldRegions] = []
        self.on_payload(self._regions_changed)
        self.on_live(self._live_again)

    def hold_regions(self, held: figures.HeldRegions) -> None:
        """`held` keeps regions' figures only while this listens, and forgets those of each region it hears of."""
        self._held.append(held)
        self.hold(held.mirror)

    def _regions_changed(self, payload: str) -> None:
        for region in regions_of(payload):
            if region == EVERY_REGION:
                for held in self._held:
                    held.mirror.forget()
                self._wake_all()
            elif is_region_code(region):  # else not a consumer's (a test's, say): it changes nothing
                for held in self._held:
                    held.changed(region)
                self.changed(region)

    def _live_again(self, live: bool) -> None:
        """Listening (again), every watcher reads again: a change may have committed while none was heard."""
        if live:
            self._wake_all()

    def _wake_all(self) -> None:
        for _scope, event in self._watchers:
            event.set()

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
