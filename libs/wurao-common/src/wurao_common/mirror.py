"""Rows of rarely changing tables held in each replica's memory, forgotten as soon as PostgreSQL says they changed.

Such a table carries the trigger `wurao_row_changed(key column)` (bus migration 003): every row inserted, updated or
deleted notifies the channel `wurao_row_changed` with '<table>:<key>', a TRUNCATE with '<table>' alone. PostgreSQL
delivers a notification when, and only if, its transaction commits, to every listening connection in commit order.
Each replica listens on one connection of its own (`RowChanges.listening`); a `Mirror` reads a row from PostgreSQL
the first time it is asked for and keeps it (bounded, least recently used first) until a notification names it.
A row found absent is kept as absent too: its insert notifies. While the listening connection is down nothing is
kept and every read goes to PostgreSQL, so a change committed meanwhile cannot be missed.

`Notifications` is that listener for any channel and payload (reporting's figures have their own), and a
`Mirror` built with `group` forgets a group of keys at once (a region's figures of every year and day).

A change made on one replica reaches the others a notification later (a millisecond or so on one network); keep
to mirrors what a reader may see that late, and read inside the transaction whatever a decision must lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Final, Generic, TypeVar

import asyncpg

log = logging.getLogger("wurao.mirror")
ROW_CHANGED: Final = "wurao_row_changed"
V = TypeVar("V")


class Unknown:
    """Not held: ask PostgreSQL."""


UNKNOWN: Final = Unknown()


class Mirror(Generic[V]):
    """Rows by key (text), read by `fetch` (keys → the rows found) on first use and kept until told they changed.
    With `group` (key → its group), the keys of one group can be forgotten together (`forget_group`)."""

    def __init__(
        self,
        fetch: Callable[[Sequence[str]], Awaitable[Mapping[str, V]]],
        *,
        size: int = 10_000,
        group: Callable[[str], str] | None = None,
    ):
        self._fetch = fetch
        self._rows: OrderedDict[str, V | None] = OrderedDict()
        self._size = size
        self._group = group
        self._groups: dict[str, set[str]] = {}  # group -> its keys held
        # Bumped by every change heard: a read that started before it may have seen the old row, and is not kept.
        self._generation = 0
        self._live = False

    def held(self, key: str) -> V | Unknown | None:
        """The row, None when it is known not to exist, UNKNOWN when not held. No I/O."""
        row = self._rows.get(key, UNKNOWN)
        if row is not UNKNOWN:
            self._rows.move_to_end(key)
        return row

    async def get_many(self, keys: Sequence[str]) -> dict[str, V]:
        """The rows that exist among `keys`: those held, and the others read in one `fetch` (and then held)."""
        found: dict[str, V] = {}
        unknown = []
        for key in keys:
            row = self.held(key)
            if isinstance(row, Unknown):
                unknown.append(key)
            elif row is not None:
                found[key] = row
        if unknown:
            generation = self._generation
            fetched = await self._fetch(unknown)
            found.update(fetched)
            if self._live and generation == self._generation:
                for key in unknown:
                    self._hold(key, fetched.get(key))
        return found

    async def get(self, key: str) -> V | None:
        row = self.held(key)
        if isinstance(row, Unknown):
            return (await self.get_many([key])).get(key)
        return row

    def _hold(self, key: str, row: V | None) -> None:
        self._rows[key] = row
        if self._group is not None:
            self._groups.setdefault(self._group(key), set()).add(key)
        if len(self._rows) > self._size:
            self._ungroup(self._rows.popitem(last=False)[0])

    def _ungroup(self, key: str) -> None:
        if self._group is not None:
            group = self._group(key)
            keys = self._groups.get(group, set())
            keys.discard(key)
            if not keys:
                self._groups.pop(group, None)

    def forget(self, key: str | None = None) -> None:
        """A row changed (every row, with no key)."""
        self._generation += 1
        if key is None:
            self._rows.clear()
            self._groups.clear()
        elif self._rows.pop(key, UNKNOWN) is not UNKNOWN:
            self._ungroup(key)

    def forget_group(self, group: str) -> None:
        """The rows of a group changed."""
        self._generation += 1
        for key in self._groups.pop(group, ()):
            del self._rows[key]

    def _set_live(self, live: bool) -> None:
        self.forget()
        self._live = live


class Notifications:
    """What one replica hears on a PostgreSQL channel, on a connection of its own (`listening`) that is listened on
    again after it is lost. The mirrors given to `hold` hold rows only while it listens."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self._heard: list[Callable[[str], None]] = []
        self._on_live: list[Callable[[bool], None]] = []
        self._mirrors: set[Mirror] = set()

    def on_payload(self, heard: Callable[[str], None]) -> None:
        """`heard(payload)` after each notification on the channel (sent by a transaction that committed)."""
        self._heard.append(heard)

    def on_live(self, live: Callable[[bool], None]) -> None:
        """`live(True)` once every commit from then on is heard, `live(False)` when that is no longer so."""
        self._on_live.append(live)

    def hold(self, mirror: Mirror) -> None:
        """`mirror` holds rows only while this listens, and forgets them all whenever it starts or stops."""
        self._mirrors.add(mirror)

    def _notified(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        for heard in self._heard:
            heard(payload)

    def _live(self, live: bool) -> None:
        for mirror in self._mirrors:
            mirror._set_live(live)
        for told in self._on_live:
            told(live)

    @contextlib.asynccontextmanager
    async def listening(
        self, pool: asyncpg.Pool, *, retry_seconds: float = 1.0, check_seconds: float = 10.0
    ) -> AsyncIterator[None]:
        """Listens on a connection of `pool` while the block runs, and again after a lost connection; the mirrors
        hold rows only while it listens. The connection is asked a `SELECT 1` after each `check_seconds` without
        news: a connection that died without a word (a network partition) would otherwise keep stale rows."""
        listener = asyncio.create_task(self._listen(pool, retry_seconds, check_seconds), name=self.channel)
        try:
            yield
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
            self._live(False)

    async def _listen(self, pool: asyncpg.Pool, retry_seconds: float, check_seconds: float) -> None:
        while True:
            try:
                async with pool.acquire() as conn:
                    await self._listen_on(conn, check_seconds)
                log.warning("the connection listening on %s was lost; listening again", self.channel)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                log.warning("cannot listen on %s; retrying in %.0f s", self.channel, retry_seconds, exc_info=True)
                await asyncio.sleep(retry_seconds)

    async def _listen_on(self, conn: asyncpg.Connection, check_seconds: float) -> None:
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        await conn.add_listener(self.channel, self._notified)
        self._live(True)  # every commit from now on is heard; whatever was read before is forgotten
        try:
            await _until_lost(conn, lost, check_seconds)
        finally:
            self._live(False)
            if not conn.is_closed():
                await conn.remove_listener(self.channel, self._notified)


class RowChanges(Notifications):
    """What one replica does when a table's rows change: each table's mirrors forget the rows named."""

    def __init__(self) -> None:
        super().__init__(ROW_CHANGED)
        self._tables: dict[str, list[Callable[[str | None], None]]] = {}
        self.on_payload(self._changed)

    def on(self, table: str, heard: Callable[[str | None], None]) -> None:
        """`heard(key)` after each change of `table` committed (key None: the table was truncated)."""
        self._tables.setdefault(table, []).append(heard)

    def mirror(self, mirror: Mirror, table: str, *, whole: bool = False) -> None:
        """`mirror` forgets the row a change of `table` names (every row with `whole`: when its rows embed the
        table's, as an item its office's name)."""
        self.hold(mirror)
        self.on(table, (lambda _key: mirror.forget()) if whole else mirror.forget)

    def _changed(self, payload: str) -> None:
        table, _, key = payload.partition(":")
        for heard in self._tables.get(table, ()):
            heard(key if key else None)


async def _until_lost(conn: asyncpg.Connection, lost: asyncio.Event, check_seconds: float) -> None:
    while not lost.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(lost.wait(), check_seconds)
            return
        try:
            await conn.fetchval("SELECT 1", timeout=check_seconds)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            conn.terminate()
            return
