"""The directory over GraphQL: regions, units, offices, and the entities other subgraphs extend."""

import asyncio

import pytest

from wurao_common.auth import Role
from wurao_common.testing import graphql, serving
from wurao_plan.app import create_app

REFUSALS = "... on NotAllowed { reason } ... on InvalidInput { field reason } ... on Conflict { reason }"
REGISTER_UNIT = (
    "mutation($unit: RegisterUnitInput!) { result: registerUnit(unit: $unit) { "
    f"__typename ... on Unit {{ id name kind region regionName }} {REFUSALS} }} }}"
)
REGISTER_OFFICE = (
    "mutation($office: RegisterOfficeInput!) { result: registerOffice(office: $office) { "
    f"__typename ... on Office {{ id level approverOfficeId approver {{ name }} }} {REFUSALS} }} }}"
)
JIAHE = {"role": Role.COUNTY_OFFICE, "region": "431024", "office_id": "431024-dcs"}
SCHOOL = {"name": "龙潭镇中心学校", "kind": "SCHOOL", "region": "431024106"}


def bearer(jwt_keys, role, region, **claims):
    return jwt_keys.bearer(role, region, **claims)


async def test_an_office_registers_a_unit_in_its_region_and_it_is_announced(plan, jwt_keys, plan_events, pool):
    body = await graphql(plan, REGISTER_UNIT, {"unit": SCHOOL}, headers=bearer(jwt_keys, **JIAHE))
    unit = body["data"]["result"]
    assert (unit["__typename"], unit["kind"], unit["regionName"]) == ("Unit", "SCHOOL", "龙潭镇")
    await plan_events.settle(pool)
    (event,) = [e for e in plan_events.of_type("plan.unit.registered") if e.data["unitId"] == unit["id"]]
    assert event.region == "431024106"
    assert event.data == {"unitId": unit["id"], "name": "龙潭镇中心学校", "kind": "school", "region": "431024106"}


async def test_a_second_unit_of_the_same_name_in_a_region_is_a_conflict(plan, jwt_keys):
    await graphql(plan, REGISTER_UNIT, {"unit": SCHOOL}, headers=bearer(jwt_keys, **JIAHE))
    body = await graphql(plan, REGISTER_UNIT, {"unit": SCHOOL}, headers=bearer(jwt_keys, **JIAHE))
    assert body["data"]["result"]["__typename"] == "Conflict"


@pytest.mark.parametrize(
    ("caller", "unit", "outcome"),
    [
        ({"role": Role.COUNTY_OFFICE, "region": "430112", "office_id": "430112-dcs"}, SCHOOL, "NotAllowed"),
        ({"role": Role.INSPECTOR, "region": "431024"}, SCHOOL, "NotAllowed"),
        ({"role": Role.OBSERVER, "region": "43"}, SCHOOL, "NotAllowed"),
        (JIAHE, {**SCHOOL, "region": "431024999"}, "InvalidInput"),  # no such town
        (JIAHE, {**SCHOOL, "name": " "}, "InvalidInput"),
    ],
)
async def test_who_may_register_a_unit_and_where(plan, jwt_keys, pool, caller, unit, outcome):
    body = await graphql(plan, REGISTER_UNIT, {"unit": unit}, headers=bearer(jwt_keys, **caller))
    assert body["data"]["result"]["__typename"] == outcome
    assert await pool.fetchval("SELECT count(*) FROM units WHERE name = '龙潭镇中心学校'") == 0


async def test_a_department_is_approved_by_the_supervision_office_of_its_own_region(plan, jwt_keys, plan_events, pool):
    office = {"id": "431024-jyj", "name": "嘉禾县教育局", "kind": "DEPARTMENT", "region": "431024", "yearlyBaseline": 5}
    body = await graphql(plan, REGISTER_OFFICE, {"office": office}, headers=bearer(jwt_keys, **JIAHE))
    assert body["data"]["result"] == {
        "__typename": "Office",
        "id": "431024-jyj",
        "level": "county",
        "approverOfficeId": "431024-dcs",
        "approver": {"name": "嘉禾县委督查室"},
    }
    await plan_events.settle(pool)
    (event,) = [e for e in plan_events.of_type("plan.office.registered") if e.data["officeId"] == "431024-jyj"]
    assert (event.region, event.data["approverOfficeId"], event.data["kind"]) == ("431024", "431024-dcs", "department")


async def test_the_seeded_hengyang_county_office_is_approved_by_hengyangs_city_office(plan, jwt_keys):
    body = await graphql(
        plan,
        '{ office(id: "430421-dcs") { approver { id } regionName } }',
        headers=bearer(jwt_keys, Role.OBSERVER, "4304"),
    )
    assert body["data"]["office"] == {"approver": {"id": "4304-dcs"}, "regionName": "衡阳县"}


@pytest.mark.parametrize(
    ("caller", "office", "outcome"),
    [
        (JIAHE, {"id": "431024-dcs2", "kind": "SUPERVISION", "region": "431024"}, "NotAllowed"),  # beside itself
        (
            {"role": Role.COUNTY_OFFICE, "region": "431024", "office_id": "431024-yjj"},
            {"id": "431024-jyj", "kind": "DEPARTMENT", "region": "431024"},
            "NotAllowed",
        ),  # a department registers none
        (
            {"role": Role.CITY_OFFICE, "region": "4310", "office_id": "4310-dcs"},
            {"id": "431024-dcs", "kind": "SUPERVISION", "region": "431024"},
            "Conflict",
        ),  # exists
        (
            {"role": Role.CITY_OFFICE, "region": "4310", "office_id": "4310-dcs"},
            {"id": "431021-dcs", "kind": "SUPERVISION", "region": "431021", "approverOfficeId": "431024-dcs"},
            "InvalidInput",
        ),  # an approver that does not contain it
    ],
)
async def test_who_may_register_an_office(plan, jwt_keys, caller, office, outcome):
    office = {"name": "某办公室", "yearlyBaseline": 5, **office}
    body = await graphql(plan, REGISTER_OFFICE, {"office": office}, headers=bearer(jwt_keys, **caller))
    assert body["data"]["result"]["__typename"] == outcome


async def test_regions_list_a_towns_villages_and_find_names_inside_a_region(plan, jwt_keys):
    headers = bearer(jwt_keys, Role.UNIT, "431024106201", unit_id="431024106201-cwh")
    body = await graphql(plan, '{ regions(parent: "431024106", first: 500) { code name } }', headers=headers)
    assert {"code": "431024106201", "name": "大方元村"} in body["data"]["regions"]
    assert all(region["code"].startswith("431024106") for region in body["data"]["regions"])
    body = await graphql(plan, '{ regions(name: "龙潭", within: "431024") { code parent { name } } }', headers=headers)
    assert {"code": "431024106", "parent": {"name": "嘉禾县"}} in body["data"]["regions"]


async def test_a_region_argument_that_is_not_a_code_is_a_client_error_not_a_pattern(plan, jwt_keys):
    body = await graphql(plan, '{ regions(within: "43%") { code } }', headers=bearer(jwt_keys, Role.OBSERVER, "43"))
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_unit_reads_itself_and_no_other_unit(plan, jwt_keys):
    headers = bearer(jwt_keys, Role.UNIT, "431024106201", unit_id="431024106201-cwh")
    mine = await graphql(plan, '{ unit(id: "431024106201-cwh") { name } }', headers=headers)
    town = await graphql(plan, '{ unit(id: "431024106-zf") { name } }', headers=headers)
    listed = await graphql(plan, "{ units { id } }", headers=headers)
    assert mine["data"]["unit"] == {"name": "大方元村村民委员会"}
    assert town["data"]["unit"] is None
    assert listed["data"]["units"] == [{"id": "431024106201-cwh"}]


ENTITIES = (
    "query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Unit { name } ... on Office { name } } }"
)


async def test_units_and_offices_resolve_as_entities_only_within_the_callers_sight(plan, jwt_keys):
    reps = [
        {"__typename": "Unit", "id": "431024106201-cwh"},
        {"__typename": "Unit", "id": "430112-jkq"},
        {"__typename": "Office", "id": "4310-dcs"},
        {"__typename": "Office", "id": "4301-dcs"},
    ]
    body = await graphql(plan, ENTITIES, {"reps": reps}, headers=bearer(jwt_keys, Role.INSPECTOR, "431024"))
    assert body["data"]["_entities"] == [{"name": "大方元村村民委员会"}, None, {"name": "郴州市委督查室"}, None]


async def test_a_unit_finds_itself_in_the_units_list_however_many_units_its_region_holds(plan, jwt_keys):
    """Filtered in SQL before the limit: a unit whose region holds more units than a page sees itself, not an
    empty page (it used to be read among the region's first units and then dropped)."""
    ids = []
    for name in ("龙潭镇A卫生院", "龙潭镇B卫生院", "龙潭镇Z卫生院"):
        body = await graphql(plan, REGISTER_UNIT, {"unit": {**SCHOOL, "name": name}}, headers=bearer(jwt_keys, **JIAHE))
        ids.append(body["data"]["result"]["id"])
    query = "{ units(first: 2) { id name } }"
    itself = await graphql(plan, query, headers=bearer(jwt_keys, Role.UNIT, "431024106", unit_id=ids[-1]))
    assert itself["data"]["units"] == [{"id": ids[-1], "name": "龙潭镇Z卫生院"}]
    office = await graphql(plan, query, headers=bearer(jwt_keys, **JIAHE))
    assert len(office["data"]["units"]) == 2, "an office still pages through its region's units"


OFFICE_NAME = "query($id: ID!) { office(id: $id) { name } }"


async def _name_seen(replica, headers, office_id: str, name: str | None) -> None:
    """Until `replica` answers `name` for the office (it hears of changes a notification after they commit)."""
    for _ in range(300):
        office = (await graphql(replica, OFFICE_NAME, {"id": office_id}, headers=headers))["data"]["office"]
        if (office and office["name"]) == name:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{office_id} still reads {office} on the other replica, not {name}")


async def test_an_office_registered_or_renamed_through_one_replica_is_read_so_by_another(
    plan, plan_settings, jwt_keys, pool
):
    """Each replica holds offices in memory: an office it found missing, then registered through another replica,
    and a name changed in the database are read as they now are."""
    headers = bearer(jwt_keys, Role.OBSERVER, "43")
    async with serving(create_app(plan_settings())) as other:
        office = {
            "id": "431024-jyj",
            "name": "嘉禾县教育局",
            "kind": "DEPARTMENT",
            "region": "431024",
            "yearlyBaseline": 5,
        }
        for replica in (plan, other):
            for _ in range(2):  # the second read is answered from memory
                assert (await graphql(replica, OFFICE_NAME, {"id": office["id"]}, headers=headers))["data"] == {
                    "office": None
                }
        body = await graphql(plan, REGISTER_OFFICE, {"office": office}, headers=bearer(jwt_keys, **JIAHE))
        assert body["data"]["result"]["__typename"] == "Office"
        await _name_seen(other, headers, "431024-jyj", "嘉禾县教育局")
        await _name_seen(other, headers, "431024-dcs", "嘉禾县委督查室")
        await pool.execute("UPDATE offices SET name = '嘉禾县督查室' WHERE id = '431024-dcs'")
        for replica in (plan, other):
            await _name_seen(replica, headers, "431024-dcs", "嘉禾县督查室")
