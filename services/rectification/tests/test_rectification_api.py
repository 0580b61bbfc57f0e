"""The rectification subgraph over HTTP, in process, on real PostgreSQL and NATS."""

import asyncio
import json
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from wurao_common import db
from wurao_common.auth import Caller, Role
from wurao_common.bus.consumer import Consumer
from wurao_common.bus.envelope import Event
from wurao_common.config import Config
from wurao_common.service import migration_components
from wurao_common.testing import apply_again, graphql, serving, settings_from
from wurao_rectification.api.context import RectificationContext
from wurao_rectification.app import MIGRATIONS, create_app
from wurao_rectification.consumers import SUBSCRIPTIONS
from wurao_rectification.consumers.offices import on_office_registered
from wurao_rectification.domain.tasks import china_today
from wurao_rectification.settings import RectificationSettings
from wurao_rectification.testing import OFFICE, OFFICE_REGION, UNIT, UNIT_REGION, finding
from wurao_rectification.usecases.sweep import sweep_once

TASK_FIELDS = "id status itemId deadline overdue escalationLevel sentBackReason timesSentBack verifiedBy"
RESULT = (
    "__typename ... on Task { " + TASK_FIELDS + " } ... on NotAllowed { reason } "
    "... on InvalidInput { field reason } ... on Conflict { reason }"
)


def mutation(variables: str, call: str) -> str:
    return f"mutation({variables}) {{ {call} {{ {RESULT} }} }}"


START = mutation("$id: ID!", "startTask(id: $id)")
SUBMIT = mutation(
    "$id: ID!, $note: String!, $evidence: [String!]", "submitTask(id: $id, note: $note, evidence: $evidence)"
)
VERIFY = mutation("$id: ID!", 'verifyTask(id: $id, note: "现场核实")')
SEND_BACK = mutation("$id: ID!, $reason: String!", "sendBackTask(id: $id, reason: $reason)")
TASK = "query($id: ID!) { task(id: $id) { " + TASK_FIELDS + " history { action actor note evidence } } }"
TASKS = """query($region: String, $status: TaskStatus, $unitId: ID, $itemId: ID, $overdue: Boolean!, $first: Int!,
                 $after: String) {
  tasks(region: $region, status: $status, unitId: $unitId, itemId: $itemId, overdue: $overdue, first: $first,
        after: $after) { tasks { id status overdue } nextCursor } }"""


def today_plus(days: int) -> str:
    return (china_today(datetime.now(UTC)) + timedelta(days=days)).isoformat()


def finding_event(data: dict, *, recorded_at: datetime | None = None) -> Event:
    return Event(
        type="inspection.finding.recorded", region=data["unitRegion"], data=data, time=recorded_at or datetime.now(UTC)
    )


@pytest.fixture
def app_env(service_env):
    return service_env(bus_user="rectification")


@pytest.fixture
async def rectification(app_env):
    async with serving(
        create_app(settings_from(app_env), RectificationSettings.from_env(Config(environ=app_env)))
    ) as client:
        yield client


@pytest.fixture
def open_task(rectification, pool, nats_client):
    """Applies a finding as the consumer would; returns the task's id."""
    consumer = Consumer(pool, nats_client, SUBSCRIPTIONS[0])

    async def open_(recorded_at: datetime | None = None, **overrides) -> str:
        data = finding(**{"proposedDeadline": today_plus(20), **overrides})
        assert await consumer.apply(finding_event(data, recorded_at=recorded_at))
        return str(await pool.fetchval("SELECT id FROM tasks WHERE finding_id = $1", data["findingId"]))

    return open_


@pytest.fixture
def as_(jwt_keys):
    return {
        "unit": jwt_keys.bearer(Role.UNIT, UNIT_REGION, unit_id=UNIT, subject="village-clerk"),
        "other unit": jwt_keys.bearer(Role.UNIT, "431024106", unit_id="431024106-zf"),
        "inspector": jwt_keys.bearer(Role.INSPECTOR, OFFICE_REGION, office_id=OFFICE, subject="inspector-li"),
        "other inspector": jwt_keys.bearer(Role.INSPECTOR, OFFICE_REGION, office_id="431024-yjj"),
        "office": jwt_keys.bearer(Role.COUNTY_OFFICE, OFFICE_REGION, office_id=OFFICE, subject="county-officer"),
        "city office": jwt_keys.bearer(Role.CITY_OFFICE, "4310", office_id="4310-dcs"),
        "outside office": jwt_keys.bearer(Role.CITY_OFFICE, "4301", office_id="4301-dcs"),
        "observer": jwt_keys.bearer(Role.OBSERVER, "43"),
    }


async def collect_events(nats_client, subject: str):
    """Subscribes before the action; returns the list the relay's publications are appended to."""
    seen: list[dict] = []

    async def on_message(message) -> None:
        seen.append(json.loads(message.data))

    await nats_client.subscribe(subject, cb=on_message)
    return seen


async def eventually(predicate, *, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not await predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_a_task_goes_from_open_through_a_send_back_to_closed_and_the_item_settles(
    rectification, open_task, as_, nats_client
):
    seen = await collect_events(nats_client, "wurao.rectification.>")
    task_id = await open_task(itemId="item-flow")

    async def call(who: str, query: str, **variables) -> dict:
        body = await graphql(rectification, query, {"id": task_id, **variables}, headers=as_[who])
        assert "errors" not in body, body
        return next(iter(body["data"].values()))

    assert (await call("unit", TASK))["status"] == "OPEN"
    assert (await call("inspector", START))["__typename"] == "NotAllowed"
    assert (await call("unit", START))["status"] == "IN_PROGRESS"
    assert (await call("unit", SUBMIT, note="", evidence=[]))["__typename"] == "InvalidInput"
    assert (await call("unit", SUBMIT, note="已清运", evidence=["photo/after.jpg"]))["status"] == "SUBMITTED"
    assert (await call("unit", VERIFY))["__typename"] == "NotAllowed"
    assert (await call("city office", VERIFY))["__typename"] == "NotAllowed"
    sent_back = await call("inspector", SEND_BACK, reason="照片不清晰")
    assert (sent_back["status"], sent_back["sentBackReason"], sent_back["timesSentBack"]) == (
        "IN_PROGRESS",
        "照片不清晰",
        1,
    )
    assert (await call("unit", SUBMIT, note="已重新清运", evidence=["photo/again.jpg"]))["status"] == "SUBMITTED"
    closed = await call("office", VERIFY)
    assert (closed["status"], closed["verifiedBy"]) == ("CLOSED", "county-officer")
    assert (await call("inspector", VERIFY))["__typename"] == "Conflict"

    history = (await call("observer", TASK))["history"]
    assert [(step["action"], step["actor"]) for step in history] == [
        ("opened", history[0]["actor"]),
        ("started", "village-clerk"),
        ("submitted", "village-clerk"),
        ("sent_back", "inspector-li"),
        ("submitted", "village-clerk"),
        ("verified", "county-officer"),
    ]
    assert history[2]["evidence"] == ["photo/after.jpg"]

    def types() -> list[str]:
        return [
            e["type"].removeprefix("cn.wurao.rectification.") for e in seen if e["data"].get("itemId") == "item-flow"
        ]

    async def settled() -> bool:
        return "item.settled" in types()

    await eventually(settled)
    # The order is the history's (above); the relay publishes a transaction's events concurrently.
    expected = ["opened", "started", "submitted", "sent_back", "submitted", "verified", "closed"]
    assert Counter(types()) == Counter([f"task.{action}" for action in expected] + ["item.settled"])


async def test_a_caller_who_may_not_read_the_task_cannot_tell_it_exists(rectification, open_task, as_):
    task_id = await open_task()
    missing = await graphql(rectification, START, {"id": "not-a-task"}, headers=as_["unit"])
    assert missing["data"]["startTask"]["__typename"] == "InvalidInput"
    for who in ("other unit", "other inspector", "outside office"):
        assert (await graphql(rectification, TASK, {"id": task_id}, headers=as_[who]))["data"]["task"] is None, who
        body = await graphql(rectification, START, {"id": task_id}, headers=as_[who])
        assert body["data"]["startTask"] == missing["data"]["startTask"], who


async def test_lists_hold_only_what_the_caller_may_read(rectification, open_task, as_):
    task_id = await open_task()
    readers = {"unit", "inspector", "office", "city office", "observer"}
    for who, headers in as_.items():
        body = await graphql(rectification, TASKS, {"overdue": False, "first": 50}, headers=headers)
        found = [t["id"] for t in body["data"]["tasks"]["tasks"]]
        assert found == ([task_id] if who in readers else []), who


async def test_tasks_filter_by_unit_item_region_status_and_overdue(rectification, open_task, as_):
    overdue_id = await open_task(
        recorded_at=datetime.now(UTC) - timedelta(days=40), proposedDeadline=None, severity="high", itemId="item-a"
    )
    other_unit_id = await open_task(responsibleUnitId="431024103-zf", unitRegion="431024103", itemId="item-b")

    async def ids(**filters) -> list[str]:
        variables = {"overdue": False, "first": 50, **filters}
        body = await graphql(rectification, TASKS, variables, headers=as_["office"])
        return [t["id"] for t in body["data"]["tasks"]["tasks"]]

    assert await ids(unitId=UNIT) == [overdue_id]
    assert await ids(itemId="item-b") == [other_unit_id]
    assert await ids(region="431024103") == [other_unit_id]
    assert await ids(overdue=True) == [overdue_id]
    assert sorted(await ids(status="OPEN")) == sorted([overdue_id, other_unit_id])
    assert await ids(status="CLOSED") == []


async def test_pages_follow_the_cursor_without_gaps_or_repeats(rectification, open_task, as_):
    opened = {await open_task() for _ in range(5)}
    seen, after = [], None
    while True:
        variables = {"overdue": False, "first": 2, "after": after}
        page = (await graphql(rectification, TASKS, variables, headers=as_["observer"]))["data"]["tasks"]
        seen += [t["id"] for t in page["tasks"]]
        after = page["nextCursor"]
        if after is None:
            break
    assert sorted(seen) == sorted(opened)


async def test_a_malformed_region_or_cursor_is_a_client_error_not_a_500(rectification, as_):
    for variables, message in (({"region": "43x"}, "region"), ({"after": "junk"}, "after")):
        body = await graphql(rectification, TASKS, {"overdue": False, "first": 5, **variables}, headers=as_["observer"])
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert message in body["errors"][0]["message"]


async def test_the_task_entity_resolves_only_for_callers_who_may_read_it(rectification, open_task, as_):
    task_id = await open_task()
    query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Task { id status } } }"
    variables = {"r": [{"__typename": "Task", "id": task_id}, {"__typename": "Task", "id": "nope"}]}
    inside = await graphql(rectification, query, variables, headers=as_["observer"])
    assert inside["data"]["_entities"] == [{"id": task_id, "status": "OPEN"}, None]
    outside = await graphql(rectification, query, variables, headers=as_["outside office"])
    assert outside["data"]["_entities"] == [None, None]


async def test_a_finding_published_on_the_bus_opens_its_task(rectification, nats_client, pool):
    data = finding(proposedDeadline=today_plus(10))
    event = finding_event(data)
    await nats_client.jetstream().publish(event.nats_subject, event.to_json(), headers={"Nats-Msg-Id": event.id})

    async def opened() -> bool:
        return await pool.fetchval("SELECT count(*) FROM tasks WHERE finding_id = $1", data["findingId"]) == 1

    await eventually(opened)


@pytest.fixture
def fast_sweeps(service_env):
    return service_env(bus_user="rectification", SWEEP_SECONDS="0.05")


async def test_the_running_service_escalates_overdue_tasks_on_its_own(fast_sweeps, pool, nats_client):
    app = create_app(settings_from(fast_sweeps), RectificationSettings.from_env(Config(environ=fast_sweeps)))
    async with serving(app):
        data = finding(proposedDeadline=None, severity="high")
        await Consumer(pool, nats_client, SUBSCRIPTIONS[0]).apply(
            finding_event(data, recorded_at=datetime.now(UTC) - timedelta(days=30))
        )

        async def escalated_twice() -> bool:
            return await pool.fetchval("SELECT count(*) FROM task_notices") == 2

        await eventually(escalated_twice)
        await asyncio.sleep(0.2)  # a few more sweeps
        assert await pool.fetchval("SELECT array_agg(level ORDER BY level) FROM task_notices") == [1, 2]


def with_request_id(query: str) -> str:
    """The same mutation, named by a request id."""
    variables, call = query.removeprefix("mutation(").split(") { ", 1)
    name, rest = call.split("(", 1)
    return f"mutation({variables}, $requestId: String) {{ {name}(requestId: $requestId, {rest}"


async def history_actions(pool, task_id: str) -> list[str]:
    return [row["action"] for row in await pool.fetch("SELECT action FROM task_history WHERE task_id = $1", task_id)]


async def test_concurrent_retries_of_one_named_step_move_the_task_once_and_all_return_it(
    rectification, open_task, as_, pool
):
    task_id = await open_task()
    start = with_request_id(START)
    bodies = await asyncio.gather(
        *(
            graphql(rectification, start, {"id": task_id, "requestId": "phone-s1"}, headers=as_["unit"])
            for _ in range(5)
        )
    )
    assert [body["data"]["startTask"]["status"] for body in bodies] == ["IN_PROGRESS"] * 5
    assert await history_actions(pool, task_id) == ["opened", "started"]
    unnamed = await graphql(rectification, START, {"id": task_id}, headers=as_["unit"])
    assert unnamed["data"]["startTask"]["__typename"] == "Conflict", "without a request id a second start conflicts"


async def test_the_office_and_its_inspectors_do_not_share_request_ids(rectification, open_task, as_, pool):
    """A request id is its caller's own: the same id from the inspector and from the office's staff names two
    requests, neither blocked by nor answered with the other's."""
    tasks = [await open_task(), await open_task()]
    for task_id in tasks:
        await graphql(rectification, START, {"id": task_id}, headers=as_["unit"])
        await graphql(rectification, SUBMIT, {"id": task_id, "note": "已清运"}, headers=as_["unit"])
    verify = with_request_id(VERIFY)
    await graphql(rectification, verify, {"id": tasks[0], "requestId": "v-1"}, headers=as_["inspector"])

    same_task = await graphql(rectification, verify, {"id": tasks[0], "requestId": "v-1"}, headers=as_["office"])
    other_task = await graphql(rectification, verify, {"id": tasks[1], "requestId": "v-1"}, headers=as_["office"])

    assert same_task["data"]["verifyTask"]["__typename"] == "Conflict", "not a retry: the task is closed already"
    assert other_task["data"]["verifyTask"].get("status") == "CLOSED", other_task
    assert [(await history_actions(pool, task_id)).count("verified") for task_id in tasks] == [1, 1]


async def test_a_request_id_names_one_request_of_one_caller_and_mutation(rectification, open_task, as_):
    task_id, other_id = await open_task(), await open_task()
    start = with_request_id(START)
    await graphql(rectification, start, {"id": task_id, "requestId": "r-1"}, headers=as_["unit"])

    reused = await graphql(rectification, start, {"id": other_id, "requestId": "r-1"}, headers=as_["unit"])
    assert reused["data"]["startTask"] == {
        "__typename": "InvalidInput",
        "field": "requestId",
        "reason": "this request id was used for another request: give each request its own id",
    }
    submit = with_request_id(SUBMIT)
    other_step = await graphql(
        rectification, submit, {"id": task_id, "note": "n", "requestId": "r-1"}, headers=as_["unit"]
    )
    assert other_step["data"]["submitTask"]["status"] == "SUBMITTED", "another step is another request"
    # Another caller's same id finds nothing of ours: it is refused as it would be without an id.
    stranger = await graphql(rectification, start, {"id": task_id, "requestId": "r-1"}, headers=as_["other unit"])
    assert stranger["data"]["startTask"]["__typename"] == "InvalidInput"
    assert stranger["data"]["startTask"]["field"] == "id"
    too_long = await graphql(rectification, start, {"id": other_id, "requestId": "x" * 101}, headers=as_["unit"])
    assert too_long["data"]["startTask"]["field"] == "requestId"


async def test_steps_named_when_request_ids_were_the_units_or_offices_are_found_by_their_retries(
    rectification, open_task, as_, pool
):
    """Keys stored before migration 005 (the unit's or office's, U+001F, the client's id) are rescoped to who took
    the step: a retry across the upgrade returns the task and moves nothing twice."""
    task_id = await open_task()
    steps = [(START, {}, "unit", "s-1"), (SUBMIT, {"note": "已清运"}, "unit", "s-2"), (VERIFY, {}, "inspector", "v-1")]

    async def requests() -> list[dict]:
        answers = [
            await graphql(
                rectification,
                with_request_id(step),
                {"id": task_id, **variables, "requestId": request_id},
                headers=as_[who],
            )
            for step, variables, who, request_id in steps
        ]
        return [next(iter(answer["data"].values()))["__typename"] for answer in answers]

    first = await requests()
    for party, kind, request_id in (
        (f"unit:{UNIT}", "task.started", "s-1"),
        (f"unit:{UNIT}", "task.submitted", "s-2"),
        (f"office:{OFFICE}", "task.verified", "v-1"),
    ):
        stored = f"{party}\x1f{request_id}"
        await pool.execute("UPDATE request_results SET request_id = $1 WHERE kind = $2", stored, kind)
    await apply_again(pool, migration_components("rectification", MIGRATIONS), "rectification", 5)

    assert await requests() == first == ["Task"] * 3
    assert await history_actions(pool, task_id) == ["opened", "started", "submitted", "verified"]


async def test_federated_items_each_get_the_tasks_the_caller_may_read_from_one_query(
    rectification, open_task, as_, database_url
):
    first = await open_task(itemId="item-a")
    second = await open_task(responsibleUnitId="431024103-zf", unitRegion="431024103", itemId="item-b")
    query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Item { id tasks { id } } } }"
    variables = {"r": [{"__typename": "Item", "id": item} for item in ("item-a", "item-b", "item-c")]}
    office = await graphql(rectification, query, variables, headers=as_["office"])
    assert office["data"]["_entities"] == [
        {"id": "item-a", "tasks": [{"id": first}]},
        {"id": "item-b", "tasks": [{"id": second}]},
        {"id": "item-c", "tasks": []},
    ]
    unit = await graphql(rectification, query, variables, headers=as_["unit"])
    assert [entity["tasks"] for entity in unit["data"]["_entities"]] == [[{"id": first}], [], []]

    # The loader behind Item.tasks: three items asked for at once are one SELECT on tasks.
    one = await db.create_pool(database_url, min_size=1, max_size=1)
    try:
        async with one.acquire() as conn:
            sent: list[str] = []
            conn._con.add_query_logger(lambda record: sent.append(record.query))  # the pooled connection itself
        context = RectificationContext(caller=Caller("o", Role.OBSERVER, "43"), pool=one)
        loaded = await asyncio.gather(*(context.tasks_of_item.load((item, 50)) for item in ("item-a", "item-b", "c")))
    finally:
        await one.close()
    assert [[task.id for task in tasks] for tasks in loaded] == [[first], [second], []]
    assert sum("FROM tasks" in query for query in sent) == 1


EXTEND = mutation(
    "$id: ID!, $until: Date!, $reason: String!, $requestId: String",
    "requestDeadlineExtension(id: $id, until: $until, reason: $reason, requestId: $requestId)",
)
DECIDE = mutation(
    "$id: ID!, $approve: Boolean!, $note: String!", "decideDeadlineExtension(id: $id, approve: $approve, note: $note)"
)
EXTENSION = "query($id: ID!) { task(id: $id) { deadline extension { status until reason originalDeadline } } }"
ESCALATED = "query { escalatedTasks { tasks { id } nextCursor } }"


async def test_the_unit_asks_once_and_the_issuing_office_extends_the_deadline_on_the_task_and_its_timeline(
    rectification, open_task, as_, pool
):
    task_id = await open_task()
    deadline, until = today_plus(20), today_plus(40)
    ask = {"id": task_id, "until": until, "reason": "雨季无法施工", "requestId": "ext-1"}

    for who in ("other unit", "inspector", "office", "outside office", "observer"):
        refused = await graphql(rectification, EXTEND, ask, headers=as_[who])
        assert refused["data"]["requestDeadlineExtension"]["__typename"] in ("NotAllowed", "InvalidInput"), who
    asked = [await graphql(rectification, EXTEND, ask, headers=as_["unit"]) for _ in range(2)]
    assert asked[0] == asked[1], "a retried request returns the first answer"
    for who in ("inspector", "city office", "outside office", "unit"):
        refused = await graphql(rectification, DECIDE, {"id": task_id, "approve": True, "note": ""}, headers=as_[who])
        assert refused["data"]["decideDeadlineExtension"]["__typename"] in ("NotAllowed", "InvalidInput"), who
    approved = await graphql(rectification, DECIDE, {"id": task_id, "approve": True, "note": ""}, headers=as_["office"])
    assert approved["data"]["decideDeadlineExtension"]["deadline"] == until

    shown = (await graphql(rectification, EXTENSION, {"id": task_id}, headers=as_["unit"]))["data"]["task"]
    assert shown == {
        "deadline": until,
        "extension": {"status": "APPROVED", "until": until, "reason": "雨季无法施工", "originalDeadline": deadline},
    }
    again = await graphql(rectification, EXTEND, {**ask, "requestId": "ext-2"}, headers=as_["unit"])
    assert again["data"]["requestDeadlineExtension"]["__typename"] == "Conflict", "extended once"
    assert await history_actions(pool, task_id) == ["opened", "extension_requested", "extension_approved"]


async def test_a_declined_extension_keeps_the_deadline_and_says_why(rectification, open_task, as_):
    task_id = await open_task()
    ask = {"id": task_id, "until": today_plus(30), "reason": "人手不足"}
    await graphql(rectification, EXTEND, ask, headers=as_["unit"])
    no_reason = await graphql(
        rectification, DECIDE, {"id": task_id, "approve": False, "note": ""}, headers=as_["office"]
    )
    assert no_reason["data"]["decideDeadlineExtension"]["field"] == "note"
    declined = await graphql(
        rectification, DECIDE, {"id": task_id, "approve": False, "note": "期限已充足"}, headers=as_["office"]
    )
    assert declined["data"]["decideDeadlineExtension"]["deadline"] == today_plus(20)
    shown = (await graphql(rectification, EXTENSION, {"id": task_id}, headers=as_["office"]))["data"]["task"]
    assert (shown["extension"]["status"], shown["extension"]["originalDeadline"]) == ("DECLINED", None)


async def test_an_office_lists_what_was_escalated_to_it_and_no_one_else_sees_it_there(
    rectification, open_task, as_, pool
):
    async with pool.acquire() as conn, conn.transaction():
        await on_office_registered(
            conn,
            Event(
                type="plan.office.registered",
                region="4310",
                data={"officeId": "4310-dcs", "kind": "supervision", "region": "4310"},
            ),
        )
    overdue = await open_task(recorded_at=datetime.now(UTC) - timedelta(days=40), proposedDeadline=None)
    await open_task()  # not overdue: never escalated
    await sweep_once(pool, datetime.now(UTC))

    async def escalated() -> bool:
        """The app's own sweeper makes a round as it starts: when it holds the task, this sweep skips it (rows a
        sweeper holds are skipped, as replicas share the work) and the round commits a moment later (seen once:
        the city's list was still empty)."""
        return await pool.fetchval("SELECT count(*) FROM task_notices WHERE task_id = $1::uuid", overdue) == 2

    await eventually(escalated)

    for who, expected in {
        "city office": [overdue],
        "office": [],
        "inspector": [],
        "outside office": [],
        "unit": [],
        "observer": [],
    }.items():
        body = await graphql(rectification, ESCALATED, headers=as_[who])
        assert [t["id"] for t in body["data"]["escalatedTasks"]["tasks"]] == expected, who
