"""Check-in edge cases on real PostgreSQL and Redis: periods, exemptions, emergencies, failures after admission."""

import asyncio
from datetime import date, datetime, timedelta

import asyncpg
import pytest

from wurao_common import db, embedded
from wurao_inspection.adapters import counters, reference, visits
from wurao_inspection.domain import caps
from wurao_inspection.domain.periods import CHINA
from wurao_inspection.domain.scan import CapReached, NotYetValid, Unavailable
from wurao_inspection.domain.visits import Registration, Visit
from wurao_inspection.usecases.deps import Deps
from wurao_inspection.usecases.visits import check_in, register_emergency_visit

YEAR_END = dict(window=(date(2026, 12, 1), date(2027, 1, 31)), expires=datetime(2027, 2, 1, tzinfo=CHINA))


async def test_check_ins_either_side_of_new_year_count_in_their_own_china_year(deps, plan, as_unit):
    await plan.policy(version=2, county=1, across=9)
    unit_id = await plan.unit()
    coded = await plan.item(per_unit_cap=9, **YEAR_END)
    caller = as_unit(unit_id)
    last_second = datetime(2026, 12, 31, 23, 59, 59, tzinfo=CHINA)

    assert isinstance(await check_in(deps, caller, coded.code, now=last_second), Visit)
    assert isinstance(await check_in(deps, caller, coded.code, now=last_second), CapReached)
    assert isinstance(await check_in(deps, caller, coded.code, now=last_second + timedelta(seconds=1)), Visit)

    years = [row["period_year"] for row in await deps.pool.fetch("SELECT period_year FROM visits ORDER BY 1")]
    assert years == [2026, 2027]


async def test_an_exempt_item_is_admitted_and_recorded_without_counting_even_with_caps_full(deps, plan, as_unit, now):
    await plan.policy(version=2, county=1, across=1)
    unit_id = await plan.unit()
    caller = as_unit(unit_id)
    assert isinstance(await check_in(deps, caller, (await plan.item()).code, now=now), Visit)
    assert isinstance(await check_in(deps, caller, (await plan.item()).code, now=now), CapReached)

    exempt = await plan.item(exemption="complaint")
    visit = await check_in(deps, caller, exempt.code, now=now)

    assert isinstance(visit, Visit)
    assert not visit.counted
    assert await deps.pool.fetchval("SELECT count(*) FROM visits WHERE unit_id = $1", unit_id) == 2


async def test_an_emergency_registered_in_time_is_exempt_and_a_late_one_counts_and_is_flagged(
    deps, plan, as_unit, as_inspector, now
):
    await plan.policy(version=2, county=1, across=9)
    unit_id = await plan.unit()
    emergency = await plan.item(exemption="emergency", emergency=True, per_unit_cap=9)

    in_time = await register_emergency_visit(
        deps,
        as_inspector(),
        emergency.code,
        unit_id=unit_id,
        inspected_at=now - timedelta(days=3),
        reason="汛期堤坝险情",
        now=now,
    )
    late = await register_emergency_visit(
        deps,
        as_inspector(),
        emergency.code,
        unit_id=unit_id,
        inspected_at=now - timedelta(days=11),
        reason="汛期堤坝险情",
        now=now,
    )
    too_many = await register_emergency_visit(
        deps,
        as_inspector(),
        emergency.code,
        unit_id=unit_id,
        inspected_at=now - timedelta(days=12),
        reason="汛期堤坝险情",
        now=now,
    )

    assert isinstance(in_time, Visit)
    assert in_time.registration is Registration.EMERGENCY
    assert (in_time.counted, in_time.late) == (False, False)
    assert isinstance(late, Visit)
    assert (late.counted, late.late) == (True, True)
    assert isinstance(too_many, CapReached), "a late registration counts against the caps like any visit"


async def test_an_emergency_registration_counts_in_the_year_the_inspection_happened(deps, plan, as_inspector):
    unit_id = await plan.unit()
    emergency = await plan.item(emergency=True, per_unit_cap=9, **YEAR_END)
    registered = datetime(2027, 1, 5, tzinfo=CHINA)
    visit = await register_emergency_visit(
        deps,
        as_inspector(),
        emergency.code,
        unit_id=unit_id,
        inspected_at=datetime(2026, 12, 30, 22, 0, tzinfo=CHINA),
        reason="火情",
        now=registered,
    )
    assert isinstance(visit, Visit)
    assert visit.period_year == 2026
    assert await deps.counters.redis.hget(f"wurao:cap:{{{unit_id}}}:all:2026", "n") == "1"


async def test_an_emergency_registration_refused_at_last_years_cap_names_that_years_full_cap(
    deps, plan, as_unit, as_inspector
):
    """Registered in January for an inspection on 31 December: judged on last year's counters, so its refusal shows
    and records last year's standing and the full cap, not this year's empty counters."""
    await plan.policy(version=2, county=1, across=9)
    unit_id = await plan.unit()
    ordinary, emergency = await plan.item(per_unit_cap=9, **YEAR_END), await plan.item(emergency=True, **YEAR_END)
    assert isinstance(
        await check_in(deps, as_unit(unit_id), ordinary.code, now=datetime(2026, 12, 30, tzinfo=CHINA)), Visit
    )

    refused = await register_emergency_visit(
        deps,
        as_inspector(),
        emergency.code,
        unit_id=unit_id,
        inspected_at=datetime(2026, 12, 31, 9, 0, tzinfo=CHINA),
        reason="火情",
        now=datetime(2027, 1, 5, tzinfo=CHINA),
    )

    assert isinstance(refused, CapReached)
    full = [(entry.counter.scope, entry.counter.year, entry.used) for entry in refused.exhausted]
    assert full == [("level", 2026, 1)]
    assert {entry.counter.year for entry in refused.standing} == {2026, None}
    exhausted = await deps.pool.fetchval("SELECT exhausted FROM refusals WHERE unit_id = $1", unit_id)
    assert [(cap["scope"], cap["period"], cap["used"]) for cap in exhausted] == [("level", "2026", 1)]


async def test_only_the_items_own_office_registers_an_emergency_and_only_for_emergency_items(
    deps, plan, as_inspector, now
):
    unit_id = await plan.unit()
    emergency = await plan.item(emergency=True)
    ordinary = await plan.item()
    other_office = as_inspector("431024-yjj")
    args = dict(unit_id=unit_id, inspected_at=now - timedelta(days=1), reason="险情", now=now)

    assert type(await register_emergency_visit(deps, other_office, emergency.code, **args)).__name__ == "NotAllowed"
    refused = await register_emergency_visit(deps, as_inspector(), ordinary.code, **args)
    assert type(refused).__name__ == "Invalid"
    assert refused.field == "code"


@pytest.mark.parametrize(
    "inspected_at",
    ["0001-01-01T00:00:00+14:00", "9999-12-31T23:00:00-10:00", "2024-06-01T09:00:00+08:00"],
    ids=["calendar-start", "calendar-end", "years-ago"],
)
async def test_an_emergency_placed_years_off_is_the_clients_mistake_not_a_try_again(
    deps, plan, as_inspector, now, inspected_at
):
    """The calendar's far ends do not convert to China time: they once failed inside the check-in and answered
    'try again', and a log's traceback."""
    unit_id = await plan.unit()
    emergency = await plan.item(emergency=True)
    refused = await register_emergency_visit(
        deps,
        as_inspector(),
        emergency.code,
        unit_id=unit_id,
        inspected_at=datetime.fromisoformat(inspected_at),
        reason="险情",
        now=now,
    )
    assert (type(refused).__name__, refused.field) == ("Invalid", "inspectedAt")
    assert await deps.pool.fetchval("SELECT count(*) FROM visits") == 0


async def test_a_code_scanned_before_its_window_is_not_yet_valid_and_counts_nothing(deps, plan, as_unit):
    unit_id = await plan.unit()
    coded = await plan.item()
    outcome = await check_in(deps, as_unit(unit_id), coded.code, now=datetime(2025, 12, 31, 23, 0, tzinfo=CHINA))
    assert isinstance(outcome, NotYetValid)
    assert [key async for key in deps.counters.redis.scan_iter(match="wurao:cap:*")] == []


async def test_a_visit_that_fails_to_commit_gives_its_increments_back(deps, plan, as_unit, now):
    await plan.policy(version=2, county=1, across=9)
    unit_id = await plan.unit()
    coded = await plan.item(per_unit_cap=9)
    # A real PostgreSQL failure after admission (the insert raises), not a mock.
    await deps.pool.execute(
        f"""CREATE FUNCTION refuse_visit() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN RAISE EXCEPTION 'disk full'; END $$;
            CREATE TRIGGER refuse_visit BEFORE INSERT ON visits FOR EACH ROW
            WHEN (NEW.unit_id = '{unit_id}') EXECUTE FUNCTION refuse_visit();"""
    )
    failed = await check_in(deps, as_unit(unit_id), coded.code, now=now)
    assert isinstance(failed, Unavailable)
    assert await deps.counters.redis.hget(f"wurao:cap:{{{unit_id}}}:level:county:2026", "n") == "0"

    await deps.pool.execute("DROP TRIGGER refuse_visit ON visits")
    assert isinstance(await check_in(deps, as_unit(unit_id), coded.code, now=now), Visit), "the cap still has room"


async def test_taking_back_skips_a_counter_rebuilt_since_the_increment(deps, plan, now):
    unit_id = await plan.unit()
    counter = caps.across_counter(unit_id, caps.CapPolicy(1, date(2020, 1, 1), {}, 5, 1), 2026)
    await deps.counters.admit([counter], "lost-visit", counts={counter.key: 2}, now=now)
    assert await deps.counters.redis.hget(counter.key, "n") == "3"

    await deps.counters.redis.delete(counter.key)
    # Written again from PostgreSQL's count (without the lost visit) by the next check-in, which it admits.
    await deps.counters.admit([counter], "next-visit", counts={counter.key: 2}, now=now)
    assert await deps.counters.release([counter], "lost-visit") == 0
    assert await deps.counters.redis.hget(counter.key, "n") == "3"


async def test_taking_back_twice_for_one_visit_decrements_once(deps, plan, now):
    """The Redis client retries a call whose reply timed out: the second run must not decrement again."""
    unit_id = await plan.unit()
    counter = caps.across_counter(unit_id, caps.CapPolicy(1, date(2020, 1, 1), {}, 5, 1), 2026)
    await deps.counters.admit([counter], "lost-visit", counts={counter.key: 2}, now=now)
    assert await deps.counters.release([counter], "lost-visit") == 1
    assert await deps.counters.release([counter], "lost-visit") == 0
    assert await deps.counters.redis.hget(counter.key, "n") == "2"


async def test_redis_restarted_empty_mid_run_never_lets_a_unit_past_a_cap(migrated, plan, as_unit, now, tmp_path):
    await plan.policy(version=2, county=2, across=3)
    units = [await plan.unit() for _ in range(10)]
    items = [await plan.item(per_unit_cap=2) for _ in range(3)]
    redis = embedded.start_redis(tmp_path / "redis")
    try:
        async with counters.connect(redis.url) as cap_counters:
            deps = Deps(pool=migrated, counters=cap_counters, keys=plan_keys(migrated))

            async def restart():
                nonlocal redis
                await asyncio.sleep(0.3)
                port = redis.port
                await asyncio.to_thread(redis.stop)
                await asyncio.sleep(0.2)
                redis = await asyncio.to_thread(embedded.start_redis, tmp_path / "redis", port)

            outcomes, _ = await asyncio.gather(
                asyncio.gather(
                    *(_paced(i, check_in(deps, as_unit(units[i % 10]), items[i % 3].code, now=now)) for i in range(600))
                ),
                restart(),
            )
            kinds = {type(outcome).__name__ for outcome in outcomes}
            assert kinds <= {"Visit", "CapReached", "Unavailable"}
            assert "Unavailable" in kinds, "the run did overlap the restart"
            for unit_id in units:
                assert (
                    await migrated.fetchval("SELECT count(*) FROM visits WHERE unit_id = $1 AND counted", unit_id) <= 2
                )
            # After the restart the scripts were gone (NOSCRIPT) and the counters empty: both came back.
            assert isinstance(await check_in(deps, as_unit(units[0]), items[0].code, now=now), CapReached | Visit)
    finally:
        redis.stop()


async def _paced(index: int, step):
    await asyncio.sleep(index * 0.002)
    return await step


def plan_keys(pool):
    from wurao_inspection.adapters.keys import SigningKeys

    return SigningKeys(pool)


async def test_a_request_id_reused_by_another_caller_never_returns_the_first_callers_visit(
    deps, plan, as_unit, as_inspector, now
):
    unit_id = await plan.unit()
    emergency = await plan.item(exemption="emergency", emergency=True, per_unit_cap=9)
    by_unit = await check_in(deps, as_unit(unit_id), emergency.code, now=now, request_id="same")
    by_inspector = await register_emergency_visit(
        deps,
        as_inspector(),
        emergency.code,
        unit_id=unit_id,
        inspected_at=now - timedelta(days=1),
        reason="汛期堤坝险情",
        now=now,
        request_id="same",
    )
    assert type(by_unit).__name__ == type(by_inspector).__name__ == "Visit"
    assert by_inspector.id != by_unit.id


async def test_a_check_in_takes_its_locks_in_the_statement_that_reads_its_scene(database_url, deps, plan, as_unit, now):
    """A unit's first check-in, with a request id (its counter written from PostgreSQL's count): two PostgreSQL
    statements in all, its locks and scene, then its visit with its event. A round trip fewer holds the unit's lock
    for less time (migration 011)."""
    coded = await plan.item(per_unit_cap=9)
    sent: list[str] = []
    one_connection = await db.create_pool(database_url, min_size=1, max_size=1)
    try:
        async with one_connection.acquire() as conn:
            conn.add_query_logger(lambda query: sent.append(query.query))
        watched = Deps(pool=one_connection, counters=deps.counters, keys=deps.keys)
        # The connection's first check-in prepares its statements (asyncpg asks the server about their types).
        assert isinstance(await check_in(watched, as_unit(await plan.unit()), coded.code, now=now), Visit)
        sent.clear()
        visit = await check_in(watched, as_unit(await plan.unit()), coded.code, now=now, request_id="r-1")
    finally:
        await one_connection.close()

    assert isinstance(visit, Visit)
    assert len(sent) == 2, sent
    assert "check_in_hold" in sent[0]
    assert "INSERT INTO visits" in sent[1]


async def test_a_check_in_refuses_to_read_behind_its_locks_outside_read_committed(database_url, deps, plan, now):
    """Under REPEATABLE READ the read behind the locks would use a snapshot older than the wait (migration 012): the
    statement fails before it takes any lock, rather than miss a visit committed meanwhile."""
    unit_id = await plan.unit()
    coded = await plan.item()
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("SET default_transaction_isolation = 'repeatable read'")
        hold = visits.Hold(unit_id, "a request", exclusive=False)
        with pytest.raises(asyncpg.RaiseError, match="READ COMMITTED"):
            await reference.facts(conn, item_id=coded.item_id, unit_id=unit_id, on=now.date(), hold=hold)
        assert not hold.taken
        held = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        assert await conn.fetchval(held) == 0
    finally:
        await conn.close()
