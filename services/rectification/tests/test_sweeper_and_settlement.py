"""Reminders and escalations happen once per task, deadline and level, whatever the replicas do, and follow an
approved extension; items settle once."""

import asyncio
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from wurao_common import db
from wurao_common.bus.envelope import Event
from wurao_common.service import migration_components
from wurao_rectification.app import MIGRATIONS
from wurao_rectification.consumers.offices import on_office_registered
from wurao_rectification.domain.tasks import CHINA
from wurao_rectification.domain.workflow import Accept, ApproveExtension, RequestExtension, Start, Submit
from wurao_rectification.testing import INSPECTOR, OFFICE_USER, RECORDED_AT, UNIT_USER, finding
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


async def extend(pool, task_id: str, until: date, *, asked: datetime, approved: datetime) -> None:
    """The unit asks for `until` at `asked`; the issuing office approves at `approved`."""
    await task_cases.move(pool, UNIT_USER, task_id, RequestExtension(until, "雨季无法施工"), now=asked)
    extended = await task_cases.move(pool, OFFICE_USER, task_id, ApproveExtension(), now=approved)
    assert extended.deadline == until, extended


async def notices_sent(pool, task_id: str) -> list[tuple[str, int]]:
    rows = await pool.fetch(
        "SELECT deadline, level FROM task_notices WHERE task_id = $1 ORDER BY deadline, level", task_id
    )
    return [(row["deadline"].isoformat(), row["level"]) for row in rows]


async def test_an_extension_approved_after_the_reminder_brings_a_reminder_before_the_new_deadline(migrated, recorded):
    [task_id] = await open_tasks(migrated, 1)
    assert await sweep_once(migrated, DUE - timedelta(days=2)) == 1
    await extend(migrated, task_id, date(2026, 4, 30), asked=DUE - timedelta(days=2), approved=DUE - timedelta(days=1))
    new_reminder = datetime(2026, 4, 28, tzinfo=CHINA)  # 3 days before 2026-04-30 ends
    assert await migrated.fetchval("SELECT next_notice_at FROM tasks WHERE id = $1", task_id) == new_reminder
    assert await sweep_once(migrated, DUE + timedelta(days=7)) == 0, "the old deadline no longer escalates"
    assert await sweep_once(migrated, new_reminder - timedelta(seconds=1)) == 0
    assert await sweep_once(migrated, new_reminder) == 1
    reminded = await recorded("rectification.task.reminded")
    assert [(e["taskId"], e["deadline"]) for e in reminded] == [(task_id, "2026-03-31"), (task_id, "2026-04-30")]
    assert await notices_sent(migrated, task_id) == [("2026-03-31", 0), ("2026-04-30", 0)]
    steps = await migrated.fetch("SELECT action FROM task_history WHERE task_id = $1 ORDER BY id", task_id)
    assert [s["action"] for s in steps] == [
        "opened",
        "reminded",
        "extension_requested",
        "extension_approved",
        "reminded",
    ]


async def test_escalations_before_an_approved_extension_are_not_repeated_and_the_new_deadline_escalates_once_too(
    migrated, recorded
):
    [task_id] = await open_tasks(migrated, 1)
    await task_cases.move(migrated, UNIT_USER, task_id, RequestExtension(date(2026, 4, 15), "雨季无法施工"))
    assert await sweep_once(migrated, DUE + timedelta(days=3.5)) == 1  # the reminder lapsed unseen; level 1 went out
    approved = await task_cases.move(migrated, OFFICE_USER, task_id, ApproveExtension(), now=DUE + timedelta(days=4))
    assert approved.deadline == date(2026, 4, 15)
    new_due = datetime(2026, 4, 16, tzinfo=CHINA)
    sent = []
    for now in (
        DUE + timedelta(days=7),
        new_due - timedelta(days=3),
        new_due + timedelta(days=3),
        new_due + timedelta(days=7),
    ):
        sent.append(sum(await asyncio.gather(sweep_once(migrated, now), sweep_once(migrated, now))))  # two replicas
    assert sent == [0, 1, 1, 1]
    escalated = await recorded("rectification.task.escalated")
    assert [(e["level"], e["deadline"]) for e in escalated] == [(1, "2026-03-31"), (1, "2026-04-15"), (2, "2026-04-15")]
    assert await notices_sent(migrated, task_id) == [
        ("2026-03-31", 1),
        ("2026-04-15", 0),
        ("2026-04-15", 1),
        ("2026-04-15", 2),
    ]
    assert await sweep_once(migrated, new_due + timedelta(days=30)) == 0


async def back_before_006(pool) -> None:
    """The notices' table as the release before kept it (one row per task and level), 006 not yet applied."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("ALTER TABLE task_notices DROP CONSTRAINT task_notices_pkey, DROP COLUMN deadline")
        await conn.execute("ALTER TABLE task_notices ADD PRIMARY KEY (task_id, level)")
        await conn.execute("DELETE FROM schema_migrations WHERE component = 'rectification' AND version = 6")


async def upgrade_to_006(pool) -> None:
    assert await db.migrate(pool, migration_components("rectification", MIGRATIONS)) == [
        "rectification/006_notices_per_deadline.sql"
    ]


async def test_a_task_extended_before_the_upgrade_is_reminded_before_its_new_deadline_after_it(migrated, recorded):
    """The release before counted every level once per task: a task extended after its reminder went out kept
    level 0 and waited for the new deadline's first escalation. Migration 006 keys notices by deadline too and
    sets such a task back to what its deadline in force has had."""
    extended_id, plain_id = await open_tasks(migrated, 2)
    assert await sweep_once(migrated, DUE - timedelta(days=2)) == 2
    await extend(
        migrated, extended_id, date(2026, 4, 30), asked=DUE - timedelta(days=2), approved=DUE - timedelta(days=1)
    )
    assert await sweep_once(migrated, DUE + timedelta(days=7)) == 2  # the plain task's two escalations
    new_due = datetime(2026, 5, 1, tzinfo=CHINA)
    await migrated.execute(  # as the release before left it
        "UPDATE tasks SET notified_level = 0, next_notice_at = $2 WHERE id = $1",
        extended_id,
        new_due + timedelta(days=3),
    )
    await back_before_006(migrated)
    await upgrade_to_006(migrated)
    assert await notices_sent(migrated, plain_id) == [("2026-03-31", 0), ("2026-03-31", 1), ("2026-03-31", 2)]
    assert await notices_sent(migrated, extended_id) == [("2026-03-31", 0)]
    cursor = await migrated.fetchrow("SELECT notified_level, next_notice_at FROM tasks WHERE id = $1", extended_id)
    assert (cursor["notified_level"], cursor["next_notice_at"]) == (-1, new_due - timedelta(days=3))
    assert await sweep_once(migrated, new_due - timedelta(days=2)) == 1
    reminded = await recorded("rectification.task.reminded")
    assert [(e["taskId"], e["deadline"]) for e in reminded if e["taskId"] == extended_id] == [
        (extended_id, "2026-03-31"),
        (extended_id, "2026-04-30"),
    ]


async def test_migration_006_dates_each_notice_by_china_time_whatever_the_databases_time_zone(
    migrated, recorded, database_url
):
    """On a database whose time zone keeps summer time (its server's default, or ALTER DATABASE ... SET timezone),
    006 took a notice's offset in local days: Europe/Berlin moves its clocks on 2026-03-29, inside the 3 days before
    2026-03-31 ends, so the reminder of that deadline was dated 2026-03-30. A task extended to 2026-03-31 before
    the upgrade, and reminded of it, then seemed never reminded of its deadline in force and was reminded again."""
    [task_id] = await open_tasks(migrated, 1, proposedDeadline="2026-03-20")
    approved = RECORDED_AT + timedelta(days=1)  # before the old deadline's reminder
    await extend(migrated, task_id, date(2026, 3, 31), asked=approved, approved=approved)
    assert await sweep_once(migrated, DUE - timedelta(days=2)) == 1  # the deadline in force's reminder
    await back_before_006(migrated)
    database = await migrated.fetchval("SELECT current_database()")
    await migrated.execute(f"ALTER DATABASE \"{database}\" SET timezone TO 'Europe/Berlin'")
    berlin = await db.create_pool(database_url, min_size=1, max_size=1)
    try:
        assert await berlin.fetchval("SHOW timezone") == "Europe/Berlin"
        await upgrade_to_006(berlin)
    finally:
        await berlin.close()

    assert await notices_sent(migrated, task_id) == [("2026-03-31", 0)]
    assert await sweep_once(migrated, DUE - timedelta(days=1)) == 0, "reminded once of its deadline"
    reminded = await recorded("rectification.task.reminded")
    assert [(e["taskId"], e["deadline"]) for e in reminded] == [(task_id, "2026-03-31")]


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
