"""The plan subgraph over HTTP, in process, on real PostgreSQL and NATS."""

import asyncio
from datetime import UTC, datetime

import pytest

from wurao_common import db
from wurao_common.auth import Caller, Role
from wurao_common.mirror import Mirror
from wurao_common.outcomes import Invalid
from wurao_common.testing import china_today, graphql, serving
from wurao_plan.api.context import PlanContext
from wurao_plan.app import create_app
from wurao_plan.seed.demo import STORY_COUNTIES, load_demo
from wurao_plan.seed.regions import load_regions
from wurao_plan.usecases.plans import draft_plan

THIS_YEAR = china_today().year
NEXT_YEAR = THIS_YEAR + 1

DRAFT = (
    "mutation($year: Int!) { draftPlan(year: $year) { __typename ... on Plan { id year status } "
    "... on NotAllowed { reason } ... on InvalidInput { field reason } ... on Conflict { reason } } }"
)


@pytest.fixture
async def plan(plan_settings, pool):
    async with serving(create_app(plan_settings())) as client:
        async with pool.acquire() as conn:
            await load_regions(conn, subtrees=STORY_COUNTIES)
            await load_demo(conn)
        yield client


async def test_an_office_drafts_its_plan_and_the_event_is_recorded_with_it(plan, jwt_keys, pool):
    headers = jwt_keys.bearer(Role.COUNTY_OFFICE, "431024", office_id="431024-dcs")
    body = await graphql(plan, DRAFT, {"year": THIS_YEAR}, headers=headers)
    assert body["data"]["draftPlan"]["__typename"] == "Plan"
    assert body["data"]["draftPlan"]["status"] == "DRAFT"
    stored = await pool.fetchval("SELECT count(*) FROM plans WHERE office_id = '431024-dcs' AND year = $1", THIS_YEAR)
    assert stored == 1


async def test_a_second_plan_for_the_same_year_is_a_typed_conflict_and_changes_nothing(plan, jwt_keys, pool):
    headers = jwt_keys.bearer(Role.COUNTY_OFFICE, "431024", office_id="431024-dcs")
    await graphql(plan, DRAFT, {"year": THIS_YEAR}, headers=headers)
    body = await graphql(plan, DRAFT, {"year": THIS_YEAR}, headers=headers)
    assert body["data"]["draftPlan"]["__typename"] == "Conflict"
    assert await pool.fetchval("SELECT count(*) FROM plans") == 1


async def test_a_caller_outside_the_offices_region_may_not_draft_for_it(plan, jwt_keys, pool):
    headers = jwt_keys.bearer(Role.COUNTY_OFFICE, "4304", office_id="431024-dcs")
    body = await graphql(plan, DRAFT, {"year": THIS_YEAR}, headers=headers)
    assert body["data"]["draftPlan"]["__typename"] == "NotAllowed"
    assert await pool.fetchval("SELECT count(*) FROM plans") == 0


async def test_a_year_already_past_is_invalid_input(plan, jwt_keys):
    headers = jwt_keys.bearer(Role.COUNTY_OFFICE, "431024", office_id="431024-dcs")
    body = await graphql(plan, DRAFT, {"year": 2001}, headers=headers)
    refused = body["data"]["draftPlan"]
    assert (refused["__typename"], refused["field"]) == ("InvalidInput", "year")
    assert refused["reason"].endswith(", not 2001"), refused


async def test_offices_outside_the_callers_region_are_invisible(plan, jwt_keys):
    body = await graphql(plan, "{ offices { id } }", headers=jwt_keys.bearer(Role.CITY_OFFICE, "4310"))
    assert {office["id"] for office in body["data"]["offices"]} == {"4310-dcs", "431024-dcs", "431024-yjj"}
    body = await graphql(plan, '{ office(id: "4301-dcs") { id } }', headers=jwt_keys.bearer(Role.CITY_OFFICE, "4310"))
    assert body["data"]["office"] is None


OFFICE_PLANS = (
    "query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Office { id plans { year status } } } }"
)


async def test_each_federated_office_gets_its_own_plans_from_one_query_for_all(plan, jwt_keys, pool, database_url):
    for office, region in (("431024-dcs", "431024"), ("4310-dcs", "4310")):
        headers = jwt_keys.bearer(
            Role.COUNTY_OFFICE if len(region) == 6 else Role.CITY_OFFICE, region, office_id=office
        )
        for year in (THIS_YEAR, NEXT_YEAR):
            assert (await graphql(plan, DRAFT, {"year": year}, headers=headers))["data"]["draftPlan"]["year"] == year
    reps = [{"__typename": "Office", "id": office} for office in ("431024-dcs", "430112-dcs", "4310-dcs")]
    body = await graphql(plan, OFFICE_PLANS, {"reps": reps}, headers=jwt_keys.bearer(Role.PROVINCE_OFFICE, "43"))
    drafted = [{"year": THIS_YEAR, "status": "DRAFT"}, {"year": NEXT_YEAR, "status": "DRAFT"}]
    assert body["data"]["_entities"] == [
        {"id": "431024-dcs", "plans": drafted},
        {"id": "430112-dcs", "plans": []},
        {"id": "4310-dcs", "plans": drafted},
    ]

    # The loader behind Office.plans: three offices asked for at once are one SELECT on plans.
    one = await db.create_pool(database_url, min_size=1, max_size=1)
    try:
        async with one.acquire() as conn:
            sent: list[str] = []
            conn._con.add_query_logger(lambda record: sent.append(record.query))  # the pooled connection itself
        context = PlanContext(
            caller=Caller("p", Role.PROVINCE_OFFICE, "43"), pool=one, codes=None, offices=Mirror(lambda _ids: {})
        )
        loaded = await asyncio.gather(
            *(context.office_plans_loader.load(office) for office in ("431024-dcs", "430112-dcs", "4310-dcs"))
        )
    finally:
        await one.close()
    assert [[plan.year for plan in plans] for plans in loaded] == [[THIS_YEAR, NEXT_YEAR], [], [THIS_YEAR, NEXT_YEAR]]
    assert sum("FROM plans" in query for query in sent) == 1


async def test_after_16_utc_on_new_years_eve_plans_are_judged_in_chinas_new_year(plan, pool):
    """China has turned the year while UTC has not: last year's plan is refused, the year after next is not."""
    office = Caller(subject="jiahe-officer", role=Role.COUNTY_OFFICE, region="431024", office_id="431024-dcs")
    refused = await draft_plan(pool, office, 2026, today=datetime(2026, 12, 31, 16, 30, tzinfo=UTC))
    assert isinstance(refused, Invalid)
    assert refused.reason == "a plan may be drafted for 2027 or 2028, not 2026"
