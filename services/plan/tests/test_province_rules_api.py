"""Cap policies and the negative list through the plan subgraph: seeded, versioned, published by the province."""

import asyncio
from datetime import datetime, timedelta

import pytest

from wurao_common.auth import Role
from wurao_common.testing import graphql, serving
from wurao_plan.app import create_app
from wurao_plan.domain.codes import CHINA
from wurao_plan.domain.negative_list import DEFAULT_ENTRIES

POLICY_FIELDS = (
    "version effectiveFrom perLevelPerYear { province city county } acrossLevelsPerYear defaultPerItemPerUnit"
)
PUBLISH_POLICY = f"""mutation($policy: CapPolicyInput!) {{ publishCapPolicy(policy: $policy) {{ __typename
  ... on CapPolicy {{ {POLICY_FIELDS} }} ... on NotAllowed {{ reason }} ... on InvalidInput {{ field reason }} }} }}"""
POLICY_ON = f"query($on: Date) {{ capPolicy(on: $on) {{ {POLICY_FIELDS} }} capPolicies {{ version }} }}"
PUBLISH_LIST = """mutation($entries: [NegativeListEntryInput!]!) { publishNegativeList(entries: $entries) {
  __typename ... on NegativeList { version entries { code text } }
  ... on NotAllowed { reason } ... on InvalidInput { field reason } ... on Conflict { reason } } }"""
LISTS = "{ currentNegativeList { version entries { code text } } negativeListHistory { version } }"

PROVINCE = (Role.PROVINCE_OFFICE, "43")
DEFAULT_POLICY = {
    "version": 1,
    "effectiveFrom": "2024-01-01",
    "perLevelPerYear": {"province": 2, "city": 2, "county": 2},
    "acrossLevelsPerYear": 4,
    "defaultPerItemPerUnit": 1,
}


def today() -> datetime:
    return datetime.now(CHINA)


def policy_input(effective_from: str, *, city: int = 1) -> dict:
    return {
        "effectiveFrom": effective_from,
        "perLevelPerYear": {"province": 1, "city": city, "county": 2},
        "acrossLevelsPerYear": 3,
        "defaultPerItemPerUnit": 1,
    }


def bearer(jwt_keys, role: Role, region: str) -> dict[str, str]:
    return jwt_keys.bearer(role, region, office_id="43-dcs" if role is Role.PROVINCE_OFFICE else None)


async def test_the_default_policy_and_negative_list_are_seeded_and_announced_once(
    plan, plan_settings, plan_events, pool, jwt_keys
):
    await plan_events.settle(pool)
    async with serving(create_app(plan_settings())):  # a restart seeds nothing twice
        await plan_events.settle(pool)
    [policy_event] = plan_events.of_type("plan.cap_policy.published")
    assert (policy_event.region, policy_event.data) == ("43", DEFAULT_POLICY)
    [list_event] = plan_events.of_type("plan.negative_list.published")
    assert list_event.data["version"] == 1
    assert list_event.data["entries"] == [{"code": entry.code, "text": entry.text} for entry in DEFAULT_ENTRIES]

    village = jwt_keys.bearer(Role.UNIT, "431024106201")
    body = await graphql(plan, POLICY_ON, headers=village)
    assert body["data"] == {"capPolicy": DEFAULT_POLICY, "capPolicies": [{"version": 1}]}
    lists = (await graphql(plan, LISTS, headers=village))["data"]
    assert lists["currentNegativeList"]["entries"] == list_event.data["entries"]
    assert len(lists["currentNegativeList"]["entries"]) >= 6


async def test_a_new_cap_policy_takes_effect_on_its_date_and_history_stays(plan, plan_events, pool, jwt_keys):
    start = (today() + timedelta(days=10)).date().isoformat()
    body = await graphql(plan, PUBLISH_POLICY, {"policy": policy_input(start)}, headers=bearer(jwt_keys, *PROVINCE))
    published = body["data"]["publishCapPolicy"]
    assert (published["__typename"], published["version"]) == ("CapPolicy", 2)

    county = jwt_keys.bearer(Role.COUNTY_OFFICE, "431024")
    now = (await graphql(plan, POLICY_ON, headers=county))["data"]
    later = (await graphql(plan, POLICY_ON, {"on": start}, headers=county))["data"]
    assert now["capPolicy"]["version"] == 1
    assert later["capPolicy"] == {key: value for key, value in published.items() if key != "__typename"}
    assert later["capPolicies"] == [{"version": 1}, {"version": 2}]

    await plan_events.settle(pool)
    assert [event.data for event in plan_events.of_type("plan.cap_policy.published")][-1] == {
        "version": 2,
        "effectiveFrom": start,
        "perLevelPerYear": {"province": 1, "city": 1, "county": 2},
        "acrossLevelsPerYear": 3,
        "defaultPerItemPerUnit": 1,
    }


@pytest.mark.parametrize(
    ("policy", "field"),
    [
        (policy_input("2099-01-01", city=0), "perLevelPerYear.city"),
        ({**policy_input("2099-01-01"), "acrossLevelsPerYear": 101}, "acrossLevelsPerYear"),
        (policy_input("2024-06-01"), "effectiveFrom"),  # never retroactive
    ],
)
async def test_an_unusable_cap_policy_is_invalid_input_and_publishes_nothing(plan, jwt_keys, pool, policy, field):
    body = await graphql(plan, PUBLISH_POLICY, {"policy": policy}, headers=bearer(jwt_keys, *PROVINCE))
    assert body["data"]["publishCapPolicy"]["field"] == field
    assert await pool.fetchval("SELECT max(version) FROM cap_policies") == 1


async def test_a_version_may_not_start_before_the_one_it_follows(plan, jwt_keys):
    headers = bearer(jwt_keys, *PROVINCE)
    later, earlier = (today() + timedelta(days=20)).date(), (today() + timedelta(days=5)).date()
    await graphql(plan, PUBLISH_POLICY, {"policy": policy_input(later.isoformat())}, headers=headers)
    body = await graphql(plan, PUBLISH_POLICY, {"policy": policy_input(earlier.isoformat())}, headers=headers)
    assert body["data"]["publishCapPolicy"]["field"] == "effectiveFrom"


async def test_the_province_office_publishes_a_new_negative_list_and_history_stays(plan, plan_events, pool, jwt_keys):
    entries = [{"code": "N01", "text": "不查无必要的资料材料"}, {"code": "N11", "text": "不要求提供工作群截图"}]
    body = await graphql(plan, PUBLISH_LIST, {"entries": entries}, headers=bearer(jwt_keys, *PROVINCE))
    assert body["data"]["publishNegativeList"] == {"__typename": "NegativeList", "version": 2, "entries": entries}
    lists = (await graphql(plan, LISTS, headers=jwt_keys.bearer(Role.INSPECTOR, "4304")))["data"]
    assert lists == {
        "currentNegativeList": {"version": 2, "entries": entries},
        "negativeListHistory": [{"version": 1}, {"version": 2}],
    }
    await plan_events.settle(pool)
    assert [event.data["version"] for event in plan_events.of_type("plan.negative_list.published")] == [1, 2]
    assert plan_events.of_type("plan.negative_list.published")[-1].data["entries"] == entries


@pytest.mark.parametrize(
    ("entries", "outcome"),
    [
        ([], "InvalidInput"),
        ([{"code": "N01", "text": "a"}, {"code": "N01", "text": "b"}], "InvalidInput"),
        ([{"code": "n1", "text": "a"}], "InvalidInput"),
        ([{"code": "N01", "text": " "}], "InvalidInput"),
        ([{"code": entry.code, "text": entry.text} for entry in DEFAULT_ENTRIES], "Conflict"),  # says nothing new
    ],
)
async def test_an_unusable_negative_list_is_refused_and_publishes_nothing(plan, jwt_keys, pool, entries, outcome):
    body = await graphql(plan, PUBLISH_LIST, {"entries": entries}, headers=bearer(jwt_keys, *PROVINCE))
    assert body["data"]["publishNegativeList"]["__typename"] == outcome
    assert await pool.fetchval("SELECT max(version) FROM negative_lists") == 1


async def test_concurrent_publications_get_consecutive_versions(plan, jwt_keys, pool):
    headers = bearer(jwt_keys, *PROVINCE)
    results = await asyncio.gather(
        *(
            graphql(plan, PUBLISH_LIST, {"entries": [{"code": "N01", "text": f"第{n}版"}]}, headers=headers)
            for n in range(8)
        )
    )
    assert sorted(result["data"]["publishNegativeList"]["version"] for result in results) == list(range(2, 10))


async def refused_and_nothing_published(plan, pool, action: str, headers: dict[str, str]) -> None:
    if action == "publishCapPolicy":
        body = await graphql(plan, PUBLISH_POLICY, {"policy": policy_input("2099-01-01")}, headers=headers)
    else:
        body = await graphql(plan, PUBLISH_LIST, {"entries": [{"code": "N01", "text": "新"}]}, headers=headers)
    assert body["data"][action]["__typename"] == "NotAllowed"
    table = "cap_policies" if action == "publishCapPolicy" else "negative_lists"
    assert await pool.fetchval(f"SELECT max(version) FROM {table}") == 1


@pytest.mark.parametrize(
    ("role", "region"),
    [
        (Role.PROVINCE_OFFICE, "4310"),  # the role, but not the province's region
        (Role.CITY_OFFICE, "4310"),
        (Role.COUNTY_OFFICE, "431024"),
        (Role.OBSERVER, "43"),
        (Role.INSPECTOR, "43"),
        (Role.UNIT, "431024106201"),
    ],
)
@pytest.mark.parametrize("action", ["publishCapPolicy", "publishNegativeList"])
async def test_only_the_province_office_publishes_province_rules(plan, jwt_keys, pool, role, region, action):
    headers = bearer(jwt_keys, role, region)
    await refused_and_nothing_published(plan, pool, action, headers)


@pytest.mark.parametrize("action", ["publishCapPolicy", "publishNegativeList"])
async def test_a_province_department_with_the_province_office_role_does_not_publish_the_rules(
    plan, jwt_keys, pool, action
):
    """The caps restrain the province's departments: one of them must not lift them for itself."""
    office = await graphql(
        plan,
        """mutation($o: RegisterOfficeInput!) { registerOffice(office: $o) { __typename } }""",
        {"o": {"id": "43-yjt", "name": "湖南省应急管理厅", "kind": "DEPARTMENT", "region": "43", "yearlyBaseline": 10}},
        headers=bearer(jwt_keys, *PROVINCE),
    )
    assert office["data"]["registerOffice"]["__typename"] == "Office", office
    headers = jwt_keys.bearer(Role.PROVINCE_OFFICE, "43", office_id="43-yjt")
    await refused_and_nothing_published(plan, pool, action, headers)


async def test_callers_outside_the_province_see_no_province_rules(plan, jwt_keys):
    guangdong = jwt_keys.bearer(Role.OBSERVER, "44")
    assert (await graphql(plan, POLICY_ON, headers=guangdong))["data"] == {"capPolicy": None, "capPolicies": []}
    assert (await graphql(plan, LISTS, headers=guangdong))["data"] == {
        "currentNegativeList": None,
        "negativeListHistory": [],
    }
