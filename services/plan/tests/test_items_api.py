"""Reading items (by id, by region and status, as federation entities) and their lifecycle after coding:
activation when the window opens, completion once rectification settles them and the window is over."""

import asyncio
import uuid
from datetime import date

from wurao_common.auth import Role
from wurao_common.bus.envelope import Event
from wurao_common.testing import graphql
from wurao_plan.usecases.items import advance_items

ITEMS = "query($region: String, $status: ItemStatus) { items(region: $region, status: $status) { id title status } }"
ENTITIES = "query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Item { id title office { name } } } }"
DAFANGYUAN = {"role": Role.UNIT, "region": "431024106201", "unit_id": "431024106201-cwh"}


def bearer(jwt_keys, role, region, **claims):
    return jwt_keys.bearer(role, region, **claims)


async def test_a_unit_finds_the_decided_items_that_may_inspect_it_and_nothing_else(plan, jwt_keys, insert_item):
    longtan = await insert_item("431024-dcs", status="coded", scope_regions=["431024106"], title="龙潭")
    await insert_item("431024-dcs", status="draft", scope_regions=["431024106"], title="草稿")
    await insert_item("431024-dcs", status="coded", scope_regions=["431024103"], title="袁家")
    await insert_item("4301-dcs", status="coded", scope_regions=["430112"], title="望城")
    body = await graphql(plan, ITEMS, {}, headers=bearer(jwt_keys, **DAFANGYUAN))
    assert body["data"]["items"] == [{"id": longtan, "title": "龙潭", "status": "CODED"}]


async def test_items_are_filtered_by_the_region_they_may_inspect_and_by_status(plan, jwt_keys, insert_item):
    longtan = await insert_item("431024-dcs", status="coded", scope_regions=["431024106"], title="龙潭")
    yuanjia = await insert_item("431024-dcs", status="approved", scope_regions=["431024103"], title="袁家")
    headers = bearer(jwt_keys, Role.OBSERVER, "4310")
    in_longtan = await graphql(plan, ITEMS, {"region": "431024106201"}, headers=headers)
    approved = await graphql(plan, ITEMS, {"status": "APPROVED"}, headers=headers)
    assert [item["id"] for item in in_longtan["data"]["items"]] == [longtan]
    assert [item["id"] for item in approved["data"]["items"]] == [yuanjia]


async def test_an_item_resolves_as_an_entity_only_for_callers_it_concerns(plan, jwt_keys, insert_item):
    coded = await insert_item("431024-dcs", status="coded", scope_regions=["431024106"])
    draft = await insert_item("431024-dcs", status="draft", scope_regions=["431024106"])
    reps = [
        {"__typename": "Item", "id": coded},
        {"__typename": "Item", "id": draft},
        {"__typename": "Item", "id": "not-a-uuid"},
    ]
    unit = await graphql(plan, ENTITIES, {"reps": reps}, headers=bearer(jwt_keys, **DAFANGYUAN))
    changsha = await graphql(plan, ENTITIES, {"reps": reps}, headers=bearer(jwt_keys, Role.INSPECTOR, "4301"))
    assert unit["data"]["_entities"] == [
        {"id": coded, "title": "汛期防汛备汛专项督查", "office": {"name": "嘉禾县委督查室"}},
        None,
        None,
    ]
    assert changsha["data"]["_entities"] == [None, None, None]


async def test_the_sweep_activates_coded_items_whose_window_opened_and_announces_it(
    plan, pool, plan_events, insert_item
):
    opened = await insert_item("431024-dcs", status="coded", window=(date(2026, 4, 1), date(2026, 12, 31)))
    later = await insert_item("431024-dcs", status="coded", window=(date(2026, 12, 1), date(2026, 12, 31)))
    assert await advance_items(pool, date(2026, 11, 30)) == 1
    assert await advance_items(pool, date(2026, 11, 30)) == 0
    statuses = dict(await pool.fetch("SELECT id::text, status FROM items"))
    assert statuses == {opened: "active", later: "coded"}
    await plan_events.settle(pool)
    assert [(e.data["itemId"], e.data["year"]) for e in plan_events.of_type("plan.item.activated")] == [(opened, 2026)]


async def publish(nats_client, event_type: str, item_id: str, task_id: str) -> None:
    """A rectification task event for the item, whole as rectification publishes it (docs/events.md)."""
    unit, deadline = "431024106201-cwh", "2026-04-30"
    data = {"taskId": task_id, "itemId": item_id, "officeId": "431024-dcs", "responsibleUnitId": unit}
    if event_type == "rectification.task.opened":
        ids = {"findingId": str(uuid.uuid4()), "visitId": str(uuid.uuid4())}
        data |= ids | {"officeRegion": "431024", "unitRegion": "431024106201", "severity": "medium"}
    data |= {"deadline": deadline} | ({"onTime": True} if event_type == "rectification.task.closed" else {})
    event = Event(type=event_type, region="431024106201", data=data)
    await nats_client.jetstream().publish(event.nats_subject, event.to_json(), headers={"Nats-Msg-Id": event.id})


async def until(pool, query: str, *args) -> None:
    for _ in range(200):
        if await pool.fetchval(query, *args):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never true: {query}")


async def applied(pool, task_id: str, *, closed: bool) -> None:
    await until(pool, "SELECT closed = $2 FROM item_rectification_tasks WHERE task_id = $1::uuid", task_id, closed)


async def test_an_item_with_an_open_rectification_task_completes_only_once_the_task_closes(
    plan, pool, plan_events, nats_client, insert_item
):
    over = await insert_item("431024-dcs", status="active", window=(date(2026, 3, 1), date(2026, 3, 31)))
    task = str(uuid.uuid4())
    await publish(nats_client, "rectification.task.opened", over, task)
    await until(pool, "SELECT rectification_open FROM items WHERE id = $1::uuid", over)
    assert await advance_items(pool, date(2026, 11, 30)) == 0
    await publish(nats_client, "rectification.task.closed", over, task)
    await until(pool, "SELECT status = 'completed' FROM items WHERE id = $1::uuid", over)
    await plan_events.settle(pool)
    assert [(e.data["itemId"], e.data["year"]) for e in plan_events.of_type("plan.item.completed")] == [(over, 2026)]


async def test_a_task_closed_before_its_opening_arrives_never_keeps_the_item_open(plan, pool, nats_client, insert_item):
    over = await insert_item("431024-dcs", status="active", window=(date(2026, 3, 1), date(2026, 3, 31)))
    task = str(uuid.uuid4())
    await publish(nats_client, "rectification.task.closed", over, task)
    await applied(pool, task, closed=True)
    await publish(nats_client, "rectification.task.opened", over, task)  # late, or redelivered
    await until(pool, "SELECT status = 'completed' FROM items WHERE id = $1::uuid", over)
    assert await pool.fetchval("SELECT rectification_open FROM items WHERE id = $1::uuid", over) is False


async def test_one_task_closing_leaves_the_item_open_while_another_is_open(plan, pool, nats_client, insert_item):
    over = await insert_item("431024-dcs", status="active", window=(date(2026, 3, 1), date(2026, 3, 31)))
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    await publish(nats_client, "rectification.task.opened", over, first)
    await publish(nats_client, "rectification.task.opened", over, second)
    await publish(nats_client, "rectification.task.closed", over, first)
    await applied(pool, first, closed=True)
    await applied(pool, second, closed=False)
    assert await pool.fetchval("SELECT status FROM items WHERE id = $1::uuid", over) == "active"
    await publish(nats_client, "rectification.task.closed", over, second)
    await until(pool, "SELECT status = 'completed' FROM items WHERE id = $1::uuid", over)


async def test_a_task_opened_after_the_item_completed_reopens_it_until_the_task_closes(
    plan, pool, plan_events, nats_client, insert_item
):
    over = await insert_item("431024-dcs", status="active", window=(date(2026, 3, 1), date(2026, 3, 31)))
    assert await advance_items(pool, date(2026, 11, 30)) == 1
    task = str(uuid.uuid4())
    await publish(nats_client, "rectification.task.opened", over, task)
    await until(pool, "SELECT status = 'active' FROM items WHERE id = $1::uuid", over)
    await publish(nats_client, "rectification.task.closed", over, task)
    await until(pool, "SELECT status = 'completed' FROM items WHERE id = $1::uuid", over)
    await plan_events.settle(pool)
    assert [e.data["itemId"] for e in plan_events.of_type("plan.item.reopened")] == [over]
    assert len(plan_events.of_type("plan.item.completed")) == 2


async def test_the_sweep_completes_items_whose_window_is_over_with_nothing_left_to_rectify(plan, pool, insert_item):
    quiet = await insert_item("431024-dcs", status="active", window=(date(2026, 3, 1), date(2026, 3, 31)))
    running = await insert_item("431024-dcs", status="active", window=(date(2026, 3, 1), date(2026, 12, 31)))
    assert await advance_items(pool, date(2026, 11, 30)) == 1
    statuses = dict(await pool.fetch("SELECT id::text, status FROM items"))
    assert statuses == {quiet: "completed", running: "active"}
