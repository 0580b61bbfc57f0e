"""A check-in refused at a cap leaves a trace (a refusal of origin check_in and its event), so offices can see
where caps bite; refusals are listed to whom may read them, filtered and paged in SQL."""

import json
from datetime import timedelta

from wurao_common.auth import Caller, Role
from wurao_inspection.domain.feedback import RefusalOrigin, RefusalReason
from wurao_inspection.domain.scan import CapReached
from wurao_inspection.domain.visits import Visit
from wurao_inspection.usecases.refusals import refusals_for, refuse
from wurao_inspection.usecases.visits import check_in


async def capped_events(pool, unit_id: str) -> list[dict]:
    rows = await pool.fetch("SELECT payload FROM outbox WHERE subject LIKE 'wurao.inspection.check_in.capped.%'")
    events = (json.loads(row["payload"])["data"] for row in rows)
    return [event for event in events if event["unitId"] == unit_id]


async def test_a_capped_check_in_is_recorded_as_a_refusal_with_the_full_caps_and_an_event(deps, plan, as_unit, now):
    unit_id = await plan.unit()
    coded = await plan.item(per_unit_cap=1)
    assert isinstance(await check_in(deps, as_unit(unit_id), coded.code, now=now), Visit)

    capped = await check_in(deps, as_unit(unit_id), coded.code, now=now, request_id="again")
    retried = await check_in(deps, as_unit(unit_id), coded.code, now=now, request_id="again")

    assert isinstance(capped, CapReached)
    assert isinstance(retried, CapReached)
    found = await refusals_for(deps.pool, as_unit(unit_id), unit_id=None, reason=None, after=None, limit=10)
    assert len(found) == 1, "a retried check-in is recorded once"
    refusal = found[0]
    assert (refusal.origin, refusal.reason, refusal.item_id) == (
        RefusalOrigin.CHECK_IN,
        RefusalReason.CAP_REACHED,
        coded.item_id,
    )
    assert [(cap.scope, cap.used, cap.allowed) for cap in refusal.exhausted] == [("item", 1, 1)]
    events = await capped_events(deps.pool, unit_id)
    assert [(event["refusalId"], event["exhausted"][0]["scope"]) for event in events] == [(refusal.id, "item")]


async def test_refusals_are_listed_only_to_whom_may_read_them_newest_first_and_paged(
    deps, plan, as_unit, as_inspector, now
):
    unit_id, other_unit = await plan.unit(), await plan.unit()
    coded = await plan.item(per_unit_cap=1)
    assert isinstance(await check_in(deps, as_unit(unit_id), coded.code, now=now), Visit)
    assert isinstance(await check_in(deps, as_unit(unit_id), coded.code, now=now), CapReached)
    later = now + timedelta(minutes=5)
    await refuse(deps, as_unit(unit_id), RefusalReason.NO_CODE, now=later, note="没有亮码")
    await refuse(deps, as_unit(other_unit), RefusalReason.NO_CODE, now=now)

    def listing(caller, **filters):
        return refusals_for(
            deps.pool, caller, **({"unit_id": None, "reason": None, "after": None, "limit": 10} | filters)
        )

    mine = await listing(as_unit(unit_id), unit_id=other_unit)
    assert {r.unit_id for r in mine} == {unit_id}, "a unit sees only its own, whatever it asks for"
    assert [r.origin for r in mine] == [RefusalOrigin.UNIT, RefusalOrigin.CHECK_IN], "newest first"
    county = Caller(subject="o", role=Role.COUNTY_OFFICE, region="431024", office_id="431024-dcs")
    both = await listing(county, unit_id=unit_id)
    assert len(both) == 2
    page = await listing(county, unit_id=unit_id, limit=1)
    rest = await listing(county, unit_id=unit_id, limit=1, after=page[0].id)
    assert [r.id for r in page + rest] == [r.id for r in both]
    capped_only = await listing(county, unit_id=unit_id, reason=RefusalReason.CAP_REACHED)
    assert [r.origin for r in capped_only] == [RefusalOrigin.CHECK_IN]
    inspector = await listing(as_inspector(), unit_id=unit_id)
    assert [r.office_id for r in inspector] == ["431024-dcs"], "an inspector sees those under its office's codes"
    elsewhere = Caller(subject="o", role=Role.COUNTY_OFFICE, region="430112", office_id="430112-dcs")
    assert await listing(elsewhere) == []
