"""A recorded finding opens one task, however often the bus delivers it."""

from wurao_common.bus.consumer import Consumer
from wurao_common.bus.envelope import Event
from wurao_rectification.consumers import SUBSCRIPTIONS
from wurao_rectification.testing import RECORDED_AT, UNIT_REGION, finding


def finding_event(data: dict, **fields) -> Event:
    return Event(type="inspection.finding.recorded", region=data["unitRegion"], data=data, time=RECORDED_AT, **fields)


async def test_a_redelivered_finding_opens_one_task_and_announces_it_once(migrated, nats_client, recorded):
    consumer = Consumer(migrated, nats_client, SUBSCRIPTIONS[0])
    data = finding()
    event = finding_event(data)
    assert await consumer.apply(event) is True
    assert await consumer.apply(event) is False
    task = await migrated.fetchrow("SELECT * FROM tasks WHERE finding_id = $1", data["findingId"])
    assert (task["status"], task["unit_region"], str(task["deadline"])) == ("open", UNIT_REGION, "2026-03-31")
    opened = await recorded("rectification.task.opened")
    assert [e["taskId"] for e in opened] == [str(task["id"])]
    assert await migrated.fetchval("SELECT open_tasks FROM item_progress WHERE item_id = $1", data["itemId"]) == 1


async def test_a_finding_published_again_under_a_new_event_id_opens_no_second_task(migrated, nats_client, recorded):
    consumer = Consumer(migrated, nats_client, SUBSCRIPTIONS[0])
    data = finding()
    assert await consumer.apply(finding_event(data))
    assert await consumer.apply(finding_event(data))
    assert await migrated.fetchval("SELECT count(*) FROM tasks") == 1
    assert len(await recorded("rectification.task.opened")) == 1
    assert await migrated.fetchval("SELECT open_tasks FROM item_progress WHERE item_id = $1", data["itemId"]) == 1


async def test_the_opened_event_lies_in_the_units_region(migrated, nats_client):
    await Consumer(migrated, nats_client, SUBSCRIPTIONS[0]).apply(finding_event(finding()))
    subject = await migrated.fetchval("SELECT subject FROM outbox")
    assert subject == "wurao.rectification.task.opened.43.4310.431024.431024106.431024106201"


async def test_a_finding_that_can_open_no_task_is_consumed_without_effect(migrated, nats_client):
    consumer = Consumer(migrated, nats_client, SUBSCRIPTIONS[0])
    event = finding_event(finding(severity="catastrophic"))
    assert await consumer.apply(event) is True
    assert await consumer.apply(event) is False  # consumed: never redelivered into an endless retry
    assert await migrated.fetchval("SELECT count(*) FROM tasks") == 0
    assert await migrated.fetchval("SELECT count(*) FROM outbox") == 0
