"""Rows held in replicas' memory against real PostgreSQL: a change committed through one connection reaches every
replica's mirror, and nothing is served from memory while a replica cannot hear of changes."""

import asyncio
import contextlib

import pytest

from wurao_common import db
from wurao_common.mirror import Mirror, RowChanges, Unknown
from wurao_common.service import BUS_MIGRATIONS
from wurao_common.testing import Hearing


@pytest.fixture
async def things(pool):
    """A table with the row-change triggers, as a service's migration sets them up."""
    await db.migrate(pool, {"bus": BUS_MIGRATIONS})
    await pool.execute(
        """CREATE TABLE things (id text PRIMARY KEY, name text NOT NULL);
           CREATE TRIGGER things_changed AFTER INSERT OR UPDATE OR DELETE ON things
               FOR EACH ROW EXECUTE FUNCTION wurao_row_changed('id');
           CREATE TRIGGER things_truncated AFTER TRUNCATE ON things
               FOR EACH STATEMENT EXECUTE FUNCTION wurao_row_changed();
           INSERT INTO things VALUES ('a', 'first'), ('b', 'second');"""
    )
    return pool


class Replica:
    """A replica's mirror of `things`, counting the reads that went to PostgreSQL."""

    def __init__(self, pool, *, after_read=None) -> None:
        self.pool = pool
        self.reads = 0
        self._after_read = after_read
        self.things: Mirror[str] = Mirror(self._fetch)
        self.changes = RowChanges()
        self.changes.mirror(self.things, "things")
        self.hearing = Hearing(self.changes, pool)

    async def _fetch(self, ids):
        self.reads += 1
        rows = await self.pool.fetch("SELECT id, name FROM things WHERE id = ANY($1::text[])", list(ids))
        if self._after_read is not None:
            await self._after_read(self)
        return {row["id"]: row["name"] for row in rows}


@contextlib.asynccontextmanager
async def listening(replica: Replica, **options):
    async with replica.hearing.listening(**options):
        yield replica


async def test_a_held_row_is_served_from_memory_until_a_change_to_it_commits(things):
    async with listening(Replica(things)) as replica:
        assert await replica.things.get_many(["a", "b", "nothing"]) == {"a": "first", "b": "second"}
        assert await replica.things.get("a") == "first"
        assert await replica.things.get("nothing") is None  # its absence is held too
        assert replica.reads == 1

        async with things.acquire() as conn, conn.transaction():
            await conn.execute("UPDATE things SET name = 'renamed' WHERE id = 'a'")
            await conn.execute("INSERT INTO things VALUES ('nothing', 'now something')")
            await replica.hearing.everything()
            assert replica.things.held("a") == "first"  # not committed yet: nobody may see it
        await replica.hearing.everything()
        assert isinstance(replica.things.held("a"), Unknown)
        assert replica.things.held("b") == "second"  # untouched rows stay
        assert await replica.things.get_many(["a", "nothing"]) == {"a": "renamed", "nothing": "now something"}


async def test_a_change_through_one_replica_reaches_the_others(things):
    async with listening(Replica(things)) as one, listening(Replica(things)) as other:
        for replica in (one, other):
            assert await replica.things.get("a") == "first"
        await things.execute("DELETE FROM things WHERE id = 'a'")
        await things.execute("TRUNCATE things")
        await things.execute("INSERT INTO things VALUES ('b', 'again')")
        for replica in (one, other):
            await replica.hearing.everything()
            assert await replica.things.get("a") is None
            assert await replica.things.get("b") == "again"


async def test_a_read_that_crossed_a_change_is_not_held(things):
    """The row read may be the old one when the change was heard while the read was on its way."""
    changed = False

    async def change_once(replica: Replica) -> None:
        nonlocal changed
        if not changed:
            changed = True
            await things.execute("UPDATE things SET name = 'renamed' WHERE id = 'a'")
            await replica.hearing.everything()

    async with listening(Replica(things, after_read=change_once)) as replica:
        assert await replica.things.get("a") == "first"  # what this read saw
        assert await replica.things.get("a") == "renamed"  # not held: read again


async def test_nothing_is_held_while_the_replica_cannot_hear_of_changes(things):
    replica = Replica(things)
    assert await replica.things.get("a") == "first"
    assert await replica.things.get("a") == "first"
    assert replica.reads == 2  # not listening yet: every read goes to PostgreSQL

    async with listening(replica, retry_seconds=0.05):
        assert await replica.things.get("a") == "first"
        listener = await things.fetchval(
            "SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND datname = current_database()"
        )
        await things.execute("SELECT pg_terminate_backend($1)", listener)
        for _ in range(3000):  # until the replica noticed
            if isinstance(replica.things.held("a"), Unknown):
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the replica never noticed its listening connection was gone")
        await things.execute("UPDATE things SET name = 'changed while deaf' WHERE id = 'a'")
        assert await replica.things.get("a") == "changed while deaf"
        await replica.hearing.listening_again()
        reads = replica.reads
        assert await replica.things.get("a") == "changed while deaf"
        assert await replica.things.get("a") == "changed while deaf"
        assert replica.reads == reads + 1  # held again


async def test_a_group_of_rows_is_forgotten_together_and_other_groups_stay_held(things):
    await things.execute("INSERT INTO things VALUES ('a2', 'second a'), ('b2', 'second b')")
    replica = Replica(things)
    grouped: Mirror[str] = Mirror(replica._fetch, group=lambda key: key[0])
    replica.changes.hold(grouped)
    replica.changes.on("things", lambda key: grouped.forget_group(key[0]) if key else grouped.forget())
    async with listening(replica):
        found = await grouped.get_many(["a", "a2", "b", "b2"])
        assert found == {"a": "first", "a2": "second a", "b": "second", "b2": "second b"}
        await things.execute("UPDATE things SET name = 'renamed' WHERE id = 'a'")
        await replica.hearing.everything()
        assert isinstance(grouped.held("a2"), Unknown)  # not changed itself: its group was
        assert grouped.held("b2") == "second b"
        assert await grouped.get_many(["a", "a2"]) == {"a": "renamed", "a2": "second a"}
