"""Reporting through the real gateway: a check-in moves regionFigures and pushes the region's live figures over
SSE; the item's timeline, visits and tasks come back in one query."""

import asyncio
import json
import uuid
from datetime import datetime

import pytest

from wurao_common.auth import Role
from wurao_reporting.domain.periods import CHINA

pytestmark = pytest.mark.e2e

OFFICE, OFFICE_REGION = "431024-dcs", "431024"
VILLAGE = "431024106201"  # inside the seeded flood-season item's scope
YEAR = datetime.now(CHINA).year
ITEMS = "query($office: ID!) { items(officeId: $office) { id scopeRegions code { token } } }"
REGISTER = (
    'mutation($name: String!) { registerUnit(unit: {name: $name, kind: VILLAGE_COMMITTEE, region: "431024106201"}) '
    "{ __typename ... on Unit { id } } }"
)
VERIFY = "query($code: String!) { verifyCode(code: $code) { __typename } }"
CHECK_IN = "mutation($code: String!) { checkIn(code: $code) { __typename ... on Visit { id } } }"
FIGURES = "query($r: String!, $y: Int!) { regionFigures(region: $r, year: $y) { visits changeFromLastYear } }"
LIVE = "subscription($r: String!, $y: Int!) { regionFigures(region: $r, year: $y) { scope visits } }"


async def _post(gateway, query, variables, token):
    response = await gateway.post(
        "/graphql", json={"query": query, "variables": variables}, headers={"authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def _until(check, what: str):
    for _ in range(300):
        if found := await check():
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"never happened: {what}")


@pytest.fixture
async def admitted_unit(platform, gateway):
    """A new village committee inspection already knows, and the flood-season item's code."""
    office = platform.keys.token(Role.COUNTY_OFFICE, OFFICE_REGION, office=OFFICE)
    item = next(
        item
        for item in (await _post(gateway, ITEMS, {"office": OFFICE}, office))["items"]
        if item["code"] and any(VILLAGE.startswith(region) for region in item["scopeRegions"])
    )
    registered = await _post(gateway, REGISTER, {"name": f"测试村委会 {uuid.uuid4().hex[:6]}"}, office)
    unit = registered["registerUnit"]["id"]
    unit_token = platform.keys.token(Role.UNIT, VILLAGE, unit=unit)

    async def known():
        verdict = await _post(gateway, VERIFY, {"code": item["code"]["token"]}, unit_token)
        return verdict["verifyCode"]["__typename"] == "CodeValid"

    await _until(known, "inspection learns the new unit")
    return item, unit_token, unit


async def test_a_check_in_moves_region_figures_and_the_live_figures_through_the_gateway(
    platform, gateway, admitted_unit
):
    item, unit_token, _ = admitted_unit
    county = platform.keys.token(Role.COUNTY_OFFICE, OFFICE_REGION, office=OFFICE)
    before = (await _post(gateway, FIGURES, {"r": VILLAGE, "y": YEAR}, county))["regionFigures"]
    pushed: list[dict] = []

    async def listen():
        async with gateway.stream(
            "POST",
            "/graphql",
            json={"query": LIVE, "variables": {"r": VILLAGE, "y": YEAR}},
            headers={"authorization": f"Bearer {county}", "accept": "text/event-stream"},
        ) as response:
            assert response.status_code == 200, await response.aread()
            async for line in response.aiter_lines():
                if line.startswith("data:") and line[5:].strip():
                    pushed.append(json.loads(line[5:])["data"]["regionFigures"])

    listener = asyncio.create_task(listen())
    try:
        await _until(lambda: asyncio.sleep(0, pushed), "the subscription's first figures")
        assert pushed[0] == {"scope": VILLAGE, "visits": before["visits"]}
        admitted = await _post(gateway, CHECK_IN, {"code": item["code"]["token"]}, unit_token)
        assert admitted["checkIn"]["__typename"] == "Visit"

        async def counted():
            return [p for p in pushed if p["visits"] == before["visits"] + 1]

        await _until(counted, "the live figures show the visit")
    finally:
        listener.cancel()
    after = (await _post(gateway, FIGURES, {"r": VILLAGE, "y": YEAR}, county))["regionFigures"]
    assert after["visits"] == before["visits"] + 1
    assert after["changeFromLastYear"] == before["changeFromLastYear"] + 1
    outside = platform.keys.token(Role.COUNTY_OFFICE, "430112", office="430112-dcs")
    assert (await _post(gateway, FIGURES, {"r": VILLAGE, "y": YEAR}, outside)) == {"regionFigures": None}


FINDING = """mutation($visit: ID!, $unit: ID!, $deadline: Date!) {
  recordFinding(input: {visitId: $visit, severity: MEDIUM, responsibleUnitId: $unit, description: "防汛物资台账不符",
                        proposedDeadline: $deadline}) { __typename } }"""
STORY = """query($office: ID!) { items(officeId: $office) { id
  timeline { step at officeId unitId what details } visits { id } tasks { id visitId } } }"""


async def test_one_query_returns_an_item_with_its_timeline_visits_and_tasks(platform, gateway, admitted_unit):
    item, unit_token, unit_id = admitted_unit
    admitted = await _post(gateway, CHECK_IN, {"code": item["code"]["token"]}, unit_token)
    visit = admitted["checkIn"]["id"]
    inspector = platform.keys.token(Role.INSPECTOR, OFFICE_REGION, office=OFFICE)
    deadline = f"{YEAR + 1}-01-31"
    recorded = await _post(gateway, FINDING, {"visit": visit, "unit": unit_id, "deadline": deadline}, inspector)
    assert recorded["recordFinding"]["__typename"] == "Finding"
    county = platform.keys.token(Role.COUNTY_OFFICE, OFFICE_REGION, office=OFFICE)

    async def told():
        items = (await _post(gateway, STORY, {"office": OFFICE}, county))["items"]
        story = next(found for found in items if found["id"] == item["id"])
        steps = [entry["step"] for entry in story["timeline"] or []]
        return story if "task_opened" in steps and story["tasks"] else None

    story = await _until(told, "the item's story shows the visit, the finding and its task")
    steps = [entry["step"] for entry in story["timeline"]]
    assert steps[:3] == ["drafted", "approved", "coded"]
    assert steps.index("visited") < steps.index("finding") < steps.index("task_opened")
    times = [entry["at"] for entry in story["timeline"]]
    assert times == sorted(times)
    visited = [entry for entry in story["timeline"] if entry["details"].get("visitId") == visit]
    assert visited[0]["unitId"] == unit_id
    assert visited[0]["officeId"] == OFFICE
    assert visit in [found["id"] for found in story["visits"]]
    assert visit in [task["visitId"] for task in story["tasks"]]
    outside = platform.keys.token(Role.COUNTY_OFFICE, "430112", office="430112-dcs")
    hidden = await _post(
        gateway, "query($id: ID!) { item(id: $id) { timeline { step } } }", {"id": item["id"]}, outside
    )
    assert hidden["item"] is None or hidden["item"]["timeline"] is None
