"""Reporting through the real gateway: a check-in moves regionFigures and pushes the region's live figures over
SSE; the item's timeline, visits and tasks come back in one query; a check-in refused at a cap is listed among the
refusals and counted, its unit near a yearly cap; a complaint is handled to a reply the unit reads, and counted
when substantiated; a joint visit of two offices is admitted once and counted once for the unit."""

import asyncio
import json
from datetime import datetime

import pytest

from wurao_common.auth import Role
from wurao_reporting.domain.periods import CHINA

pytestmark = pytest.mark.e2e

OFFICE, OFFICE_REGION = "431024-dcs", "431024"
VILLAGE = "431024106201"  # inside the seeded flood-season item's scope
YEAR = datetime.now(CHINA).year
CHECK_IN = "mutation($code: String!) { checkIn(code: $code) { __typename ... on Visit { id } } }"
FIGURES = "query($r: String!, $y: Int!) { regionFigures(region: $r, year: $y) { visits changeFromLastYear } }"
LIVE = "subscription($r: String!, $y: Int!) { regionFigures(region: $r, year: $y) { scope visits } }"


async def test_a_check_in_moves_region_figures_and_the_live_figures_through_the_gateway(
    platform, gateway, call, until, admitted_unit
):
    item, unit_token, _ = admitted_unit
    county = platform.keys.token(Role.COUNTY_OFFICE, OFFICE_REGION, office=OFFICE)
    before = (await call(FIGURES, {"r": VILLAGE, "y": YEAR}, county))["regionFigures"]
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
        await until(lambda: asyncio.sleep(0, pushed), "the subscription's first figures")
        assert pushed[0] == {"scope": VILLAGE, "visits": before["visits"]}
        admitted = await call(CHECK_IN, {"code": item["code"]["token"]}, unit_token)
        assert admitted["checkIn"]["__typename"] == "Visit"

        async def counted():
            return [p for p in pushed if p["visits"] == before["visits"] + 1]

        await until(counted, "the live figures show the visit")
    finally:
        listener.cancel()
    after = (await call(FIGURES, {"r": VILLAGE, "y": YEAR}, county))["regionFigures"]
    assert after["visits"] == before["visits"] + 1
    assert after["changeFromLastYear"] == before["changeFromLastYear"] + 1
    outside = platform.keys.token(Role.COUNTY_OFFICE, "430112", office="430112-dcs")
    assert (await call(FIGURES, {"r": VILLAGE, "y": YEAR}, outside)) == {"regionFigures": None}


FINDING = """mutation($visit: ID!, $unit: ID!, $deadline: Date!) {
  recordFinding(input: {visitId: $visit, severity: MEDIUM, responsibleUnitId: $unit, description: "防汛物资台账不符",
                        proposedDeadline: $deadline}) { __typename } }"""
STORY = """query($office: ID!) { items(officeId: $office) { id
  timeline { step at officeId unitId what details } visits { id } tasks { id visitId } } }"""


async def test_one_query_returns_an_item_with_its_timeline_visits_and_tasks(platform, call, until, admitted_unit):
    item, unit_token, unit_id = admitted_unit
    admitted = await call(CHECK_IN, {"code": item["code"]["token"]}, unit_token)
    visit = admitted["checkIn"]["id"]
    inspector = platform.keys.token(Role.INSPECTOR, OFFICE_REGION, office=OFFICE)
    deadline = f"{YEAR + 1}-01-31"
    recorded = await call(FINDING, {"visit": visit, "unit": unit_id, "deadline": deadline}, inspector)
    assert recorded["recordFinding"]["__typename"] == "Finding"
    county = platform.keys.token(Role.COUNTY_OFFICE, OFFICE_REGION, office=OFFICE)

    async def told():
        items = (await call(STORY, {"office": OFFICE}, county))["items"]
        story = next(found for found in items if found["id"] == item["id"])
        # Other tests' visits to the item have tasks too: wait for this visit's, in rectification and reporting.
        tasks = {task["id"] for task in story["tasks"] if task["visitId"] == visit}
        opened = {entry["details"].get("taskId") for entry in story["timeline"] or [] if entry["step"] == "task_opened"}
        return story if tasks & opened else None

    story = await until(told, "the item's story shows the visit, the finding and its task")
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
    hidden = await call("query($id: ID!) { item(id: $id) { timeline { step } } }", {"id": item["id"]}, outside)
    assert hidden["item"] is None or hidden["item"]["timeline"] is None


CAPPED = """query($r: String!, $y: Int!, $u: ID!) {
  regionFigures(region: $r, year: $y) { wholeYear { visits { capped { value } } caps { unitsNearCap { value } } } }
  unitFigures(unitId: $u, year: $y) { wholeYear { caps { unitsAtCap { value } unitsNearCap { value } } } } }"""
REFUSALS = "query($unit: ID) { refusals(unitId: $unit) { unitId origin reason exhausted { scope used allowed } } }"


async def test_a_check_in_refused_at_a_cap_is_listed_and_counted_where_caps_bite(platform, call, until, admitted_unit):
    item, unit_token, unit_id = admitted_unit
    county = platform.keys.token(Role.COUNTY_OFFICE, OFFICE_REGION, office=OFFICE)
    before = (await call(CAPPED, {"r": VILLAGE, "y": YEAR, "u": unit_id}, county))["regionFigures"]
    assert (await call(CHECK_IN, {"code": item["code"]["token"]}, unit_token))["checkIn"]["id"]
    again = await call(CHECK_IN, {"code": item["code"]["token"]}, unit_token)
    assert again["checkIn"] == {"__typename": "CapReached"}

    capped = {
        "unitId": unit_id,
        "origin": "CHECK_IN",
        "reason": "CAP_REACHED",
        "exhausted": [{"scope": "item", "used": 1, "allowed": 1}],
    }
    assert (await call(REFUSALS, {}, unit_token))["refusals"] == [capped]
    assert (await call(REFUSALS, {"unit": unit_id}, county))["refusals"] == [capped]
    outside = platform.keys.token(Role.COUNTY_OFFICE, "430112", office="430112-dcs")
    assert (await call(REFUSALS, {"unit": unit_id}, outside))["refusals"] == []

    # The item's own cap is full, the unit's yearly caps are not: one of its county's two visits a year is left
    # (the default policy), so the unit stands near a cap, not at one, and its village has one more unit near a cap.
    # The visit and the refusal may be applied in either order (two replicas of reporting share its consumer).
    near = before["wholeYear"]["caps"]["unitsNearCap"]["value"] + 1

    async def counted():
        figures = await call(CAPPED, {"r": VILLAGE, "y": YEAR, "u": unit_id}, county)
        whole = figures["regionFigures"]["wholeYear"]
        capped = whole["visits"]["capped"]["value"] == before["wholeYear"]["visits"]["capped"]["value"] + 1
        return capped and whole["caps"]["unitsNearCap"]["value"] == near and figures

    figures = await until(counted, "reporting counts the capped check-in and the unit near a cap in its village")
    assert figures["unitFigures"]["wholeYear"]["caps"] == {"unitsAtCap": {"value": 0}, "unitsNearCap": {"value": 1}}


FILE = """mutation($input: ComplaintInput!) { fileComplaint(input: $input) { __typename
  ... on Complaint { id routedToOfficeId negativeListVersion status } } }"""
HANDLED = "__typename ... on Complaint { status outcome } ... on NotAllowed { reason }"
STEPS = [
    f"mutation($id: ID!) {{ step: investigateComplaint(complaintId: $id) {{ {HANDLED} }} }}",
    f"""mutation($id: ID!) {{ step: concludeComplaint(complaintId: $id, substantiated: true,
        findings: "一周内三次要求报送同一材料，查实") {{ {HANDLED} }} }}""",
    f"""mutation($id: ID!) {{ step: closeComplaint(complaintId: $id, reply: "已责令整改并通报") {{ {HANDLED} }} }}""",
]
OUTCOMES = """query($r: String!, $y: Int!) { regionFigures(region: $r, year: $y) {
  wholeYear { complaintOutcomes { parts { key value } } } } }"""


async def test_a_complaint_is_handled_to_a_reply_the_unit_reads_and_counted_when_substantiated(
    platform, call, until, admitted_unit
):
    _, unit_token, _ = admitted_unit
    county = platform.keys.token(Role.COUNTY_OFFICE, OFFICE_REGION, office=OFFICE)

    def substantiated(figures) -> int:
        parts = figures["regionFigures"]["wholeYear"]["complaintOutcomes"]["parts"]
        return next((part["value"] for part in parts if part["key"] == "substantiated"), 0)

    before = substantiated(await call(OUTCOMES, {"r": OFFICE_REGION, "y": YEAR}, county))
    complaint = {"kind": "MATERIALS_DEMANDED", "description": "一周内三次要求报送同一材料", "place": "村部"}
    filed = (await call(FILE, {"input": complaint}, unit_token))["fileComplaint"]
    assert (filed["routedToOfficeId"], filed["status"]) == (OFFICE, "RECEIVED"), "no office named: the county's"
    assert filed["negativeListVersion"] is not None
    outside = platform.keys.token(Role.COUNTY_OFFICE, "430112", office="430112-dcs")
    for step in STEPS:
        assert (await call(step, {"id": filed["id"]}, outside))["step"]["__typename"] == "NotAllowed"
        assert (await call(step, {"id": filed["id"]}, county))["step"]["__typename"] == "Complaint"

    mine = (await call("{ complaints { id status outcome reply } }", {}, unit_token))["complaints"]
    assert {"id": filed["id"], "status": "CLOSED", "outcome": "SUBSTANTIATED", "reply": "已责令整改并通报"} in mine

    async def counted():
        figures = await call(OUTCOMES, {"r": OFFICE_REGION, "y": YEAR}, county)
        return substantiated(figures) == before + 1

    await until(counted, "reporting counts the substantiated complaint")


async def test_a_complaint_about_the_county_office_goes_to_the_city_and_the_county_never_sees_it(
    platform, call, admitted_unit
):
    _, unit_token, unit_id = admitted_unit
    complaint = {"kind": "OVER_CAP", "description": "同一事项一月内三次进村", "place": "村部", "officeId": OFFICE}
    filed = (await call(FILE, {"input": complaint}, unit_token))["fileComplaint"]
    assert filed["routedToOfficeId"] == "4310-dcs", "one level above the office complained about"
    listing = "{ complaints { id unitId } }"
    county = platform.keys.token(Role.COUNTY_OFFICE, OFFICE_REGION, office=OFFICE)
    assert filed["id"] not in [c["id"] for c in (await call(listing, {}, county))["complaints"]]
    assert (await call(STEPS[0], {"id": filed["id"]}, county))["step"]["__typename"] == "NotAllowed"
    city = platform.keys.token(Role.CITY_OFFICE, "4310", office="4310-dcs")
    assert {"id": filed["id"], "unitId": unit_id} in (await call(listing, {}, city))["complaints"]
    assert (await call(STEPS[0], {"id": filed["id"]}, city))["step"]["status"] == "INVESTIGATING"


FILE_ITEM = """mutation($item: ItemInput!) { fileItem(item: $item, reason: "与县委督查室联合检查防汛物资") {
  __typename ... on Filing { id itemId } } }"""
APPROVE_FILING = "mutation($id: ID!) { approveFiling(filingId: $id) { __typename } }"
CODE_ITEM = "mutation($id: ID!) { codeItem(itemId: $id) { __typename ... on ItemCode { number token } } }"
CODE_NUMBER = "query($office: ID!) { items(officeId: $office) { id code { number } } }"
CHECK_IN_JOINT = """mutation($codes: [String!]!, $lead: ID!) { checkInJoint(codes: $codes, lead: $lead) {
  __typename ... on JointVisit { id officeIds lead { id name } inspectorsPresent { name }
                                 visits { itemId registeredBy countsTowardUnit } } } }"""
JOINT = "query($id: ID!) { jointVisit(id: $id) { id } }"
VISITS = "query($r: String!, $y: Int!) { regionFigures(region: $r, year: $y) { visits } }"


async def test_a_joint_visit_of_two_offices_is_admitted_once_and_counted_once_through_the_gateway(
    platform, call, until, admitted_unit
):
    flood, unit_token, _ = admitted_unit
    county = platform.keys.token(Role.COUNTY_OFFICE, OFFICE_REGION, office=OFFICE)
    bureau = platform.keys.token(Role.COUNTY_OFFICE, OFFICE_REGION, office="431024-yjj")
    today = datetime.now(CHINA).date()
    item = {
        "kind": "INSPECTION",
        "title": "防汛物资储备检查",
        "basis": "汛期临近，与县委督查室联合查看村级防汛物资储备。",
        "scopeRegions": [VILLAGE[:9]],
        "windowStart": today.isoformat(),
        "windowEnd": f"{YEAR}-12-31",
        "inspectors": [{"name": "胡国军", "title": "嘉禾县应急管理局水旱地灾股负责人"}],
    }
    filed = (await call(FILE_ITEM, {"item": item}, bureau))["fileItem"]
    assert filed["__typename"] == "Filing", filed
    assert (await call(APPROVE_FILING, {"id": filed["id"]}, county))["approveFiling"]["__typename"] == ("Filing")
    coded = (await call(CODE_ITEM, {"id": filed["itemId"]}, bureau))["codeItem"]
    assert coded["__typename"] == "ItemCode", coded
    flood_number = next(
        found["code"]["number"]
        for found in (await call(CODE_NUMBER, {"office": OFFICE}, county))["items"]
        if found["id"] == flood["id"]
    )
    before = (await call(VISITS, {"r": VILLAGE, "y": YEAR}, county))["regionFigures"]["visits"]
    codes = [flood["code"]["token"], coded["token"]]

    async def admitted():
        found = await call(CHECK_IN_JOINT, {"codes": codes, "lead": f"{flood_number}/1"}, unit_token)
        return found["checkInJoint"] if found["checkInJoint"]["__typename"] == "JointVisit" else None

    joint = await until(admitted, "inspection learns the filed item's code and admits the joint visit")
    assert set(joint["officeIds"]) == {OFFICE, "431024-yjj"}
    assert joint["lead"]["id"] == f"{flood_number}/1"
    assert "胡国军" in [member["name"] for member in joint["inspectorsPresent"]]
    assert sorted(visit["countsTowardUnit"] for visit in joint["visits"]) == [False, True], "counted once for the unit"
    assert {visit["itemId"] for visit in joint["visits"]} == {flood["id"], filed["itemId"]}
    outside = platform.keys.token(Role.COUNTY_OFFICE, "430112", office="430112-dcs")
    assert (await call(JOINT, {"id": joint["id"]}, outside))["jointVisit"] is None
    assert (await call(JOINT, {"id": joint["id"]}, county))["jointVisit"] == {"id": joint["id"]}

    async def counted_once():
        figures = (await call(VISITS, {"r": VILLAGE, "y": YEAR}, county))["regionFigures"]
        return figures["visits"] == before + 1

    await until(counted_once, "reporting counts the joint visit once for the village")
