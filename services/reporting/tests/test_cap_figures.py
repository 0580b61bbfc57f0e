"""Units at or near a yearly cap: counted as inspection counts a unit's caps (exempt visits never, a joint visit
once, the policy in force by date), in every region above the unit, for the unit and for the offices that visited
it, at each period's end; beside last year; only for callers whose region reaches them; in the CSV export."""

import uuid
from datetime import UTC, datetime

import pytest

from wurao_common.auth import Role
from wurao_common.testing import graphql
from wurao_reporting import testing as t
from wurao_reporting.domain import caps
from wurao_reporting.domain.figures import Sums, periods

CAPS = "caps { unitsAtCap { value lastYear change } unitsNearCap { value lastYear } }"
QUERY = f"""query($region: String!, $o: ID!, $u: ID!) {{
  regionFigures(region: $region, year: 2026) {{ wholeYear {{ {CAPS} }} quarters {{ {CAPS} }} months {{ {CAPS} }} }}
  officeFigures(officeId: $o, year: 2026) {{ wholeYear {{ {CAPS} }} }}
  unitFigures(unitId: $u, year: 2026) {{ wholeYear {{ {CAPS} }} }} }}"""
COUNTY = "439901"  # the rebuild test's visits go to 439904: nothing else in this session reaches this county
MARCH, MAY = datetime(2026, 3, 2, 2, tzinfo=UTC), datetime(2026, 5, 6, 2, tzinfo=UTC)


def village(n: int) -> tuple[str, str]:
    """(unit, region) of the n-th village committee in the test township."""
    region = f"439901101{n:03d}"
    return f"{region}-cwh", region


def visits_to(n: int, count: int, *, at: datetime = MARCH, **fields) -> list:
    unit, region = village(n)
    return [t.visit(unit=unit, unit_region=region, at=at, **fields) for _ in range(count)]


async def read(reporting, headers, region: str = COUNTY, unit: str = t.UNIT) -> dict:
    body = await graphql(reporting, QUERY, {"region": region, "o": t.OFFICE, "u": unit}, headers=headers)
    assert "errors" not in body, body
    return body["data"]


def county(jwt_keys):
    return jwt_keys.bearer(Role.COUNTY_OFFICE, COUNTY, office_id=t.OFFICE)


def standing(figures: dict) -> tuple[int, int]:
    return figures["caps"]["unitsAtCap"]["value"], figures["caps"]["unitsNearCap"]["value"]


async def test_units_at_and_near_a_cap_are_counted_as_inspection_counts_caps(apply, reporting, jwt_keys):
    joint = str(uuid.uuid4())
    await apply(
        t.cap_policy(per_level=3, across=5),  # three visits a year per level, five across levels
        *visits_to(201, 2),  # near: one county visit of room left
        *visits_to(202, 2, at=MARCH),
        *visits_to(202, 1, at=MAY),  # at the county cap from May
        *visits_to(203, 1),  # neither
        *visits_to(204, 2),
        *visits_to(204, 2, counted=False),  # exempt visits never count: still near, not at
        *visits_to(205, 1),
        *visits_to(205, 2, jointVisitId=joint, countsTowardUnit=False),  # one joint visit of two items: once
        *visits_to(206, 3, at=datetime(2025, 4, 1, 2, tzinfo=UTC)),  # at a cap last year
    )
    found = await read(reporting, county(jwt_keys), unit=village(202)[0])
    region = found["regionFigures"]
    assert standing(region["wholeYear"]) == (1, 3)
    assert region["wholeYear"]["caps"]["unitsAtCap"] == {"value": 1, "lastYear": 1, "change": 0}
    assert [standing(month) for month in region["months"]][:6] == [(0, 0), (0, 0), (0, 4), (0, 4), (1, 3), (1, 3)]
    assert [standing(quarter) for quarter in region["quarters"]] == [(0, 4), (1, 3), (1, 3), (1, 3)]
    assert standing(found["unitFigures"]["wholeYear"]) == (1, 0)
    assert standing(found["officeFigures"]["wholeYear"]) == (1, 3)  # the office visited every one of them
    township = await read(reporting, county(jwt_keys), region="439901101")
    assert standing(township["regionFigures"]["wholeYear"]) == (1, 3)
    for code, expected in ((village(202)[1], (1, 0)), (village(201)[1], (0, 1)), (village(203)[1], (0, 0))):
        assert (
            standing((await read(reporting, county(jwt_keys), region=code))["regionFigures"]["wholeYear"]) == expected
        )
    province = await read(reporting, jwt_keys.bearer(Role.PROVINCE_OFFICE, "43", office_id="43-dcs"), region="43")
    assert standing(province["regionFigures"]["wholeYear"])[0] >= 1


async def test_a_lower_cap_published_later_counts_from_the_day_it_takes_effect(apply, reporting, jwt_keys):
    unit, region = village(211)
    await apply(t.cap_policy(version=t.POLICY_VERSION + 1, per_level=3), *visits_to(211, 2))
    months = (await read(reporting, county(jwt_keys), region=region, unit=unit))["regionFigures"]["months"]
    assert [standing(month) for month in months][2:] == [(0, 1)] * 10

    lower = t.cap_policy(version=t.POLICY_VERSION + 2, per_level=2, effective_from="2026-07-01")
    assert await apply(lower, lower) == [True, False]  # and a redelivery changes nothing
    found = await read(reporting, county(jwt_keys), region=region, unit=unit)
    months = found["regionFigures"]["months"]
    assert [standing(month) for month in months][2:] == [(0, 1)] * 4 + [(1, 0)] * 6
    assert standing(found["regionFigures"]["wholeYear"]) == (1, 0)
    assert standing(found["unitFigures"]["wholeYear"]) == (1, 0)


# Regions outside each role's caller of t.CALLERS: another province, another city, the county beside the callers'
# and the village beside the unit's (written out here, not worked out with the region rule under test).
OUTSIDE = {
    Role.PROVINCE_OFFICE: ["44"],
    Role.CITY_OFFICE: ["44", "4301"],
    Role.COUNTY_OFFICE: ["44", "4301", "439902"],
    Role.INSPECTOR: ["44", "4301", "439902"],
    Role.UNIT: ["44", "4301", "439902", "439901101202"],
    Role.OBSERVER: ["44", "4301"],
}


@pytest.mark.parametrize("role", list(t.CALLERS))
async def test_every_role_sees_units_at_a_cap_in_its_own_region_and_none_elsewhere(role, apply, reporting, jwt_keys):
    await apply(t.cap_policy(version=t.POLICY_VERSION + 3, per_level=1), t.visit())  # one visit: at the cap
    caller = t.CALLERS[role]
    claims = {"office_id": caller.office_id} if caller.office_id else {"unit_id": caller.unit_id}
    headers = jwt_keys.bearer(role, caller.region, **claims)
    own = await read(reporting, headers, region=caller.region)
    assert standing(own["regionFigures"]["wholeYear"])[0] >= 1
    for outside in OUTSIDE[role]:
        assert (await read(reporting, headers, region=outside))["regionFigures"] is None, (role, outside)


def test_a_unit_is_judged_on_each_yearly_cap_its_visits_use():
    policy = caps.CapPolicy(1, datetime(2026, 1, 1).date(), {"county": 3, "city": 1, caps.ACROSS_LEVELS: 4})

    def visit(level: str, occasion: str) -> caps.CountedVisit:
        return caps.CountedVisit(occasion, "u", "439901101201", 2026, 3, level, "o", occasion)

    assert caps.standing([visit("county", "a")], policy) is None
    assert caps.standing([visit("county", "a"), visit("county", "b")], policy) == caps.NEAR_CAP
    assert caps.standing([visit("city", "a")], policy) == caps.AT_CAP
    across = [visit("county", "a"), visit("county", "b"), visit("province", "c")]
    assert caps.standing(across, policy) == caps.NEAR_CAP  # three of four across levels


def test_a_standing_is_stored_in_the_month_it_changes_and_read_as_the_sum_up_to_a_periods_end():
    policy = caps.CapPolicy(1, datetime(2026, 1, 1).date(), {"county": 2, caps.ACROSS_LEVELS: 9})
    near_in_march = caps.CountedVisit("a", "u", "439901101201", 2026, 3, "county", "o", "a")
    at_in_may = caps.CountedVisit("b", "u", "439901101201", 2026, 5, "county", "o", "b")

    stored = caps.states([near_in_march, at_in_may], [policy])

    unit = {key[3:]: value for key, value in stored.items() if key[:3] == ("unit", "u", 2026)}
    assert unit == {(3, caps.NEAR_CAP): 1, (5, caps.NEAR_CAP): -1, (5, caps.AT_CAP): 1}
    sums = Sums({(2026, month, metric): value for (month, metric), value in unit.items()})
    year, quarters, months = periods(2026)
    assert [sums.compared_at_end(m, caps.NEAR_CAP).value for m in months[:6]] == [0, 0, 1, 1, 0, 0]
    assert [sums.compared_at_end(q, caps.AT_CAP).value for q in quarters] == [0, 1, 1, 1]
    assert sums.compared_at_end(year, caps.AT_CAP).value == 1


def test_an_office_that_visits_a_unit_already_near_a_cap_counts_it_from_its_own_visit():
    policy = caps.CapPolicy(1, datetime(2026, 1, 1).date(), {"county": 3, "city": 3, caps.ACROSS_LEVELS: 9})
    county_visits = [caps.CountedVisit(v, "u", "439901101201", 2026, 3, "county", "county-o", v) for v in "ab"]
    city_visit = caps.CountedVisit("c", "u", "439901101201", 2026, 5, "city", "city-o", "c")

    stored = caps.states([*county_visits, city_visit], [policy])

    assert {key: value for key, value in stored.items() if key[0] == "office"} == {
        ("office", "county-o", 2026, 3, caps.NEAR_CAP): 1,
        ("office", "city-o", 2026, 5, caps.NEAR_CAP): 1,
    }
    assert stored[("unit", "u", 2026, 3, caps.NEAR_CAP)] == 1
    assert stored[("unit", "u", 2026, 5, caps.NEAR_CAP)] == 0  # still near, nothing changes for the unit
