"""Overdue rectification tasks follow rectification's own rule (its task board's `overdue`): past its deadline and
still owed by the unit, open or sent back. A task the unit submitted awaits verification and is not overdue,
whatever its deadline; it closes on time or late as the closing event says (its accepted submission against the
deadline in force)."""

import csv
import io
import uuid
from datetime import UTC, datetime

from wurao_common import db
from wurao_common.auth import Role
from wurao_common.service import BUS_MIGRATIONS
from wurao_common.testing import graphql
from wurao_reporting import testing as t
from wurao_reporting.app import MIGRATIONS

STATES = "rectification { stillOpen { value } overdue { value } closedOnTime { value } closedLate { value } }"
QUERY = f"""query($r: String!, $o: ID!, $u: ID!) {{
  regionFigures(region: $r, year: 2026) {{ wholeYear {{ {STATES} }} }}
  officeFigures(officeId: $o, year: 2026) {{ wholeYear {{ {STATES} }} }}
  unitFigures(unitId: $u, year: 2026) {{ wholeYear {{ {STATES} }} }} }}"""
OPENED, SUBMITTED = datetime(2026, 3, 2, 2, tzinfo=UTC), datetime(2026, 3, 20, 2, tzinfo=UTC)
AFTER_DEADLINE, LATER = datetime(2026, 4, 5, 2, tzinfo=UTC), datetime(2026, 4, 10, 2, tzinfo=UTC)


def county(jwt_keys) -> dict[str, str]:
    return jwt_keys.bearer(Role.COUNTY_OFFICE, t.OFFICE_REGION, office_id=t.OFFICE)


async def figures(reporting, jwt_keys) -> set[tuple[int, int, int, int]]:
    """(still open, overdue, closed on time, closed late) in the year, as the county, the village, the office and
    the unit show them: one tuple when they all agree."""
    found = set()
    for region in (t.OFFICE_REGION, t.UNIT_REGION):
        body = await graphql(reporting, QUERY, {"r": region, "o": t.OFFICE, "u": t.UNIT}, headers=county(jwt_keys))
        assert "errors" not in body, body
        for scope in ("regionFigures", "officeFigures", "unitFigures"):
            tasks = body["data"][scope]["wholeYear"]["rectification"]
            found.add(tuple(tasks[name]["value"] for name in ("stillOpen", "overdue", "closedOnTime", "closedLate")))
    return found


async def exported(reporting, jwt_keys) -> tuple[str, str]:
    """(still open, overdue) in the county's row of the year's rectification table."""
    response = await reporting.get("/figures/rectification.csv", params={"period": "2026"}, headers=county(jwt_keys))
    assert response.status_code == 200, response.text
    row = next(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    return row["still_open"], row["overdue"]


def closed(task: str, item: str, *, on_time: bool, deadline: str, at: datetime = LATER) -> list:
    """An accepted verification: `verified` then `closed`, in one transaction."""
    return [
        t.task_step("verified", task, item_id=item, at=at, verifiedBy="inspector-li"),
        t.task_step("closed", task, item_id=item, at=at, onTime=on_time, deadline=deadline),
    ]


async def test_a_task_submitted_and_awaiting_verification_past_its_deadline_is_not_overdue_then_closes_as_submitted(
    apply, reporting, jwt_keys
):
    item, on_time, late = (str(uuid.uuid4()) for _ in range(3))
    await apply(
        t.visit(item_id=item),  # reporting learns the office's and the unit's regions from it
        t.task_opened(on_time, item_id=item, deadline="2026-03-31", at=OPENED),
        t.task_opened(late, item_id=item, deadline="2026-03-05", at=OPENED),
        t.task_step("started", on_time, item_id=item, at=OPENED),
        t.task_step("submitted", on_time, item_id=item, at=SUBMITTED, onTime=True),
        t.task_step("submitted", late, item_id=item, at=SUBMITTED, onTime=False),  # submitted after its deadline
    )
    # Both deadlines have passed today; the unit owes nothing: the inspecting side has to verify.
    assert await figures(reporting, jwt_keys) == {(2, 0, 0, 0)}
    assert await exported(reporting, jwt_keys) == ("2", "0")

    await apply(
        *closed(on_time, item, on_time=True, deadline="2026-03-31"),
        *closed(late, item, on_time=False, deadline="2026-03-05"),
    )
    assert await figures(reporting, jwt_keys) == {(0, 0, 1, 1)}
    assert await exported(reporting, jwt_keys) == ("0", "0")


async def test_a_task_sent_back_after_its_deadline_is_overdue_until_submitted_again_and_then_closes_late(
    apply, reporting, jwt_keys
):
    item, task = str(uuid.uuid4()), str(uuid.uuid4())
    await apply(
        t.visit(item_id=item),
        t.task_opened(task, item_id=item, deadline="2026-03-31", at=OPENED),
        t.task_step("submitted", task, item_id=item, at=SUBMITTED, onTime=True),
    )
    assert await figures(reporting, jwt_keys) == {(1, 0, 0, 0)}

    await apply(t.task_step("sent_back", task, item_id=item, at=AFTER_DEADLINE, timesSentBack=1))
    assert await figures(reporting, jwt_keys) == {(1, 1, 0, 0)}
    assert await exported(reporting, jwt_keys) == ("1", "1")

    await apply(t.task_step("submitted", task, item_id=item, at=LATER, onTime=False))
    assert await figures(reporting, jwt_keys) == {(1, 0, 0, 0)}
    assert await exported(reporting, jwt_keys) == ("1", "0")

    await apply(*closed(task, item, on_time=False, deadline="2026-03-31"))
    assert await figures(reporting, jwt_keys) == {(0, 0, 0, 1)}


async def test_an_extension_approved_while_the_task_awaits_verification_sets_the_deadline_a_send_back_is_judged_by(
    apply, reporting, jwt_keys
):
    """Rectification's issuing office may decide a pending extension while the submission awaits verification."""
    item, far, near = (str(uuid.uuid4()) for _ in range(3))
    extension = {"previousDeadline": "2026-03-05"}
    await apply(
        t.visit(item_id=item),
        *(t.task_opened(task, item_id=item, deadline="2026-03-05", at=OPENED) for task in (far, near)),
        *(t.task_step("submitted", task, item_id=item, at=OPENED, onTime=True) for task in (far, near)),
        t.task_step("extension_approved", far, item_id=item, at=SUBMITTED, deadline="2100-01-01", **extension),
        t.task_step("extension_approved", near, item_id=item, at=SUBMITTED, deadline="2026-03-25", **extension),
    )
    assert await figures(reporting, jwt_keys) == {(2, 0, 0, 0)}

    await apply(
        *(t.task_step("sent_back", task, item_id=item, at=AFTER_DEADLINE, timesSentBack=1) for task in (far, near))
    )
    assert await figures(reporting, jwt_keys) == {(2, 1, 0, 0)}  # the near one: its extended deadline has passed


async def test_an_upgraded_reporting_learns_from_the_items_stories_which_tasks_await_verification(
    apply, migrated, reporting, jwt_keys
):
    """Reporting always heard submissions and send-backs (each is a step of its item's story, `facts`) but counted
    nothing of them: the migration that counts them learns the past from those facts, so an upgrade needs no
    rebuild. The release before is what this one builds less what that migration adds."""
    item, awaiting, sent_back, unheard = (str(uuid.uuid4()) for _ in range(4))
    await apply(
        t.visit(item_id=item),
        *(t.task_opened(task, item_id=item, deadline="2026-03-05", at=OPENED) for task in (awaiting, sent_back)),
        *(t.task_step("submitted", task, item_id=item, at=SUBMITTED, onTime=False) for task in (awaiting, sent_back)),
        t.task_step("sent_back", sent_back, item_id=item, at=AFTER_DEADLINE, timesSentBack=1),
        t.task_step("submitted", unheard, item_id=item, at=SUBMITTED, onTime=False),  # its opening not heard yet
    )
    async with migrated.acquire() as conn, conn.transaction():
        await conn.execute("DELETE FROM early_task_steps WHERE closed_at IS NULL AND deadline IS NULL")
        await conn.execute("ALTER TABLE tasks DROP COLUMN pending_submissions")
        await conn.execute("ALTER TABLE early_task_steps DROP COLUMN pending_submissions")
        await conn.execute("ALTER TABLE open_tasks DROP COLUMN awaiting_verification")
        await conn.execute("DELETE FROM schema_migrations WHERE component = 'reporting' AND version = 7")
    assert await db.migrate(migrated, {"bus": BUS_MIGRATIONS, "reporting": MIGRATIONS}) == [
        "reporting/007_tasks_awaiting_verification.sql"
    ]
    await apply(t.visit(item_id=item))  # any change makes the replica read its figures again
    assert await figures(reporting, jwt_keys) == {(2, 1, 0, 0)}
    assert await exported(reporting, jwt_keys) == ("2", "1")

    await apply(t.task_opened(unheard, item_id=item, deadline="2026-03-05", at=OPENED))
    assert await figures(reporting, jwt_keys) == {(3, 1, 0, 0)}
