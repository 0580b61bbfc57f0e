"""The invariant: no unit is ever inspected beyond a cap, under concurrent scans and lost Redis data.

Real PostgreSQL and Redis; Redis and PostgreSQL must agree after every run.
"""

import asyncio
import random
from collections import Counter as Tally

import pytest

from wurao_inspection.adapters import counters, visits
from wurao_inspection.domain.scan import CapReached, Unavailable
from wurao_inspection.domain.visits import Visit
from wurao_inspection.usecases.visits import check_in


async def until_blocked(conn) -> None:
    """Until some transaction waits for a lock on visits (polled: PostgreSQL has no event for it)."""
    for _ in range(1000):
        if await conn.fetchval("SELECT count(*) FROM pg_locks WHERE relation = 'visits'::regclass AND NOT granted"):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("no check-in ever waited on the visits table")


async def until_also_waiting(conn, racing: asyncio.Task) -> None:
    """Until the racing check-in waits for a lock too (for the unit's, or, had it admitted without waiting for the
    one in flight, for the visits table at its insert), or has ended: a second session waiting in this database."""
    waiting = """SELECT count(*) FROM pg_locks WHERE NOT granted
                   AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"""
    for _ in range(1000):
        if racing.done() or await conn.fetchval(waiting) >= 2:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the racing check-in neither waited nor ended")


async def counted_visits(pool, unit_id: str) -> int:
    return await pool.fetchval("SELECT count(*) FROM visits WHERE unit_id = $1 AND counted", unit_id)


async def test_500_concurrent_check_ins_with_a_cap_of_3_admit_exactly_3(deps, plan, as_unit, now, disagreements):
    await plan.policy(version=2, county=3, across=10)
    unit_id = await plan.unit()
    coded = await plan.item(per_unit_cap=50)
    caller = as_unit(unit_id)

    outcomes = await asyncio.gather(*(check_in(deps, caller, coded.code, now=now) for _ in range(500)))

    kinds = Tally(type(outcome).__name__ for outcome in outcomes)
    assert kinds == {"Visit": 3, "CapReached": 497}
    assert await counted_visits(deps.pool, unit_id) == 3
    assert await deps.counters.redis.hget(f"wurao:cap:{{{unit_id}}}:level:county:2026", "n") == "3"
    assert await disagreements(deps.counters.redis, deps.pool) == []


@pytest.mark.parametrize("seed", range(6))
async def test_random_caps_and_concurrency_never_admit_past_the_tightest_cap(
    deps, plan, as_unit, now, disagreements, seed
):
    chance = random.Random(seed)
    county, across, per_item = chance.randint(1, 6), chance.randint(1, 6), chance.randint(1, 6)
    await plan.policy(version=2, county=county, across=across)
    unit_id = await plan.unit()
    items = [await plan.item(per_unit_cap=per_item) for _ in range(chance.randint(1, 3))]
    concurrency = chance.randint(20, 200)
    caller = as_unit(unit_id)

    outcomes = await asyncio.gather(
        *(check_in(deps, caller, chance.choice(items).code, now=now) for _ in range(concurrency))
    )

    admitted = [outcome for outcome in outcomes if isinstance(outcome, Visit)]
    assert all(isinstance(outcome, Visit | CapReached) for outcome in outcomes)
    per_item_admitted = Tally(visit.item_id for visit in admitted)
    assert len(admitted) <= min(county, across)
    assert all(n <= per_item for n in per_item_admitted.values())
    # Not too strict either: every refusal was a real full cap.
    assert len(admitted) == min(county, across, per_item * len(items)) or any(
        n == per_item for n in per_item_admitted.values()
    )
    assert await counted_visits(deps.pool, unit_id) == len(admitted)
    assert await disagreements(deps.counters.redis, deps.pool) == []


async def test_redis_flushed_again_and_again_during_thousands_of_check_ins_never_breaks_a_cap(
    deps, plan, as_unit, now, disagreements
):
    await plan.policy(version=2, county=3, across=5)
    units = [await plan.unit() for _ in range(25)]
    items = [await plan.item(per_unit_cap=2) for _ in range(4)]
    chance = random.Random(7)
    stop = asyncio.Event()

    async def flusher():
        while not stop.is_set():
            await asyncio.sleep(chance.uniform(0.01, 0.08))
            await deps.counters.redis.flushall()

    flushing = asyncio.create_task(flusher())
    outcomes = await asyncio.gather(
        *(check_in(deps, as_unit(chance.choice(units)), chance.choice(items).code, now=now) for _ in range(2000))
    )
    stop.set()
    await flushing

    kinds = Tally(type(outcome).__name__ for outcome in outcomes)
    assert set(kinds) <= {"Visit", "CapReached", "Unavailable"}
    assert kinds["Visit"] > 0
    for unit_id in units:
        rows = await deps.pool.fetch(
            "SELECT item_id, count(*) AS n FROM visits WHERE unit_id = $1 AND counted GROUP BY item_id", unit_id
        )
        assert sum(row["n"] for row in rows) <= 3
        assert all(row["n"] <= 2 for row in rows)
    assert await disagreements(deps.counters.redis, deps.pool) == []


async def test_a_missing_counter_is_rebuilt_from_postgresql_before_the_decision(
    deps, plan, as_unit, now, disagreements
):
    await plan.policy(version=2, county=2, across=10)
    unit_id = await plan.unit()
    coded = [await plan.item() for _ in range(3)]
    caller = as_unit(unit_id)
    assert isinstance(await check_in(deps, caller, coded[0].code, now=now), Visit)
    assert isinstance(await check_in(deps, caller, coded[1].code, now=now), Visit)

    await deps.counters.redis.flushall()

    refused = await check_in(deps, caller, coded[2].code, now=now)
    assert isinstance(refused, CapReached), "a flushed counter must not read as zero"
    assert await disagreements(deps.counters.redis, deps.pool) == []


async def test_200_concurrent_first_check_ins_after_redis_lost_the_counters_admit_exactly_up_to_the_cap(
    deps, plan, as_unit, now, disagreements
):
    """Each counter is written once, from what PostgreSQL counts, by the one check-in that holds the unit to itself;
    the others wait for it or find it written: none counts from zero, none writes over another's increments."""
    await plan.policy(version=2, county=5, across=10)
    unit_id = await plan.unit()
    coded = [await plan.item(per_unit_cap=9) for _ in range(3)]
    caller = as_unit(unit_id)
    assert isinstance(await check_in(deps, caller, coded[0].code, now=now), Visit)
    assert isinstance(await check_in(deps, caller, coded[1].code, now=now), Visit)
    await deps.counters.redis.flushall()

    outcomes = await asyncio.gather(*(check_in(deps, caller, coded[n % 3].code, now=now) for n in range(200)))

    assert Tally(type(outcome).__name__ for outcome in outcomes) == {"Visit": 3, "CapReached": 197}
    assert await counted_visits(deps.pool, unit_id) == 5
    assert await deps.counters.redis.hget(f"wurao:cap:{{{unit_id}}}:level:county:2026", "n") == "5"
    assert await disagreements(deps.counters.redis, deps.pool) == []


async def test_every_counter_key_expires(deps, plan, as_unit, now):
    unit_id = await plan.unit()
    coded = await plan.item()
    await check_in(deps, as_unit(unit_id), coded.code, now=now)
    keys = [key async for key in deps.counters.redis.scan_iter(match="wurao:cap:*")]
    assert len(keys) == 3
    for key in keys:
        assert await deps.counters.redis.ttl(key) > 0, f"{key} never expires"


async def test_redis_unreachable_refuses_the_check_in_as_unavailable(deps, plan, as_unit, now):
    from wurao_inspection.adapters import counters

    unit_id = await plan.unit()
    coded = await plan.item()
    async with counters.connect("redis://127.0.0.1:1/0") as nowhere:
        cut_off = type(deps)(pool=deps.pool, counters=nowhere, keys=deps.keys)
        outcome = await check_in(cut_off, as_unit(unit_id), coded.code, now=now)
    assert isinstance(outcome, Unavailable)
    assert await counted_visits(deps.pool, unit_id) == 0


async def test_a_check_in_waits_for_one_in_flight_so_its_lost_increment_is_counted(
    deps, plan, as_unit, now, disagreements
):
    """Redis loses a counter while a check-in is between its increment and its commit: the next check-in must not
    count PostgreSQL before that visit lands, or the unit gets one visit too many."""
    await plan.policy(version=2, county=1, across=9)
    unit_id = await plan.unit()
    first, second = await plan.item(), await plan.item()
    caller = as_unit(unit_id)
    async with deps.pool.acquire() as blocker, blocker.transaction():
        # Every visit insert now waits: the first check-in stops right after its increment.
        await blocker.execute("LOCK TABLE visits IN SHARE MODE")
        in_flight = asyncio.create_task(check_in(deps, caller, first.code, now=now))
        await until_blocked(blocker)
        await deps.counters.redis.flushall()
        racing = asyncio.create_task(check_in(deps, caller, second.code, now=now))
        await until_also_waiting(blocker, racing)
    outcomes = [await in_flight, await racing]

    assert [type(outcome).__name__ for outcome in outcomes] == ["Visit", "CapReached"]
    assert await counted_visits(deps.pool, unit_id) == 1
    assert await disagreements(deps.counters.redis, deps.pool) == []


async def test_a_check_in_sharing_the_units_lock_never_writes_a_lost_counter_from_postgresql(
    deps, plan, as_unit, now, disagreements
):
    """Two check-ins of a unit hold its lock shared: Redis loses a counter while the first is between its
    increment and its commit. The second must not write the counter from PostgreSQL (which does not hold the first
    visit yet): it waits for the unit to itself, then counts the first visit."""
    await plan.policy(version=2, county=2, across=9)
    unit_id = await plan.unit()
    first, second = await plan.item(per_unit_cap=9), await plan.item()
    caller = as_unit(unit_id)
    assert isinstance(await check_in(deps, caller, first.code, now=now), Visit)  # the first item's counters exist
    async with deps.pool.acquire() as blocker, blocker.transaction():
        # Every visit insert now waits, and the unit's lock is shared: no check-in gets it to itself.
        await blocker.execute("LOCK TABLE visits IN SHARE MODE")
        await blocker.execute("SELECT pg_advisory_xact_lock_shared($1, hashtext($2))", visits.UNIT_LOCK, unit_id)
        in_flight = asyncio.create_task(check_in(deps, caller, first.code, now=now))
        await until_blocked(blocker)
        await deps.counters.redis.flushall()
        racing = asyncio.create_task(check_in(deps, caller, second.code, now=now))
        await until_also_waiting(blocker, racing)
    outcomes = [await in_flight, await racing]

    assert [type(outcome).__name__ for outcome in outcomes] == ["Visit", "CapReached"]
    assert await counted_visits(deps.pool, unit_id) == 2
    assert await disagreements(deps.counters.redis, deps.pool) == []


async def held_advisory_locks(pool) -> int:
    """Advisory locks held in the test's database (pg_locks shows the whole server's)."""
    return await pool.fetchval(
        """SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"""
    )


async def test_no_check_in_leaves_a_lock_behind_whatever_its_outcome(deps, plan, as_unit, now):
    """A check-in's locks are session-level until its visit is written: admitted, retried, capped, refused or
    failed, its pooled connection ends holding none, and the unit's next check-in runs."""
    await plan.policy(version=2, county=2, across=9)
    unit_id = await plan.unit()
    coded = await plan.item(per_unit_cap=1)
    caller = as_unit(unit_id)
    outcomes = [
        await check_in(deps, caller, coded.code, now=now, request_id="r-1"),
        await check_in(deps, caller, coded.code, now=now, request_id="r-1"),  # the retry: the first visit
        await check_in(deps, caller, coded.code, now=now),  # the item's cap of 1 is reached
        await check_in(deps, as_unit("u-not-registered"), coded.code, now=now),
    ]
    async with counters.connect("redis://127.0.0.1:1/0") as nowhere:
        cut_off = type(deps)(pool=deps.pool, counters=nowhere, keys=deps.keys)
        outcomes.append(await check_in(cut_off, caller, (await plan.item()).code, now=now))

    kinds = [type(outcome).__name__ for outcome in outcomes]
    assert kinds == ["Visit", "Visit", "CapReached", "NotAllowed", "Unavailable"]
    assert outcomes[0].id == outcomes[1].id
    assert await held_advisory_locks(deps.pool) == 0
    assert isinstance(await check_in(deps, caller, (await plan.item()).code, now=now), Visit)


async def test_a_check_in_cancelled_before_its_visit_commits_gives_back_its_locks_and_increments(
    deps, plan, as_unit, now, disagreements
):
    """The client goes away while the visit is being written: nothing is counted, no lock stays held, and the
    unit's next check-in is admitted."""
    await plan.policy(version=2, county=1, across=9)
    unit_id = await plan.unit()
    first, second = await plan.item(), await plan.item()
    caller = as_unit(unit_id)
    async with deps.pool.acquire() as blocker, blocker.transaction():
        await blocker.execute("LOCK TABLE visits IN SHARE MODE")  # the visit insert waits
        in_flight = asyncio.create_task(check_in(deps, caller, first.code, now=now))
        await until_blocked(blocker)
        in_flight.cancel()
        with pytest.raises(asyncio.CancelledError):
            await in_flight

    assert await held_advisory_locks(deps.pool) == 0
    assert await counted_visits(deps.pool, unit_id) == 0
    assert isinstance(await check_in(deps, caller, second.code, now=now), Visit), "the county cap of 1 had room"
    assert await disagreements(deps.counters.redis, deps.pool) == []
