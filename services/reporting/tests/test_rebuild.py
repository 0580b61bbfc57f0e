"""Three ways to build the read models end alike: the live consumers, a rebuild from the stream, one by one."""

import asyncio
import dataclasses
import random
import uuid

from wurao_common.bus.consumer import Consumer
from wurao_common.bus.envelope import STREAM
from wurao_reporting import testing as t
from wurao_reporting.adapters import figures
from wurao_reporting.consumers import SUBSCRIPTIONS
from wurao_reporting.domain import caps
from wurao_reporting.rebuild import rebuild


def renamed(prefix: str):
    """Reporting's subscriptions under durable names of this test's own (the session shares one NATS server)."""
    return [dataclasses.replace(s, durable=f"{prefix}-{uuid.uuid4().hex[:8]}-{s.durable}") for s in SUBSCRIPTIONS]


async def everything(pool) -> tuple:
    facts = await pool.fetch("SELECT event_id, type, at, item_id, detail FROM facts ORDER BY event_id")
    tasks = await pool.fetch("SELECT task_id, closed_at FROM tasks ORDER BY task_id")
    loads = await pool.fetch("SELECT office_id, plans_drafted FROM office_load ORDER BY office_id")
    counted = await pool.fetch("SELECT * FROM cap_visits ORDER BY visit_id")
    still_open = await pool.fetch("SELECT * FROM open_tasks WHERE tasks <> 0 ORDER BY 1, 2, 3, 4, 5")
    return (
        await figures.dump(pool),
        [tuple(r.values()) for r in still_open],
        [tuple(r.values()) for r in facts],
        [tuple(r.values()) for r in tasks],
        loads,
        [tuple(r.values()) for r in counted],
    )


async def live(pool, nc) -> None:
    """What the running service does: its consumers apply the stream as it arrives."""
    subscriptions = renamed("live")
    consumers = [Consumer(pool, nc, subscription) for subscription in subscriptions]
    for consumer in consumers:
        await consumer.start()
    js = nc.jetstream()
    try:
        for _ in range(1200):
            infos = [await js.consumer_info(STREAM, s.durable) for s in subscriptions]
            if all(info.num_pending == 0 and info.num_ack_pending == 0 for info in infos):
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the live consumers never caught up")
    finally:
        for consumer in consumers:
            await consumer.stop()


async def test_a_rebuild_ends_with_the_figures_the_live_consumers_built(nats_client, migrated, second_migrated):
    village = f"439904101{random.randrange(1000):03d}"
    item, task = str(uuid.uuid4()), str(uuid.uuid4())
    published = [
        t.cap_policy(),  # three visits a year per level: the village committee's two put it near its county cap
        t.item_event("plan.item.approved", item),
        t.visit(item_id=item, unit=f"{village}-cwh", unit_region=village),
        t.visit(item_id=item, unit=f"{village}-cwh", unit_region=village),
        t.finding(item_id=item),
        t.task_opened(task, item_id=item),
        t.task_opened(str(uuid.uuid4()), item_id=item),  # still open
        t.task_step("closed", task, item_id=item, onTime=True, deadline="2026-03-31"),
    ]
    js = nats_client.jetstream()
    for event in published:
        await js.publish(event.nats_subject, event.to_json(), headers={"Nats-Msg-Id": event.id})
    live_pool, rebuilt_pool = migrated, second_migrated
    await live(live_pool, nats_client)
    built_live = await everything(live_pool)
    assert ("region", village, 2026, 3, "visits.counted", 2) in built_live[0]
    assert ("region", village, 2026, 3, caps.NEAR_CAP, 1) in built_live[0]  # stored as the change in its month
    assert any(row[:2] == ("unit", t.UNIT) for row in built_live[1])  # the task still open

    # What a rebuild must undo: a wrong figure, an inbox row claiming an event it never applied.
    await rebuilt_pool.execute("INSERT INTO figures VALUES ('region', $1, 2026, 3, 'visits.counted', 40)", village)
    subscriptions = renamed("rebuild")
    await rebuilt_pool.execute(
        "INSERT INTO inbox (consumer, event_id) VALUES ($1, $2)", subscriptions[1].durable, published[1].id
    )
    applied = await rebuild(rebuilt_pool, nats_client, subscriptions)
    assert applied >= len(published)
    assert await everything(rebuilt_pool) == built_live

    assert await rebuild(rebuilt_pool, nats_client, subscriptions) == applied  # again, from the start
    assert await everything(rebuilt_pool) == built_live


async def test_a_batch_builds_exactly_what_one_event_at_a_time_builds(nats_client, migrated, second_migrated):
    item, task = str(uuid.uuid4()), str(uuid.uuid4())
    events = [
        t.item_event("plan.item.drafted", item),
        t.item_event("plan.item.approved", item),
        t.visit(item_id=item),
        t.cap_policy(version=t.POLICY_VERSION + 5, per_level=2),  # learnt after the visit: one visit left
        t.visit(item_id=item, counted=False, registration="emergency", late=True),
        t.refusal("cap_reached", item_id=item),
        t.finding(item_id=item, severity="low"),
        t.complaint(item_id=item),
        t.task_opened(task, item_id=item),
        t.task_opened(str(uuid.uuid4()), item_id=item, deadline="2026-04-30"),  # still open
        t.task_step("closed", task, item_id=item, onTime=False, deadline="2026-03-31"),
        t.item_event("plan.item.completed", item),
    ]
    one_by_one = Consumer(migrated, nats_client, SUBSCRIPTIONS[1])
    for event in events:
        assert await one_by_one.apply(event)
    assert await Consumer(second_migrated, nats_client, SUBSCRIPTIONS[1]).apply_batch(events) == len(events)
    assert await everything(second_migrated) == await everything(migrated)
    assert len((await everything(migrated))[2]) == len(events) - 1  # every step is in the item's story
    assert ("unit", t.UNIT, 2026, 3, caps.NEAR_CAP, 1) in (await everything(migrated))[0]
