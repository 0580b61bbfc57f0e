"""Joint inspections (联合检查) on real PostgreSQL and Redis: one occasion under several codes, admitted all or
nothing, counted once on the unit's yearly counters and once on each item's own counter."""

import asyncio
import json
from collections import Counter as Tally

from wurao_inspection.domain.joint import JointRefused, JointVisit
from wurao_inspection.domain.scan import CapReached, Revoked, Valid
from wurao_inspection.domain.visits import Visit
from wurao_inspection.usecases import counting
from wurao_inspection.usecases.scan import verify_code
from wurao_inspection.usecases.visits import check_in, check_in_joint

CITY = {"office_id": "4310-dcs", "office_level": "city", "office_region": "4310", "scope_regions": ("4310",)}


async def occasions(pool, unit_id: str) -> int:
    return await pool.fetchval(
        "SELECT count(DISTINCT coalesce(joint_visit_id, id)) FROM visits WHERE unit_id = $1 AND counted", unit_id
    )


async def counter(deps, unit_id: str, rest: str) -> str | None:
    return await deps.counters.redis.hget(f"wurao:cap:{{{unit_id}}}:{rest}", "n")


async def test_200_concurrent_joint_check_ins_where_the_yearly_cap_has_room_for_one_admit_exactly_one(
    deps, plan, as_unit, now, disagreements
):
    await plan.policy(version=2, county=10, across=1)
    unit_id = await plan.unit()
    first, second = await plan.item(per_unit_cap=50), await plan.item(office_id="431024-zfb", per_unit_cap=50)
    lead = await deps.pool.fetchval("SELECT code_number FROM items WHERE id = $1::uuid", first.item_id) + "/1"

    outcomes = await asyncio.gather(
        *(check_in_joint(deps, as_unit(unit_id), [first.code, second.code], lead=lead, now=now) for _ in range(200))
    )

    assert Tally(type(outcome).__name__ for outcome in outcomes) == {"JointVisit": 1, "JointRefused": 199}
    refused = next(outcome for outcome in outcomes if isinstance(outcome, JointRefused))
    assert all(isinstance(verdict, CapReached) for verdict in refused.outcomes), "both codes name the full cap"
    assert await occasions(deps.pool, unit_id) == 1
    assert await deps.pool.fetchval("SELECT count(*) FROM visits WHERE unit_id = $1", unit_id) == 2
    assert await counter(deps, unit_id, "all:2026") == "1"
    assert await disagreements(deps.counters.redis, deps.pool) == []


async def test_a_joint_visit_of_two_offices_counts_once_for_the_unit_and_once_on_each_item(
    deps, plan, as_unit, now, disagreements
):
    unit_id = await plan.unit()
    county, city = await plan.item(), await plan.item(**CITY)
    lead = await deps.pool.fetchval("SELECT code_number FROM items WHERE id = $1::uuid", city.item_id) + "/1"

    occasion = await check_in_joint(deps, as_unit(unit_id), [county.code, city.code], lead=lead, now=now)

    assert isinstance(occasion, JointVisit)
    assert set(occasion.office_ids) == {"431024-dcs", "4310-dcs"}
    assert occasion.lead.id == lead
    assert await counter(deps, unit_id, "all:2026") == "1"
    assert await counter(deps, unit_id, "level:county:2026") == "1"
    assert await counter(deps, unit_id, "level:city:2026") == "1"
    assert await counter(deps, unit_id, f"item:{county.item_id}") == "1"
    assert await counter(deps, unit_id, f"item:{city.item_id}") == "1"
    payloads = await deps.pool.fetch(
        "SELECT payload FROM outbox WHERE subject LIKE 'wurao.inspection.visit.checked_in.%'"
    )
    events = [
        event["data"]
        for event in (json.loads(row["payload"]) for row in payloads)
        if event["data"]["jointVisitId"] == occasion.id
    ]
    assert len(events) == 2, "one checked_in per item, for each item's own story and office"
    assert sorted(event["countsTowardUnit"] for event in events) == [False, True], "the unit's figures count it once"
    assert {event["jointVisitId"] for event in events} == {occasion.id}
    assert await disagreements(deps.counters.redis, deps.pool) == []


async def test_one_refused_code_refuses_the_whole_joint_visit_and_counts_nothing(deps, plan, as_unit, now):
    unit_id = await plan.unit()
    good, revoked = await plan.item(), await plan.item(office_id="431024-zfb")
    await plan.revoke(revoked.item_id)
    lead = await deps.pool.fetchval("SELECT code_number FROM items WHERE id = $1::uuid", good.item_id) + "/1"

    outcome = await check_in_joint(deps, as_unit(unit_id), [good.code, revoked.code], lead=lead, now=now)

    assert isinstance(outcome, JointRefused)
    assert [type(verdict) for verdict in outcome.outcomes] == [Valid, Revoked]
    assert await deps.pool.fetchval("SELECT count(*) FROM visits WHERE unit_id = $1", unit_id) == 0
    assert await counter(deps, unit_id, "all:2026") in (None, "0")


async def test_a_joint_visit_refused_for_another_code_still_names_a_code_whose_cap_is_reached(deps, plan, as_unit, now):
    """What each code verified as, as a scan of it says: a code whose cap is reached is CapReached, not Valid, even
    when the joint visit is refused for another code."""
    await plan.policy(version=2, county=1, across=9)
    unit_id = await plan.unit()
    assert isinstance(await check_in(deps, as_unit(unit_id), (await plan.item()).code, now=now), Visit)
    capped, revoked = await plan.item(), await plan.item(office_id="431024-zfb")
    await plan.revoke(revoked.item_id)
    lead = await deps.pool.fetchval("SELECT code_number FROM items WHERE id = $1::uuid", capped.item_id) + "/1"

    outcome = await check_in_joint(deps, as_unit(unit_id), [capped.code, revoked.code], lead=lead, now=now)

    assert isinstance(await verify_code(deps, as_unit(unit_id), capped.code, now=now), CapReached)
    assert isinstance(outcome, JointRefused)
    assert [type(verdict) for verdict in outcome.outcomes] == [CapReached, Revoked]
    assert [(entry.counter.scope, entry.used) for entry in outcome.outcomes[0].exhausted] == [("level", 1)]


async def test_a_retried_joint_check_in_returns_the_first_joint_visit_and_counts_once(deps, plan, as_unit, now):
    unit_id = await plan.unit()
    first, second = await plan.item(per_unit_cap=5), await plan.item(office_id="431024-zfb", per_unit_cap=5)
    lead = await deps.pool.fetchval("SELECT code_number FROM items WHERE id = $1::uuid", first.item_id) + "/1"
    codes = [first.code, second.code]

    answers = await asyncio.gather(
        *(check_in_joint(deps, as_unit(unit_id), codes, lead=lead, now=now, request_id="r-1") for _ in range(5))
    )

    assert {answer.id for answer in answers} == {answers[0].id}
    assert await counter(deps, unit_id, "all:2026") == "1"
    assert await deps.pool.fetchval("SELECT count(*) FROM visits WHERE unit_id = $1", unit_id) == 2


async def test_the_lead_must_be_on_a_code_and_only_the_unit_admits(deps, plan, as_unit, as_inspector, now):
    unit_id = await plan.unit()
    first, second = await plan.item(), await plan.item(office_id="431024-zfb")
    codes = [first.code, second.code]

    unknown = await check_in_joint(deps, as_unit(unit_id), codes, lead="nobody/1", now=now)
    by_inspector = await check_in_joint(deps, as_inspector(), codes, lead="nobody/1", now=now)
    one_code = await check_in_joint(deps, as_unit(unit_id), codes[:1], lead="nobody/1", now=now)

    assert (type(unknown).__name__, unknown.field) == ("Invalid", "lead")
    assert type(by_inspector).__name__ == "NotAllowed"
    assert (type(one_code).__name__, one_code.field) == ("Invalid", "codes")
    assert await deps.pool.fetchval("SELECT count(*) FROM visits WHERE unit_id = $1", unit_id) == 0


async def test_reconciliation_and_rebuild_count_a_joint_visit_once(deps, plan, as_unit, now, disagreements):
    await plan.policy(version=2, county=10, across=2)
    unit_id = await plan.unit()
    first, second = await plan.item(per_unit_cap=5), await plan.item(office_id="431024-zfb", per_unit_cap=5)
    lead = await deps.pool.fetchval("SELECT code_number FROM items WHERE id = $1::uuid", first.item_id) + "/1"
    assert isinstance(
        await check_in_joint(deps, as_unit(unit_id), [first.code, second.code], lead=lead, now=now), JointVisit
    )
    await deps.counters.redis.hset(f"wurao:cap:{{{unit_id}}}:all:2026", "n", 2)  # as if counted per item

    repairs = await counting.reconcile(deps.pool, deps.counters)

    assert [(repair.held, repair.counted) for repair in repairs] == [(2, 1)]
    await deps.counters.redis.flushall()  # lost: rebuilt from PostgreSQL before the next decision
    assert isinstance(await check_in(deps, as_unit(unit_id), first.code, now=now), Visit), "room for one more"
    assert await counter(deps, unit_id, "all:2026") == "2"
    assert await counter(deps, unit_id, f"item:{first.item_id}") == "2"
    assert await disagreements(deps.counters.redis, deps.pool) == []
