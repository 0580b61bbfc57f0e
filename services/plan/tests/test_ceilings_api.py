"""The ceiling "only decrease" (只减不增) over GraphQL: each year's ceiling derived from the year before, the
province office lowering it with a reason (never raising it), emergencies outside it, and who may see it."""

import uuid

import pytest

from wurao_common.auth import Role
from wurao_common.testing import china_today, graphql

THIS_YEAR = china_today().year
NEXT_YEAR = THIS_YEAR + 1
CEILING_FIELDS = "officeId year ceiling baseline lastYearActual derivedCeiling loweredReason emergencyCount"
CEILING = f"query($id: ID!, $year: Int!) {{ office(id: $id) {{ ceiling(year: $year) {{ {CEILING_FIELDS} }} }} }}"
LOWER = f"""mutation($id: ID!, $year: Int!, $ceiling: Int!, $reason: String!, $requestId: String) {{
  lowerCeiling(officeId: $id, year: $year, ceiling: $ceiling, reason: $reason, requestId: $requestId) {{
    __typename ... on Ceiling {{ {CEILING_FIELDS} }} ... on NotAllowed {{ reason }}
    ... on InvalidInput {{ field reason }} ... on Conflict {{ reason }} }} }}"""
DRAFT = "mutation($year: Int!) { draftPlan(year: $year) { ... on Plan { id } } }"
ADD = "mutation($plan: ID!, $item: ItemInput!) { addItem(planId: $plan, item: $item) { __typename } }"
APPROVE = """mutation($plan: ID!) { approvePlan(planId: $plan) { __typename ... on Plan { status }
  ... on CeilingExceeded { planned filed ceiling reason } } }"""
SUBMIT = """mutation($plan: ID!) { submitPlan(planId: $plan) { __typename ... on Plan { status }
  ... on CeilingExceeded { year planned filed total lastYearActual ceiling reason } } }"""

PROVINCE = (Role.PROVINCE_OFFICE, "43", "43-dcs")
JIAHE = (Role.COUNTY_OFFICE, "431024", "431024-dcs")
CHENZHOU = (Role.CITY_OFFICE, "4310", "4310-dcs")
CHANGSHA = (Role.CITY_OFFICE, "4301", "4301-dcs")


@pytest.fixture
async def jiahe_approved_this_year(insert_item):
    """Jiahe's supervision office has 3 items approved this year, and an emergency filing apart."""
    for _ in range(3):
        await insert_item("431024-dcs", year=THIS_YEAR)
    await insert_item("431024-dcs", year=THIS_YEAR, emergency=True, exemption="emergency", exemption_reason="险情")


def item(n: int) -> dict:
    return {
        "kind": "SUPERVISION",
        "title": f"专项督查 {n}",
        "basis": "汛期临近，需到现场核实",
        "content": "直插现场看实效",
        "scopeRegions": ["431024106"],
        "scopeUnitKinds": ["VILLAGE_COMMITTEE"],
        "windowStart": f"{NEXT_YEAR}-04-01",
        "windowEnd": f"{NEXT_YEAR}-12-31",
        "inspectors": [{"name": "陈跃辉", "title": "县委督查室主任"}],
    }


async def test_next_years_plan_over_this_years_actual_is_refused_with_the_numbers(as_staff, jiahe_approved_this_year):
    jiahe = as_staff(JIAHE)
    plan_id = (await jiahe(DRAFT, year=NEXT_YEAR))["draftPlan"]["id"]
    for n in range(4):
        assert (await jiahe(ADD, plan=plan_id, item=item(n)))["addItem"]["__typename"] == "Item"

    refused = (await jiahe(SUBMIT, plan=plan_id))["submitPlan"]

    assert {key: refused[key] for key in ("year", "planned", "filed", "total", "lastYearActual", "ceiling")} == {
        "year": NEXT_YEAR,
        "planned": 4,
        "filed": 0,
        "total": 4,
        "lastYearActual": 3,
        "ceiling": 3,
    }
    shown = (await jiahe(CEILING, id="431024-dcs", year=THIS_YEAR))["office"]["ceiling"]
    assert (shown["ceiling"], shown["emergencyCount"]) == (20, 1), "the emergency is reported apart"


async def test_the_province_lowers_a_ceiling_with_its_reason_once_per_request_and_never_raises_it(
    as_staff, jiahe_approved_this_year, plan_events, pool
):
    province = as_staff(PROVINCE)
    lower = {"id": "431024-dcs", "year": NEXT_YEAR, "reason": "督查检查考核总量再压减"}

    lowered = [(await province(LOWER, **lower, ceiling=2, requestId="p-1"))["lowerCeiling"] for _ in range(2)]

    assert lowered[0] == lowered[1]
    assert (lowered[0]["ceiling"], lowered[0]["derivedCeiling"], lowered[0]["lastYearActual"]) == (2, 3, 3)
    assert lowered[0]["loweredReason"] == "督查检查考核总量再压减"
    for raised in (2, 3):
        refused = (await province(LOWER, **lower, ceiling=raised))["lowerCeiling"]
        assert refused["__typename"] == "Conflict", raised
    blank = await province(LOWER, **{**lower, "reason": " "}, ceiling=1)
    assert blank["lowerCeiling"]["field"] == "reason"
    await plan_events.settle(pool)
    (event,) = plan_events.of_type("plan.ceiling.lowered")
    assert (event.region, event.data) == (
        "431024",
        {
            "officeId": "431024-dcs",
            "year": NEXT_YEAR,
            "ceiling": 2,
            "previousCeiling": 3,
            "reason": "督查检查考核总量再压减",
            "loweredByOfficeId": "43-dcs",
        },
    )


async def test_only_the_province_office_lowers_a_ceiling(as_staff, pool):
    lower = {"id": "431024-dcs", "year": NEXT_YEAR, "ceiling": 1, "reason": "压减"}
    for who in (JIAHE, CHENZHOU, CHANGSHA):
        assert (await as_staff(who)(LOWER, **lower))["lowerCeiling"]["__typename"] == "NotAllowed", who
    assert await pool.fetchval("SELECT count(*) FROM ceiling_lowerings") == 0


async def test_a_ceiling_is_shown_only_to_readers_of_the_offices_workings(as_staff, plan, jwt_keys):
    variables = {"id": "431024-dcs", "year": THIS_YEAR}
    for who in (JIAHE, CHENZHOU, PROVINCE):
        assert (await as_staff(who)(CEILING, **variables))["office"]["ceiling"]["ceiling"] == 20, who
    outside = (await as_staff(CHANGSHA)(CEILING, **variables))["office"]
    assert outside is None or outside["ceiling"] is None
    unit = jwt_keys.bearer(Role.UNIT, "431024106201", unit_id="431024106201-cwh")
    body = await graphql(plan, CEILING, variables, headers=unit)
    assert body["data"]["office"]["ceiling"] is None, "a unit sees the office above it, not its workings"


async def test_a_ceiling_past_next_year_is_refused_clearly_without_working_out_the_years_between(
    plan, jwt_keys, jiahe_approved_this_year
):
    """Deriving a ceiling walks year by year from the first with items: the largest Int once kept a replica busy
    for minutes."""
    headers = jwt_keys.bearer(Role.COUNTY_OFFICE, "431024", office_id="431024-dcs")
    body = await graphql(plan, CEILING, {"id": "431024-dcs", "year": 2_147_483_647}, headers=headers)
    assert body["data"] == {"office": {"ceiling": None}}
    assert body["errors"][0]["message"] == f"ceilings are set for {NEXT_YEAR} at the latest, not 2147483647"
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    ahead = await graphql(plan, CEILING, {"id": "431024-dcs", "year": NEXT_YEAR}, headers=headers)
    assert ahead["data"]["office"]["ceiling"]["ceiling"] == 3  # next year's is still answered


async def test_a_plan_submitted_before_the_province_lowered_its_ceiling_is_not_approved_over_it(
    as_staff, jiahe_approved_this_year, pool
):
    jiahe, chenzhou, province = as_staff(JIAHE, "chen"), as_staff(CHENZHOU, "reviewer"), as_staff(PROVINCE)
    plan_id = (await jiahe(DRAFT, year=NEXT_YEAR))["draftPlan"]["id"]
    for n in range(3):
        await jiahe(ADD, plan=plan_id, item=item(n))
    assert (await jiahe(SUBMIT, plan=plan_id))["submitPlan"]["status"] == "SUBMITTED"  # 3 items, ceiling 3
    lowered = await province(LOWER, id="431024-dcs", year=NEXT_YEAR, ceiling=2, reason="督查检查考核总量再压减")
    assert lowered["lowerCeiling"]["ceiling"] == 2

    refused = (await chenzhou(APPROVE, plan=plan_id))["approvePlan"]

    assert refused["__typename"] == "CeilingExceeded", refused
    assert (refused["planned"], refused["filed"], refused["ceiling"]) == (3, 0, 2), refused["reason"]
    plan_uuid = uuid.UUID(plan_id)
    assert await pool.fetchval("SELECT status FROM plans WHERE id = $1", plan_uuid) == "submitted"
    statuses = await pool.fetch("SELECT status FROM items WHERE plan_id = $1", plan_uuid)
    assert {row["status"] for row in statuses} == {"draft"}, "no item of the plan is approved"
