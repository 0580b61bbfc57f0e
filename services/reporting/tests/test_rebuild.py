"""Three ways to build the read models end alike: the live consumers, a rebuild from the stream, one by one."""

import asyncio
import dataclasses
import random
import uuid
from datetime import UTC, datetime

from wurao_common.bus.consumer import Consumer
from wurao_common.bus.envelope import STREAM
from wurao_reporting import testing as t
from wurao_reporting.adapters import figures
from wurao_reporting.consumers import SUBSCRIPTIONS
from wurao_reporting.domain import caps
from wurao_reporting.domain.periods import CHINA
from wurao_reporting.rebuild import READ_MODELS, rebuild


def renamed(prefix: str):
    """Reporting's subscriptions under durable names of this test's own."""
    return [dataclasses.replace(s, durable=f"{prefix}-{uuid.uuid4().hex[:8]}-{s.durable}") for s in SUBSCRIPTIONS]


async def everything(pool) -> tuple:
    facts = await pool.fetch("SELECT event_id, type, at, item_id, detail FROM facts ORDER BY event_id")
    tasks = await pool.fetch("SELECT task_id, closed_at, pending_submissions FROM tasks ORDER BY task_id")
    loads = await pool.fetch("SELECT office_id, plans_drafted FROM office_load ORDER BY office_id")
    counted = await pool.fetch("SELECT * FROM cap_visits ORDER BY visit_id")
    still_open = await pool.fetch(
        """SELECT scope_kind, scope_id, year, month, deadline, awaiting_verification, tasks FROM open_tasks
           WHERE tasks <> 0 OR awaiting_verification <> 0 ORDER BY 1, 2, 3, 4, 5"""
    )
    return (
        await figures.dump(pool),
        [tuple(r.values()) for r in still_open],
        [tuple(r.values()) for r in facts],
        [tuple(r.values()) for r in tasks],
        loads,
        [tuple(r.values()) for r in counted],
    )


async def open_and_overdue(pool, kind: str, scope: str) -> tuple[int, int]:
    """A scope's tasks of 2026 still open today, and those of them overdue."""
    counts = await figures.read(pool, kind, scope, [2026], datetime.now(CHINA).date())
    return tuple(sum(v for (_, _, metric), v in counts.items() if metric == m) for m in ("tasks.open", "tasks.overdue"))


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


async def test_a_rebuild_counts_tasks_awaiting_verification_as_not_overdue_as_the_live_consumers_do(
    nats_client, migrated, second_migrated
):
    village = f"439905101{random.randrange(1000):03d}"
    unit = f"{village}-{uuid.uuid4().hex[:8]}"  # its own: the stream carries every test's events
    item, awaiting, sent_back = (str(uuid.uuid4()) for _ in range(3))
    where = {"item_id": item, "unit": unit, "unit_region": village}
    published = [
        *(t.task_opened(task, deadline="2026-03-05", **where) for task in (awaiting, sent_back)),
        *(t.task_step("submitted", task, onTime=True, **where) for task in (awaiting, sent_back)),
        t.task_step("sent_back", sent_back, timesSentBack=1, at=t.AT.replace(day=10), **where),
    ]
    js = nats_client.jetstream()
    for event in published:
        await js.publish(event.nats_subject, event.to_json(), headers={"Nats-Msg-Id": event.id})
    await live(migrated, nats_client)
    assert await rebuild(second_migrated, nats_client, renamed("rebuild")) >= len(published)
    assert await everything(second_migrated) == await everything(migrated)
    for pool in (migrated, second_migrated):
        assert await open_and_overdue(pool, "unit", unit) == (2, 1), "the one sent back is overdue"
        assert await open_and_overdue(pool, "region", village) == (2, 1)


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


def _tasks_told_out_of_order(item: str) -> tuple[list, list]:
    """Three tasks' steps as rectification told them, and the closes and extensions told before the openings (as
    two replicas sharing the consumer, or a retried event, can apply them)."""
    closed, extended, both = (str(uuid.uuid4()) for _ in range(3))
    opened_at, later = t.AT.replace(day=2), t.AT.replace(day=20)
    openings = [
        t.task_opened(task, item_id=item, deadline="2026-03-05", at=opened_at) for task in (closed, extended, both)
    ]
    extension = {"previousDeadline": "2026-03-05"}
    steps = [
        t.task_step("closed", closed, item_id=item, onTime=False, deadline="2026-03-05", at=later),
        t.task_step("extension_approved", extended, item_id=item, deadline="2100-01-01", **extension),
        t.task_step("extension_approved", both, item_id=item, deadline="2026-03-25", **extension),
        t.task_step("closed", both, item_id=item, onTime=True, deadline="2026-03-25", at=later),
    ]
    return [*openings, *steps], [*steps, *openings]


async def test_a_close_or_extension_heard_before_its_tasks_opening_counts_as_if_heard_in_order(
    nats_client, migrated, second_migrated
):
    item = str(uuid.uuid4())
    visit = t.visit(item_id=item)  # reporting learns the office's and the unit's regions from it
    in_order, out_of_order = _tasks_told_out_of_order(item)
    for pool, events in ((migrated, [visit, *in_order]), (second_migrated, [visit, *out_of_order])):
        consumer = Consumer(pool, nats_client, SUBSCRIPTIONS[1])
        for event in events:
            assert await consumer.apply(event)
    built = await everything(migrated)
    assert await everything(second_migrated) == built
    assert [row[-1] for row in built[1] if row[0] == "unit"] == [1], "one task open (the extended one), none twice"
    for pool in (migrated, second_migrated):
        assert await pool.fetchval("SELECT count(*) FROM early_task_steps") == 0, "each opening took what it waited for"


def _submissions_and_send_backs(item: str) -> tuple[list, list]:
    """Five tasks past their deadline (2026-03-05), each opening and then its steps as rectification told them:
    submitted; submitted and sent back; submitted, sent back and submitted late; submitted, extended (to 2100)
    and sent back; submitted and closed."""
    awaiting, sent_back, again, extended, closed = (str(uuid.uuid4()) for _ in range(5))
    openings = [
        t.task_opened(task, item_id=item, deadline="2026-03-05", at=t.AT.replace(day=2))
        for task in (awaiting, sent_back, again, extended, closed)
    ]

    def step(name: str, task: str, day: int, **fields) -> object:
        return t.task_step(name, task, item_id=item, at=t.AT.replace(day=day), **fields)

    steps = [
        *(step("submitted", task, 4, onTime=True) for task in (awaiting, sent_back, again, extended, closed)),
        step("extension_approved", extended, 6, deadline="2100-01-01", previousDeadline="2026-03-05"),
        *(step("sent_back", task, 10, timesSentBack=1) for task in (sent_back, again, extended)),
        step("submitted", again, 12, onTime=False),
        step("verified", closed, 14, verifiedBy="inspector-li"),
        step("closed", closed, 14, onTime=True, deadline="2026-03-05"),
    ]
    return openings, steps


async def test_submissions_and_send_backs_heard_in_any_order_count_as_if_heard_in_order(
    nats_client, migrated, second_migrated
):
    """A send-back heard before its submission, a submission or a send-back before the task's opening: each task
    ends awaiting verification or owed by the unit as its steps in order left it."""
    item = str(uuid.uuid4())
    openings, steps = _submissions_and_send_backs(item)
    orders = {
        "in order": [*openings, *steps],
        "backwards, before the openings": [*reversed(steps), *openings],
        "some before the openings, some after": [*steps[1::2], *openings, *reversed(steps[::2])],
    }
    built = {}
    for name, events in orders.items():
        pool = migrated if name == "in order" else second_migrated
        await pool.execute(f"TRUNCATE {', '.join(READ_MODELS)}, inbox")
        consumer = Consumer(pool, nats_client, SUBSCRIPTIONS[1])
        for event in events:
            assert await consumer.apply(event), name
        built[name] = (await everything(pool), await open_and_overdue(pool, "unit", t.UNIT))
        assert await pool.fetchval("SELECT count(*) FROM early_task_steps") == 0, name
    assert built["in order"][1] == (4, 1), "four still open, the one sent back and not submitted again overdue"
    for name, found in built.items():
        assert found == built["in order"], name


async def test_openings_and_submissions_applied_at_once_by_two_replicas_leave_no_task_overdue(nats_client, migrated):
    """A submission applied while its opening is not committed yet must not be kept for an opening that had already
    looked (each batch locks its tasks first)."""
    item = str(uuid.uuid4())
    tasks = [str(uuid.uuid4()) for _ in range(200)]
    openings = [t.task_opened(task, item_id=item, deadline="2026-03-05") for task in tasks]
    submissions = [t.task_step("submitted", task, item_id=item, onTime=True) for task in tasks]
    replicas = [Consumer(migrated, nats_client, SUBSCRIPTIONS[1]) for _ in range(2)]
    assert await asyncio.gather(replicas[0].apply_batch(openings), replicas[1].apply_batch(submissions)) == [200, 200]
    assert await open_and_overdue(migrated, "unit", t.UNIT) == (200, 0)
    assert await migrated.fetchval("SELECT count(*) FROM early_task_steps") == 0


async def test_openings_and_closes_applied_at_once_by_two_replicas_leave_no_task_open(nats_client, migrated):
    """Each replica's batch locks its tasks first: without that, a close applied while its opening is not committed
    yet would be kept for an opening that had already looked, and the task would stay open for good."""
    item = str(uuid.uuid4())
    tasks = [str(uuid.uuid4()) for _ in range(200)]
    openings = [t.task_opened(task, item_id=item) for task in tasks]
    closes = [t.task_step("closed", task, item_id=item, onTime=True, deadline="2026-03-31") for task in tasks]
    replicas = [Consumer(migrated, nats_client, SUBSCRIPTIONS[1]) for _ in range(2)]
    assert await asyncio.gather(replicas[0].apply_batch(openings), replicas[1].apply_batch(closes)) == [200, 200]
    assert await migrated.fetchval("SELECT count(*) FROM tasks WHERE closed_at IS NULL") == 0
    assert await migrated.fetchval("SELECT coalesce(sum(tasks), 0) FROM open_tasks") == 0
    assert await migrated.fetchval("SELECT count(*) FROM early_task_steps") == 0


async def test_an_item_of_next_years_plan_removed_or_cancelled_counts_in_that_year_in_whatever_order_it_is_heard(
    nats_client, migrated, second_migrated
):
    """Next year's plan is drafted this year: a removal or a cancellation heard before the item's drafting or
    approval (two replicas, a retried event) still counts in the item's year, as plan's events say it."""
    removed, cancelled = str(uuid.uuid4()), str(uuid.uuid4())
    at = datetime(2026, 11, 20, 2, tzinfo=UTC)
    ids = {"planId": f"plan-{t.OFFICE}-2027", "officeId": t.OFFICE, "year": 2027}
    before = [
        t.item_event("plan.item.drafted", removed, year=2027, at=at),
        t.item_event("plan.item.drafted", cancelled, year=2027, at=at),
        t.item_event("plan.item.approved", cancelled, year=2027, at=at),
    ]
    after = [
        t.event("plan.item.removed", t.OFFICE_REGION, {"itemId": removed, **ids}, at),
        t.event("plan.item.cancelled", t.OFFICE_REGION, {"itemId": cancelled, **ids, "reason": "合并开展"}, at),
    ]
    for pool, events in ((migrated, [*before, *after]), (second_migrated, [*after, *before])):
        consumer = Consumer(pool, nats_client, SUBSCRIPTIONS[1])
        for event in events:
            assert await consumer.apply(event)
    built = await figures.dump(migrated)
    assert await figures.dump(second_migrated) == built
    assert {row[2] for row in built} == {2027}
