"""The ceiling "only decrease" (只减不增) through the gateway: the province supervision office lowers a county
office's ceiling with its reason, never raises it, and a plan over it is refused with the numbers; no office
outside the province's rules lowers it and none outside the region reads it."""

from datetime import datetime

import pytest

from wurao_common.auth import Role
from wurao_reporting.domain.periods import CHINA

pytestmark = pytest.mark.e2e

OFFICE, REGION = "430421-dcs", "430421"  # 衡阳县委督查室, registered by Hengyang's office in the demo seed
NEXT_YEAR = datetime.now(CHINA).year + 1
REASON = "督查检查考核总量再压减"
CEILING = """query($id: ID!, $year: Int!) { office(id: $id) { ceiling(year: $year) {
  ceiling baseline lastYearActual loweredReason } } }"""
LOWER = """mutation($id: ID!, $year: Int!, $ceiling: Int!, $reason: String!) {
  lowerCeiling(officeId: $id, year: $year, ceiling: $ceiling, reason: $reason) {
    __typename ... on Ceiling { ceiling baseline loweredReason } } }"""
DRAFT = "mutation($year: Int!) { draftPlan(year: $year) { __typename ... on Plan { id } } }"
ADD = "mutation($plan: ID!, $item: ItemInput!) { addItem(planId: $plan, item: $item) { __typename } }"
SUBMIT = """mutation($plan: ID!) { submitPlan(planId: $plan) { __typename
  ... on CeilingExceeded { year planned filed total lastYearActual ceiling reason } } }"""


def item(n: int) -> dict:
    return {
        "kind": "SUPERVISION",
        "title": f"防汛备汛专项督查 {n}",
        "basis": "汛期临近，需到现场核实",
        "content": "直插现场看实效",
        "scopeRegions": [REGION],
        "scopeUnitKinds": ["VILLAGE_COMMITTEE"],
        "windowStart": f"{NEXT_YEAR}-04-01",
        "windowEnd": f"{NEXT_YEAR}-09-30",
        "inspectors": [{"name": "刘建华", "title": "县委督查室副主任"}],
    }


async def test_the_province_lowers_a_ceiling_never_raises_it_and_a_plan_over_it_is_refused_with_the_numbers(
    platform, call
):
    province = platform.keys.token(Role.PROVINCE_OFFICE, "43", office="43-dcs")
    county = platform.keys.token(Role.COUNTY_OFFICE, REGION, office=OFFICE)
    lower = {"id": OFFICE, "year": NEXT_YEAR, "reason": REASON}

    lowered = (await call(LOWER, {**lower, "ceiling": 1}, province))["lowerCeiling"]
    assert lowered == {"__typename": "Ceiling", "ceiling": 1, "baseline": 12, "loweredReason": REASON}
    raised = (await call(LOWER, {**lower, "ceiling": 5}, province))["lowerCeiling"]
    assert raised["__typename"] == "Conflict"

    plan_id = (await call(DRAFT, {"year": NEXT_YEAR}, county))["draftPlan"]["id"]
    for n in range(2):
        assert (await call(ADD, {"plan": plan_id, "item": item(n)}, county))["addItem"]["__typename"] == "Item"
    refused = (await call(SUBMIT, {"plan": plan_id}, county))["submitPlan"]

    shown = (await call(CEILING, {"id": OFFICE, "year": NEXT_YEAR}, county))["office"]["ceiling"]
    assert (shown["ceiling"], shown["loweredReason"]) == (1, REASON)
    assert refused["__typename"] == "CeilingExceeded"
    assert {key: refused[key] for key in ("year", "planned", "filed", "total", "ceiling", "lastYearActual")} == {
        "year": NEXT_YEAR,
        "planned": 2,
        "filed": 0,
        "total": 2,
        "ceiling": 1,
        "lastYearActual": shown["lastYearActual"],
    }
    assert "exceed the ceiling of 1" in refused["reason"]


async def test_no_office_but_the_provinces_lowers_a_ceiling_and_none_outside_the_region_reads_it(platform, call):
    lower = {"id": OFFICE, "year": NEXT_YEAR, "ceiling": 0, "reason": REASON}
    for role, region, office in (
        (Role.COUNTY_OFFICE, REGION, OFFICE),  # the office itself
        (Role.CITY_OFFICE, "4304", "4304-dcs"),  # Hengyang's, which registered it
        (Role.CITY_OFFICE, "4301", "4301-dcs"),  # Changsha's, outside its region
    ):
        token = platform.keys.token(role, region, office=office)
        assert (await call(LOWER, lower, token))["lowerCeiling"]["__typename"] == "NotAllowed", office

    for role, region, office in ((Role.CITY_OFFICE, "4301", "4301-dcs"), (Role.COUNTY_OFFICE, "430112", "430112-dcs")):
        outside = platform.keys.token(role, region, office=office)
        found = (await call(CEILING, {"id": OFFICE, "year": NEXT_YEAR}, outside))["office"]
        assert found is None or found["ceiling"] is None, office
    observer = platform.keys.token(Role.OBSERVER, "4301")
    found = (await call(CEILING, {"id": OFFICE, "year": NEXT_YEAR}, observer))["office"]
    assert found is None or found["ceiling"] is None
