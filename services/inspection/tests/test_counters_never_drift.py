"""The cap counters never drift from PostgreSQL: not when a call is retried or its reply is lost, and not after
a failover to a Redis replica that missed the last increments. Real PostgreSQL and real Redis servers."""

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date

from redis.exceptions import TimeoutError as RedisTimeoutError

from wurao_common import embedded
from wurao_inspection.adapters import counters
from wurao_inspection.adapters.keys import SigningKeys
from wurao_inspection.domain import caps
from wurao_inspection.domain.scan import CapReached, Unavailable
from wurao_inspection.domain.visits import Visit
from wurao_inspection.usecases import counting
from wurao_inspection.usecases.deps import Deps
from wurao_inspection.usecases.scan import verify_code
from wurao_inspection.usecases.visits import check_in


def _across(unit_id: str, limit: int = 5) -> caps.Counter:
    return caps.across_counter(unit_id, caps.CapPolicy(1, date(2020, 1, 1), {}, limit, 1), 2026)


class _RepliesLost(counters.CapCounters):
    """Real Redis runs admit.lua; then the reply is lost on the way back, as a timeout would lose it."""

    async def admit(self, counted, visit_id, **written):
        await super().admit(counted, visit_id, **written)
        raise RedisTimeoutError("reply lost after the script ran")


async def test_admitting_one_visit_twice_counts_it_once(deps, plan, now):
    """A call whose reply was lost is sent again (adapters.redis_line): the script runs again for the same visit
    (here the call that also writes the counter from PostgreSQL's count: the retry neither rewrites it nor counts
    the visit again)."""
    counter = _across(await plan.unit())

    first = await deps.counters.admit([counter], "visit-1", counts={counter.key: 2}, now=now)
    again = await deps.counters.admit([counter], "visit-1", counts={counter.key: 2}, now=now)

    assert isinstance(first, counters.Admitted)
    assert isinstance(again, counters.Admitted)
    assert await deps.counters.redis.hget(counter.key, "n") == "3"


async def test_a_reply_lost_after_admission_ran_is_settled_so_the_unit_is_not_refused_later(
    deps, plan, as_unit, now, disagreements
):
    unit_id = await plan.unit()
    coded = await plan.item(per_unit_cap=1)
    lossy = Deps(pool=deps.pool, counters=_RepliesLost(deps.counters.redis, deps.counters.line), keys=deps.keys)

    lost = await check_in(lossy, as_unit(unit_id), coded.code, now=now)

    assert isinstance(lost, Unavailable)
    assert await disagreements(deps.counters.redis, deps.pool) == [], "the lost increment was taken back"
    assert isinstance(await check_in(deps, as_unit(unit_id), coded.code, now=now), Visit), "no phantom visit"


async def test_reconciliation_repairs_every_counter_that_differs_and_reports_it(
    deps, plan, as_unit, now, disagreements
):
    unit_id = await plan.unit()
    coded = await plan.item(per_unit_cap=3)
    assert isinstance(await check_in(deps, as_unit(unit_id), coded.code, now=now), Visit)
    phantom_unit = await plan.unit()
    phantom = _across(phantom_unit)
    # Its check-in died, unsettled.
    await deps.counters.admit([phantom], "a-visit-that-never-committed", counts={phantom.key: 0}, now=now)
    lowered = f"wurao:cap:{{{unit_id}}}:all:2026"
    await deps.counters.redis.hset(lowered, "n", 0)  # too low: would let the unit past its cap

    repairs = await counting.reconcile(deps.pool, deps.counters)

    assert {(repair.key, repair.held, repair.counted) for repair in repairs} == {
        (phantom.key, 1, 0),
        (lowered, 0, 1),
    }
    assert await disagreements(deps.counters.redis, deps.pool) == []
    assert await deps.counters.release([phantom], "a-visit-that-never-committed") == 0, "its mark was given back"
    assert await counting.reconcile(deps.pool, deps.counters) == [], "nothing left to repair"


@asynccontextmanager
async def promoted_replica_missing_the_last_visit(
    migrated, plan, caller, now, tmp_path
) -> AsyncIterator[tuple[Deps, str]]:
    """Two county visits of the caller's unit, the second admitted after the replica was promoted (so it misses that
    increment): yields the deps on the promoted replica and a third code of the county office."""
    first, second, third = [await plan.item() for _ in range(3)]
    primary = embedded.start_redis(tmp_path / "primary")
    replica = embedded.start_redis(tmp_path / "replica")
    try:
        async with counters.connect(primary.url) as on_primary, counters.connect(replica.url) as on_replica:
            await on_replica.redis.execute_command("REPLICAOF", "127.0.0.1", primary.port)
            before = Deps(pool=migrated, counters=on_primary, keys=SigningKeys(migrated))
            assert isinstance(await check_in(before, caller, first.code, now=now), Visit)
            assert await on_primary.redis.wait(1, 5000) == 1, "the replica holds the first visit's increments"
            await on_replica.redis.execute_command("REPLICAOF", "NO", "ONE")  # promoted; replication ends here
            assert isinstance(await check_in(before, caller, second.code, now=now), Visit)  # the replica misses it
            assert await on_replica.redis.hget(f"wurao:cap:{{{caller.unit_id}}}:level:county:2026", "n") == "1"
            yield Deps(pool=migrated, counters=on_replica, keys=SigningKeys(migrated)), third.code
    finally:
        await asyncio.to_thread(replica.stop)
        await asyncio.to_thread(primary.stop)


async def test_a_failover_to_a_replica_that_missed_the_last_increments_rebuilds_before_admitting(
    migrated, plan, as_unit, now, tmp_path
):
    await plan.policy(version=2, county=2, across=9)
    caller = as_unit(await plan.unit())
    async with promoted_replica_missing_the_last_visit(migrated, plan, caller, now, tmp_path) as (after, code):
        outcome = await check_in(after, caller, code, now=now)
    assert isinstance(outcome, CapReached), "two county visits this year: the promoted replica's 1 is stale"


async def test_a_scan_after_a_failover_shows_what_postgresql_counts_not_the_replicas_stale_counter(
    migrated, plan, as_unit, now, tmp_path
):
    """A counter the promoted replica holds from the old primary may miss the last increments: check-ins rebuild
    it (admit.lua), and a scan must not show it either, or the unit sees room the check-in then refuses."""
    await plan.policy(version=2, county=2, across=9)
    caller = as_unit(await plan.unit())
    async with promoted_replica_missing_the_last_visit(migrated, plan, caller, now, tmp_path) as (after, code):
        scanned = await verify_code(after, caller, code, now=now)
        checked_in = await check_in(after, caller, code, now=now)
    county = next(entry for entry in scanned.standing if entry.counter.key.endswith(":level:county:2026"))
    assert county.used == 2, "two county visits this year: the promoted replica's 1 is stale"
    assert isinstance(scanned, CapReached)
    assert isinstance(checked_in, CapReached)


def test_a_counter_key_names_what_it_counts():
    item = "0b0e3c55-8a1c-4c39-9a43-0d3f7d1b6f10"
    assert caps.counted_by_key("wurao:cap:{u-1}:level:county:2026").covers(2026, "county", item)
    assert not caps.counted_by_key("wurao:cap:{u-1}:level:county:2026").covers(2026, "city", item)
    assert caps.counted_by_key("wurao:cap:{u-1}:all:2026").covers(2026, "city", item)
    assert caps.counted_by_key(f"wurao:cap:{{u-1}}:item:{item}").covers(2025, "province", item)
    for foreign in ("bench:x", "wurao:cap:{u-1}:item:not-a-uuid", "wurao:cap:{u-1}:level:mayor:2026", "wurao:cap:u"):
        assert caps.counted_by_key(foreign) is None, foreign


async def test_the_reconcile_command_repairs_and_prints_what_it_repaired(
    deps, plan, now, servers, database_url, tmp_path
):
    counter = _across(await plan.unit())
    await deps.counters.admit([counter], "a-visit-that-never-committed", counts={counter.key: 0}, now=now)
    env = {"PATH": os.environ["PATH"], "DATABASE_URL": database_url, "REDIS_URL": servers.redis.url}

    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "wurao_inspection.reconcile"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert f"{counter.key}: held 1, PostgreSQL counts 0, gave back 1 uncommitted visit(s)" in done.stdout
    assert await deps.counters.redis.hget(counter.key, "n") == "0"
