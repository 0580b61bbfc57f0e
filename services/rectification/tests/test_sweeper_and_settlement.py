"""Reminders and escalations happen once per task and level, whatever the replicas do; items settle once."""

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

from wurao_common.bus.envelope import Event
from wurao_rectification.consumers.offices import on_office_registered
from wurao_rectification.domain.tasks import CHINA
from wurao_rectification.domain.workflow import Accept, Start, Submit
from wurao_rectification.testing import INSPECTOR, RECORDED_AT, UNIT_USER, finding
from wurao_rectification.usecases import tasks as task_cases
from wurao_rectification.usecases.sweep import sweep_once

DUE = datetime(2026, 4, 1, tzinfo=CHINA)  # findings() propose 2026-03-31


async def open_tasks(pool, count: int, **overrides) -> list[str]:
    ids = []
    async with pool.acquire() as conn, conn.transaction():
        for _ in range(count):
            task = await task_cases.open_for_finding(conn, finding(**overrides), RECORDED_AT)
            ids.append(task.id)
    return ids


async def test_two_sweepers_at_once_send_each_escalation_exactly_once(migrated, recorded):
    await open_tasks(migrated, 60)
    now = DUE + timedelta(days=8)
    sent = await asyncio.gather(sweep_once(migrated, now, batch=7), sweep_once(migrated, now, batch=7))
    assert sum(sent) == 120
    escalated = await recorded("rectification.task.escalated")
    assert Counter((e["taskId"], e["level"]) for e in escalated).most_common(1)[0][1] == 1
    assert Counter(e["level"] for e in escalated) == {1: 60, 2: 60}
    assert await migrated.fetchval("SELECT count(*) FROM task_notices") == 120
    assert await sweep_once(migrated, now) == 0


async def test_a_task_is_reminded_before_its_deadline_then_escalated_upwards(migrated, recorded):
    [task_id] = await open_tasks(migrated, 1)
    assert await sweep_once(migrated, DUE - timedelta(days=3, seconds=1)) == 0
    assert await sweep_once(migrated, DUE - timedelta(days=2)) == 1
    assert await sweep_once(migrated, DUE - timedelta(days=1)) == 0
    assert await sweep_once(migrated, DUE + timedelta(days=3)) == 1
    assert await sweep_once(migrated, DUE + timedelta(days=7)) == 1
    reminded = await recorded("rectification.task.reminded")
    escalated = await recorded("rectification.task.escalated")
    assert [(e["taskId"], e["level"]) for e in reminded] == [(task_id, 0)]
    assert [(e["level"], e["escalatedToRegion"]) for e in escalated] == [(1, "4310"), (2, "43")]
    steps = await migrated.fetch("SELECT action, note FROM task_history WHERE task_id = $1 ORDER BY id", task_id)
    assert [(s["action"], s["note"]) for s in steps][1:] == [
        ("reminded", "431024106201"),
        ("escalated", "4310"),
        ("escalated", "43"),
    ]


async def test_a_submitted_task_is_neither_reminded_nor_escalated(migrated, recorded):
    [task_id] = await open_tasks(migrated, 1)
    await task_cases.move(migrated, UNIT_USER, task_id, Start())
    await task_cases.move(migrated, UNIT_USER, task_id, Submit("已整改"))
    assert await sweep_once(migrated, DUE + timedelta(days=30)) == 0
    assert await migrated.fetchval("SELECT next_notice_at FROM tasks WHERE id = $1", task_id) is None


async def close(pool, task_id: str) -> None:
    await task_cases.move(pool, UNIT_USER, task_id, Start())
    await task_cases.move(pool, UNIT_USER, task_id, Submit("已整改"))
    closed = await task_cases.move(pool, INSPECTOR, task_id, Accept())
    assert closed.status == "closed", closed


async def test_an_item_settles_when_its_last_open_task_closes_not_before(migrated, recorded):
    item = "item-settles"
    first, second = await open_tasks(migrated, 2, itemId=item)
    await close(migrated, first)
    assert await recorded("rectification.item.settled") == []
    await close(migrated, second)
    assert await recorded("rectification.item.settled") == [{"itemId": item, "officeId": "431024-dcs"}]
    subject = await migrated.fetchval("SELECT subject FROM outbox WHERE subject LIKE 'wurao.rectification.item.%'")
    assert subject == "wurao.rectification.item.settled.43.4310.431024._._"


async def test_tasks_of_one_item_closing_at_once_settle_it_exactly_once(migrated, recorded):
    items = [f"item-race-{n}" for n in range(8)]
    pairs = [await open_tasks(migrated, 2, itemId=item) for item in items]
    for pair in pairs:
        for task_id in pair:
            await task_cases.move(migrated, UNIT_USER, task_id, Start())
            await task_cases.move(migrated, UNIT_USER, task_id, Submit("已整改"))
    now = datetime.now(UTC)
    await asyncio.gather(
        *(task_cases.move(migrated, INSPECTOR, task_id, Accept(), now=now) for pair in pairs for task_id in pair)
    )
    settled = await recorded("rectification.item.settled")
    assert sorted(e["itemId"] for e in settled) == items


async def learn_offices(pool, *offices: tuple[str, str]) -> None:
    """As plan.office.registered would tell: (office id, region) of supervision offices."""
    async with pool.acquire() as conn, conn.transaction():
        for office_id, region in offices:
            await on_office_registered(
                conn,
                Event(
                    type="plan.office.registered",
                    region=region,
                    data={"officeId": office_id, "kind": "supervision", "region": region, "level": "city"},
                ),
            )


async def test_an_escalation_names_the_office_one_level_above_then_the_province(migrated, recorded):
    await learn_offices(migrated, ("4310-dcs", "4310"), ("43-dcs", "43"))
    [task_id] = await open_tasks(migrated, 1)
    assert await sweep_once(migrated, DUE + timedelta(days=7)) == 2
    escalated = await recorded("rectification.task.escalated")
    assert [(e["level"], e["escalatedToRegion"], e["escalatedToOfficeId"]) for e in escalated] == [
        (1, "4310", "4310-dcs"),
        (2, "43", "43-dcs"),
    ]
    targets = await migrated.fetch(
        "SELECT target_office_id FROM task_notices WHERE task_id = $1 ORDER BY level", task_id
    )
    assert [row["target_office_id"] for row in targets] == ["4310-dcs", "43-dcs"]


async def test_an_escalation_to_a_region_whose_office_plan_never_announced_names_none(migrated, recorded):
    await open_tasks(migrated, 1)
    await sweep_once(migrated, DUE + timedelta(days=3))
    [escalated] = await recorded("rectification.task.escalated")
    assert (escalated["escalatedToRegion"], escalated["escalatedToOfficeId"]) == ("4310", None)


async def test_an_escalation_sent_before_its_office_was_announced_goes_to_that_office_once_it_is(migrated, recorded):
    [task_id] = await open_tasks(migrated, 1)
    await learn_offices(migrated, ("43-dcs", "43"))
    await sweep_once(migrated, DUE + timedelta(days=7))
    await learn_offices(migrated, ("4310-dcs", "4310"), ("4310-other", "4311"))
    targets = await migrated.fetch(
        "SELECT level, target_office_id FROM task_notices WHERE task_id = $1 ORDER BY level", task_id
    )
    assert [(row["level"], row["target_office_id"]) for row in targets] == [(1, "4310-dcs"), (2, "43-dcs")]
