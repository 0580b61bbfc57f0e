"""Two of everything: the end-to-end platform runs two replicas of each subgraph behind round-robin balancers,
each replica with its own outbox relay, consumers (sharing durable names) and sweeper. The whole story goes
through them: plan → code → scan → check-in → finding → task → reminder → close; every event is applied once,
every cap holds under check-ins spread over both inspection replicas, every reminder is sent once."""

import asyncio
import re
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import asyncpg
import httpx
import pytest

from wurao_common import db
from wurao_common.auth import Role
from wurao_reporting.domain.periods import CHINA

pytestmark = pytest.mark.e2e

# Items here are filed by Jiahe's emergency bureau and approved by the county's supervision office, so that the
# other end-to-end tests, which pick the supervision office's coded items, never meet them.
OFFICE, SUPERVISOR, COUNTY = "431024-yjj", "431024-dcs", "431024"
VILLAGE = "431024106201"
FILE_ITEM = """mutation($item: ItemInput!) { fileItem(item: $item, reason: "汛后新增险情，需计划外核查一次") {
  __typename ... on Filing { id itemId } } }"""
APPROVE = "mutation($id: ID!) { approveFiling(filingId: $id) { __typename } }"
CODE = "mutation($id: ID!) { codeItem(itemId: $id) { __typename ... on ItemCode { token } } }"
REGISTER = "mutation($unit: RegisterUnitInput!) { registerUnit(unit: $unit) { __typename ... on Unit { id } } }"
VERIFY = "query($code: String!) { verifyCode(code: $code) { __typename } }"
CHECK_IN = "mutation($code: String!) { checkIn(code: $code) { __typename ... on Visit { id } } }"
FINDING = """mutation($visit: ID!, $unit: ID!, $deadline: Date!) {
  recordFinding(input: {visitId: $visit, severity: MEDIUM, responsibleUnitId: $unit, description: "警示牌缺失",
                        proposedDeadline: $deadline}) { __typename } }"""
TASKS = "query($item: ID!) { tasks(itemId: $item) { tasks { id status history { action } } } }"
MOVE = {
    "start": "mutation($id: ID!) { startTask(id: $id) { __typename } }",
    "submit": 'mutation($id: ID!) { submitTask(id: $id, note: "已补设警示牌") { __typename } }',
    "verify": "mutation($id: ID!) { verifyTask(id: $id) { __typename } }",
}
TIMELINE = "query($id: ID!) { item(id: $id) { timeline { step } } }"
UNIT_VISITS = "query($unit: ID!, $y: Int!) { unitFigures(unitId: $unit, year: $y) { visits } }"


async def _call(client: httpx.AsyncClient, url: str, token: str, query: str, variables: dict) -> dict:
    response = await client.post(
        url, json={"query": query, "variables": variables}, headers={"authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def _until(check, what: str, tries: int = 300):
    for _ in range(tries):
        if found := await check():
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"never happened: {what}")


async def _graphql_requests(client: httpx.AsyncClient, metrics_url: str) -> float:
    """How many /graphql requests this replica has answered (its Prometheus counter, on its metrics port)."""
    text = (await client.get(metrics_url)).text
    pattern = r'^wurao_http_requests_total\{[^}]*path="/graphql"[^}]*\} ([0-9.e+]+)$'
    return sum(float(found) for found in re.findall(pattern, text, re.MULTILINE))


async def _coded_item(platform, client) -> tuple[str, str]:
    """A one-off item of Jiahe's emergency bureau over Longtan town, filed, approved, coded: (item id, code)."""
    today = datetime.now(CHINA).date()
    item = {
        "kind": "INSPECTION",
        "title": f"副本核查 {uuid.uuid4().hex[:6]}",
        "basis": "汛后新增地质灾害隐患点，需到现场核实",
        "scopeRegions": ["431024106"],
        "windowStart": today.isoformat(),
        "windowEnd": date(today.year, 12, 31).isoformat(),
        "inspectors": [{"name": "胡国军", "title": "督查组成员"}],
    }
    office = platform.keys.token(Role.COUNTY_OFFICE, COUNTY, office=OFFICE)
    gateway = platform.gateway_url
    filed = (await _call(client, gateway, office, FILE_ITEM, {"item": item}))["fileItem"]
    approver = platform.keys.token(Role.COUNTY_OFFICE, COUNTY, office=SUPERVISOR)
    assert (await _call(client, gateway, approver, APPROVE, {"id": filed["id"]}))["approveFiling"]["__typename"] == (
        "Filing"
    )
    coded = (await _call(client, gateway, office, CODE, {"id": filed["itemId"]}))["codeItem"]
    assert coded["__typename"] == "ItemCode", coded
    return filed["itemId"], coded["token"]


async def _new_unit(platform, client, code: str) -> tuple[str, str]:
    """A new village committee, once inspection (both replicas share its database) knows it: (id, token)."""
    office = platform.keys.token(Role.COUNTY_OFFICE, COUNTY, office=SUPERVISOR)
    unit = {"name": f"副本村民小组 {uuid.uuid4().hex[:6]}", "kind": "VILLAGE_COMMITTEE", "region": VILLAGE}
    unit_id = (await _call(client, platform.gateway_url, office, REGISTER, {"unit": unit}))["registerUnit"]["id"]
    token = platform.keys.token(Role.UNIT, VILLAGE, unit=unit_id)

    async def known() -> bool:
        verdict = await _call(client, platform.gateway_url, token, VERIFY, {"code": code})
        return verdict["verifyCode"]["__typename"] == "CodeValid"

    await _until(known, "inspection learns the new unit and the coded item")
    return unit_id, token


async def test_two_replicas_of_everything_run_the_whole_story_with_each_event_applied_and_each_reminder_sent_once(
    platform,
):
    assert platform.replicas == 2
    for name, urls in platform.replica_urls.items():
        assert len(urls) == 2
        assert platform.service_urls[name] not in urls, "the gateway calls a balancer"
    year = datetime.now(CHINA).year
    async with httpx.AsyncClient(timeout=30) as client:
        item_id, code = await _coded_item(platform, client)
        unit_id, unit_token = await _new_unit(platform, client, code)
        visit = (await _call(client, platform.gateway_url, unit_token, CHECK_IN, {"code": code}))["checkIn"]
        assert "id" in visit, visit
        inspector = platform.keys.token(Role.INSPECTOR, COUNTY, office=OFFICE)
        # Due within three days: the reminder is due at once, and two sweepers (one per replica) race to send it.
        deadline = (datetime.now(UTC).astimezone(CHINA).date() + timedelta(days=2)).isoformat()
        variables = {"visit": visit["id"], "unit": unit_id, "deadline": deadline}
        recorded = await _call(client, platform.gateway_url, inspector, FINDING, variables)
        assert recorded["recordFinding"]["__typename"] == "Finding"
        office = platform.keys.token(Role.COUNTY_OFFICE, COUNTY, office=OFFICE)

        async def reminded():
            tasks = (await _call(client, platform.gateway_url, office, TASKS, {"item": item_id}))["tasks"]["tasks"]
            actions = [step["action"] for task in tasks for step in task["history"]]
            return tasks if "reminded" in actions else None

        tasks = await _until(reminded, "the task is opened and its reminder sent")
        assert len(tasks) == 1
        task_id = tasks[0]["id"]
        for move, token in (("start", unit_token), ("submit", unit_token), ("verify", office)):
            moved = await _call(client, platform.gateway_url, token, MOVE[move], {"id": task_id})
            assert moved[next(iter(moved))]["__typename"] == "Task", moved

        async def told():
            timeline = (await _call(client, platform.gateway_url, office, TIMELINE, {"id": item_id}))["item"]
            steps = [entry["step"] for entry in timeline["timeline"] or []]
            return steps if "task_closed" in steps else None

        await _until(told, "reporting tells the item's story to the task's closing")
        await asyncio.sleep(2)  # two sweepers more, and time for a doubled delivery to show
        steps = Counter(
            entry["step"]
            for entry in (await _call(client, platform.gateway_url, office, TIMELINE, {"id": item_id}))["item"][
                "timeline"
            ]
        )
        story = ("filed", "filing_approved", "coded", "visited", "finding", "task_opened", "task_reminded")
        for step in (*story, "task_started", "task_submitted", "task_verified", "task_closed"):
            assert steps[step] == 1, f"{step} told {steps[step]} times: {steps}"
        tasks = (await _call(client, platform.gateway_url, office, TASKS, {"item": item_id}))["tasks"]["tasks"]
        assert [step["action"] for step in tasks[0]["history"]].count("reminded") == 1
        assert tasks[0]["status"] == "CLOSED"
        figures = (await _call(client, platform.gateway_url, office, UNIT_VISITS, {"unit": unit_id, "y": year}))[
            "unitFigures"
        ]
        assert figures["visits"] == 1

    rectification = await asyncpg.connect(
        await db.ensure_database(platform.server_urls["DATABASE_URL"], "wurao_rectification")
    )
    try:
        notices = await rectification.fetch("SELECT level FROM task_notices WHERE task_id = $1", uuid.UUID(task_id))
    finally:
        await rectification.close()
    assert [row["level"] for row in notices] == [0]


async def test_caps_hold_under_concurrent_check_ins_spread_over_both_inspection_replicas(platform):
    """Six check-ins at once per unit: two through the gateway (whose connections the balancer spreads) and two
    straight at each replica. One visit per item per unit is the cap: exactly one is admitted, one row kept,
    and reporting (two replicas consuming) counts it once."""
    year = datetime.now(CHINA).year
    replicas = platform.replica_urls["inspection"]
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=100)) as client:
        item_id, code = await _coded_item(platform, client)
        units = [await _new_unit(platform, client, code) for _ in range(4)]
        counters = [platform.metrics_urls[name] for name in platform.replica_names("inspection")]
        before = [await _graphql_requests(client, url) for url in counters]
        targets = [platform.gateway_url, platform.gateway_url, replicas[0], replicas[0], replicas[1], replicas[1]]

        async def check_in(url: str, token: str) -> str:
            return (await _call(client, url, token, CHECK_IN, {"code": code}))["checkIn"].get("id", "refused")

        outcomes = await asyncio.gather(
            *(check_in(url, token) for _, token in units for url in targets for _ in range(2))
        )
        after = [await _graphql_requests(client, url) for url in counters]
        direct_per_replica = len(units) * 2 * 2
        for index, (was, now) in enumerate(zip(before, after, strict=True)):
            assert now - was > direct_per_replica, f"replica {index + 1} got none of the gateway's check-ins"
        admitted = [outcome for outcome in outcomes if outcome != "refused"]
        assert len(admitted) == len(units), outcomes

        office = platform.keys.token(Role.COUNTY_OFFICE, COUNTY, office=OFFICE)
        for unit_id, _ in units:

            async def counted(unit_id=unit_id):
                figures = await _call(client, platform.gateway_url, office, UNIT_VISITS, {"unit": unit_id, "y": year})
                return figures["unitFigures"]["visits"] >= 1

            await _until(counted, "reporting counts the unit's visit")
        await asyncio.sleep(1)  # a doubled delivery would show now
        for unit_id, _ in units:
            figures = await _call(client, platform.gateway_url, office, UNIT_VISITS, {"unit": unit_id, "y": year})
            assert figures["unitFigures"]["visits"] == 1

    inspection = await asyncpg.connect(
        await db.ensure_database(platform.server_urls["DATABASE_URL"], "wurao_inspection")
    )
    try:
        rows = await inspection.fetch(
            "SELECT unit_id, count(*) AS n FROM visits WHERE item_id = $1 GROUP BY unit_id", uuid.UUID(item_id)
        )
    finally:
        await inspection.close()
    assert sorted((row["unit_id"], row["n"]) for row in rows) == sorted((unit_id, 1) for unit_id, _ in units)
