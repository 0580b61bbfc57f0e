"""Every list of plan pages by keyset (`after`: the last element of the previous page), filtered in SQL before the
limit: paging one or two at a time returns exactly the whole list, in its order, each element once, even where
elements tie on their sort key."""

import uuid
from datetime import date

import pytest

from wurao_common.auth import Role
from wurao_common.testing import china_today, graphql

JIAHE = {"role": Role.COUNTY_OFFICE, "region": "431024", "office_id": "431024-dcs"}
REGISTER_UNIT = "mutation($unit: RegisterUnitInput!) { registerUnit(unit: $unit) { __typename } }"
DRAFT = "mutation($year: Int!) { draftPlan(year: $year) { __typename } }"
FILE = 'mutation($item: ItemInput!) { fileItem(item: $item, reason: "汛后复查") { __typename } }'


async def _pages(plan, headers, field: str, arguments: str, key: str, size: int) -> tuple[list[str], list[str]]:
    """(the whole list, the list as read page by page)."""
    whole = await graphql(plan, f"{{ list: {field}({arguments} first: 500) {{ {key} }} }}", headers=headers)
    paged, after = [], None
    cursor = "String" if key == "code" else "ID"
    query = f"query($after: {cursor}) {{ list: {field}({arguments} first: {size}, after: $after) {{ {key} }} }}"
    while True:
        page = (await graphql(plan, query, {"after": after}, headers=headers))["data"]["list"]
        assert len(page) <= size
        if not page:
            return [row[key] for row in whole["data"]["list"]], paged
        paged += [row[key] for row in page]
        after = page[-1][key]


async def test_items_page_by_keyset_even_when_their_windows_tie(plan, jwt_keys, insert_item):
    for day in (1, 1, 1, 5, 9):  # three items share a window start
        await insert_item("431024-dcs", status="coded", window=(date(2026, 6, day), date(2026, 12, 31)))
    headers = jwt_keys.bearer(**JIAHE)
    whole, paged = await _pages(plan, headers, "items", 'officeId: "431024-dcs",', "id", 2)
    assert len(whole) >= 5
    assert paged == whole


async def test_regions_units_and_offices_page_by_keyset(plan, jwt_keys):
    headers = jwt_keys.bearer(**JIAHE)
    for name in ("龙潭镇A卫生院", "龙潭镇B卫生院", "龙潭镇C卫生院"):
        unit = {"name": name, "kind": "SCHOOL", "region": "431024106"}
        await graphql(plan, REGISTER_UNIT, {"unit": unit}, headers=headers)
    regions = await _pages(plan, headers, "regions", 'parent: "431024",', "code", 3)
    units = await _pages(plan, headers, "units", 'region: "431024106",', "id", 1)
    offices = await _pages(plan, jwt_keys.bearer(Role.OBSERVER, "43"), "offices", "", "id", 2)
    for whole, paged in (regions, units, offices):
        assert len(whole) >= 3
        assert paged == whole


async def test_plans_and_filings_page_by_keyset(plan, jwt_keys):
    """Three offices' plans of one year (tied on the year), three filings of one office."""
    year = china_today().year  # the service drafts and files for this year or the next only
    headers = jwt_keys.bearer(**JIAHE)
    offices = [
        JIAHE,
        {**JIAHE, "office_id": "431024-yjj"},
        {"role": Role.CITY_OFFICE, "region": "4310", "office_id": "4310-dcs"},
    ]
    for office in offices:
        drafted = await graphql(plan, DRAFT, {"year": year}, headers=jwt_keys.bearer(**office))
        assert drafted["data"]["draftPlan"]["__typename"] == "Plan", drafted
    item = {
        "kind": "INSPECTION",
        "title": "汛后地质灾害隐患点复查",
        "basis": "袁家镇汛后新发现隐患点",
        "scopeRegions": ["431024103"],
        "windowStart": f"{year}-11-01",
        "windowEnd": f"{year}-12-31",
        "inspectors": [{"name": "胡国军", "title": "股负责人"}],
    }
    for title in ("一", "二", "三"):
        filed = await graphql(plan, FILE, {"item": {**item, "title": f"汛后复查{title}"}}, headers=headers)
        assert filed["data"]["fileItem"]["__typename"] == "Filing", filed
    city = jwt_keys.bearer(Role.CITY_OFFICE, "4310", office_id="4310-dcs")
    for field in ("plans", "filings"):
        whole, paged = await _pages(plan, city, field, 'region: "4310",', "id", 1)
        assert len(whole) >= 3, field
        assert paged == whole, field


@pytest.mark.parametrize("field", ["items", "plans", "filings"])
async def test_an_after_that_is_no_id_is_the_clients_error(plan, jwt_keys, field):
    body = await graphql(plan, f'{{ {field}(after: "not-an-id") {{ id }} }}', headers=jwt_keys.bearer(**JIAHE))
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body


async def test_a_cursor_out_of_the_callers_reach_pages_as_an_unknown_one(plan, jwt_keys, insert_item):
    """`after` naming what the caller may not read tells it nothing, not even that it exists: Jiahe's lists after a
    row of Wangcheng's that sorts before Jiahe's own read as after an id nobody holds (an empty page)."""
    year = china_today().year
    wangcheng = {"role": Role.COUNTY_OFFICE, "region": "430112", "office_id": "430112-dcs"}
    item = {
        "kind": "INSPECTION",
        "title": "汛后复查",
        "basis": "汛后新发现隐患点",
        "windowStart": f"{year}-11-01",
        "windowEnd": f"{year}-12-31",
        "inspectors": [{"name": "胡国军", "title": "股负责人"}],
    }
    for office, scope in ((JIAHE, "431024103"), (wangcheng, "430112")):  # Wangcheng's filing the newer
        for document, variables in ((DRAFT, {"year": year}), (FILE, {"item": {**item, "scopeRegions": [scope]}})):
            body = await graphql(plan, document, variables, headers=jwt_keys.bearer(**office))
            assert "errors" not in body, body
    draft = await insert_item("430112-dcs", status="draft", window=(date(year, 12, 1), date(year, 12, 31)))
    wangchengs = (await graphql(plan, "{ plans { id } filings { id } }", headers=jwt_keys.bearer(**wangcheng)))["data"]
    foreign = {
        "units": "430112-jkq",
        "offices": "430112-dcs",
        "plans": wangchengs["plans"][0]["id"],
        "filings": wangchengs["filings"][0]["id"],
        "items": draft,
    }

    pages = {}
    for field, cursor in foreign.items():
        query = f"query($after: ID) {{ list: {field}(first: 100, after: $after) {{ id }} }}"
        unknown = "431024-none" if field in ("units", "offices") else str(uuid.uuid4())
        pages[field] = [
            (await graphql(plan, query, {"after": after}, headers=jwt_keys.bearer(**JIAHE)))["data"]["list"]
            for after in (cursor, unknown)
        ]
    assert {field: out_of_reach for field, (out_of_reach, _) in pages.items()} == {
        field: unknown for field, (_, unknown) in pages.items()
    }
