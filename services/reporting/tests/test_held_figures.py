"""Regions' figures held in each replica's memory (figures.HeldRegions), and the listener that tells them and the
live subscriptions of changes (changes.FigureChanges): a committed change makes every replica forget the regions
it lies in, nothing is held while a replica cannot hear of changes, a lost listening connection is replaced, and a
rebuild's emptying makes every replica forget everything."""

import asyncio
from datetime import datetime

from wurao_common.mirror import Unknown
from wurao_common.testing import Hearing
from wurao_reporting import testing as t
from wurao_reporting.adapters import figures
from wurao_reporting.adapters.changes import FigureChanges
from wurao_reporting.domain.figures import ALL_MONTHS
from wurao_reporting.domain.periods import CHINA
from wurao_reporting.rebuild import rebuild

YEAR = 2026
NEIGHBOUR = "439902"  # a county next to the visits' county


class Replica:
    """One replica's listener and the regions' figures it holds."""

    def __init__(self, pool) -> None:
        self.held = figures.HeldRegions(pool)
        self.changes = FigureChanges()
        self.changes.hold_regions(self.held)
        self.hearing = Hearing(self.changes, pool)

    async def visits(self, region: str) -> int:
        sums = await self.held.read(region, YEAR, datetime.now(CHINA).date())
        return sums.total(YEAR, ALL_MONTHS, "visits.counted")

    def holds(self, region: str) -> bool:
        return not isinstance(self.held.mirror.held(f"{region} {YEAR} {datetime.now(CHINA).date()}"), Unknown)


async def unheard(pool, region: str, visits: int) -> None:
    """Adds visits to a region's figures without telling any replica (as no consumer ever does): a replica that
    shows them read PostgreSQL, one that does not answered from memory."""
    async with pool.acquire() as conn:
        await figures.add_many(conn, {("region", region, YEAR, 3, "visits.counted"): visits})


async def terminate_listener(pool) -> None:
    await pool.execute(
        """SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE query LIKE 'LISTEN%' AND datname = current_database()"""
    )


async def until_deaf(replica: Replica, region: str) -> None:
    for _ in range(3000):  # until the replica noticed its connection is gone
        if not replica.holds(region):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the replica never noticed its listening connection was gone")


async def test_a_regions_figures_are_held_until_a_change_inside_it_commits_and_other_regions_stay_held(apply, migrated):
    await apply(t.visit())
    replica = Replica(migrated)
    async with replica.hearing.listening():
        assert (await replica.visits(t.CITY), await replica.visits(NEIGHBOUR)) == (1, 0)
        await unheard(migrated, t.CITY, 10)
        await unheard(migrated, NEIGHBOUR, 10)
        assert (await replica.visits(t.CITY), await replica.visits(NEIGHBOUR)) == (1, 0)  # from memory

        await apply(t.visit())  # in a village of the city: the city and every region down to the village change
        await replica.hearing.everything()
        assert not replica.holds(t.CITY)
        assert (await replica.visits(t.CITY), await replica.visits(t.UNIT_REGION)) == (12, 2)
        assert await replica.visits(NEIGHBOUR) == 0  # untouched: still held


async def test_a_change_applied_by_any_replica_is_forgotten_by_every_replica(apply, migrated):
    one, other = Replica(migrated), Replica(migrated)
    async with one.hearing.listening(), other.hearing.listening():
        for replica in (one, other):
            assert await replica.visits(t.OFFICE_REGION) == 0
            assert replica.holds(t.OFFICE_REGION)
        await apply(t.visit())  # applied by a consumer neither replica runs: they only hear of it
        for replica in (one, other):
            await replica.hearing.everything()
            assert await replica.visits(t.OFFICE_REGION) == 1


async def test_nothing_is_held_while_the_listening_connection_is_down_and_it_listens_again(migrated):
    replica = Replica(migrated)
    assert await replica.visits(t.CITY) == 0
    assert not replica.holds(t.CITY)  # not listening yet: every read goes to PostgreSQL

    async with replica.hearing.listening(retry_seconds=0.05):
        assert await replica.visits(t.CITY) == 0
        assert replica.holds(t.CITY)
        await terminate_listener(migrated)
        await until_deaf(replica, t.CITY)
        await unheard(migrated, t.CITY, 1)  # a change the replica cannot hear of now
        assert await replica.visits(t.CITY) == 1
        await replica.hearing.listening_again()
        assert await replica.visits(t.CITY) == 1
        await unheard(migrated, t.CITY, 1)
        assert await replica.visits(t.CITY) == 1  # held again


async def test_a_subscriber_hears_a_change_after_the_listening_connection_was_killed(apply, migrated):
    replica = Replica(migrated)
    async with replica.hearing.listening(retry_seconds=0.05):
        await terminate_listener(migrated)
        await replica.hearing.listening_again()
        async with replica.changes.watch(t.OFFICE_REGION) as changed:
            await apply(t.visit())
            await asyncio.wait_for(changed.wait(), timeout=30)


async def test_a_subscriber_reads_again_once_listening_again_as_a_change_may_have_gone_unheard(migrated):
    replica = Replica(migrated)
    async with replica.hearing.listening(retry_seconds=0.05), replica.changes.watch(t.OFFICE_REGION) as changed:
        await terminate_listener(migrated)  # nothing changes: only listening again wakes the subscriber
        await asyncio.wait_for(changed.wait(), timeout=30)


async def test_a_rebuilds_emptying_makes_every_replica_forget_every_region_and_every_subscriber_read_again(
    apply, migrated, nats_client
):
    """Even a region no replayed event touches (here: a rebuild that replays nothing) shows its figures gone."""
    await apply(t.visit())
    replica = Replica(migrated)
    async with replica.hearing.listening(), replica.changes.watch(t.CITY) as changed:
        assert await replica.visits(t.UNIT_REGION) == 1
        assert replica.holds(t.UNIT_REGION)

        assert await rebuild(migrated, nats_client, subscriptions=()) == 0
        await replica.hearing.everything()
        assert not replica.holds(t.UNIT_REGION)
        assert await replica.visits(t.UNIT_REGION) == 0
        assert changed.is_set()
