from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from wurao_rectification.domain.access import ReadScope
from wurao_rectification.domain.schedule import next_notice_at
from wurao_rectification.domain.tasks import ExtensionStatus, Severity, Task, TaskStatus

Executor = asyncpg.Connection | asyncpg.Pool


def _task(row: asyncpg.Record) -> Task:
    return Task(
        id=str(row["id"]),
        finding_id=row["finding_id"],
        visit_id=row["visit_id"],
        item_id=row["item_id"],
        office_id=row["office_id"],
        office_region=row["office_region"],
        responsible_unit_id=row["responsible_unit_id"],
        unit_region=row["unit_region"],
        severity=Severity(row["severity"]),
        description=row["description"],
        finding_evidence=tuple(row["finding_evidence"]),
        deadline=row["deadline"],
        status=TaskStatus(row["status"]),
        opened_at=row["opened_at"],
        started_at=row["started_at"],
        submitted_at=row["submitted_at"],
        closed_at=row["closed_at"],
        submission_note=row["submission_note"],
        submission_evidence=tuple(row["submission_evidence"]),
        sent_back_reason=row["sent_back_reason"],
        times_sent_back=row["times_sent_back"],
        verified_by=row["verified_by"],
        verification_note=row["verification_note"],
        notified_level=row["notified_level"],
        extension_status=ExtensionStatus(row["extension_status"]) if row["extension_status"] else None,
        extension_until=row["extension_until"],
        extension_reason=row["extension_reason"],
        extension_decided_by=row["extension_decided_by"],
        extension_decision_note=row["extension_decision_note"],
        original_deadline=row["original_deadline"],
    )


async def insert(conn: asyncpg.Connection, task: Task) -> bool:
    """False when the finding already opened a task."""
    inserted = await conn.fetchval(
        """INSERT INTO tasks (id, finding_id, visit_id, item_id, office_id, office_region, responsible_unit_id,
                              unit_region, severity, description, finding_evidence, deadline, status, opened_at,
                              next_notice_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
           ON CONFLICT (finding_id) DO NOTHING RETURNING true""",
        task.id,
        task.finding_id,
        task.visit_id,
        task.item_id,
        task.office_id,
        task.office_region,
        task.responsible_unit_id,
        task.unit_region,
        task.severity,
        task.description,
        list(task.finding_evidence),
        task.deadline,
        task.status,
        task.opened_at,
        next_notice_at(task),
    )
    return bool(inserted)


async def save(conn: asyncpg.Connection, task: Task) -> None:
    """Writes what moves (status, workflow fields, the deadline and its extension, sweeper cursor); the finding's
    facts never change."""
    await conn.execute(
        """UPDATE tasks SET status = $2, started_at = $3, submitted_at = $4, closed_at = $5, submission_note = $6,
                  submission_evidence = $7, sent_back_reason = $8, times_sent_back = $9, verified_by = $10,
                  verification_note = $11, notified_level = $12, next_notice_at = $13, deadline = $14,
                  extension_status = $15, extension_until = $16, extension_reason = $17, extension_decided_by = $18,
                  extension_decision_note = $19, original_deadline = $20, updated_at = now()
           WHERE id = $1""",
        task.id,
        task.status,
        task.started_at,
        task.submitted_at,
        task.closed_at,
        task.submission_note,
        list(task.submission_evidence),
        task.sent_back_reason,
        task.times_sent_back,
        task.verified_by,
        task.verification_note,
        task.notified_level,
        next_notice_at(task),
        task.deadline,
        task.extension_status,
        task.extension_until,
        task.extension_reason,
        task.extension_decided_by,
        task.extension_decision_note,
        task.original_deadline,
    )


async def lock(conn: asyncpg.Connection, task_id: str) -> Task | None:
    row = await conn.fetchrow("SELECT * FROM tasks WHERE id = $1 FOR UPDATE", task_id)
    return _task(row) if row else None


async def lock_due_for_notice(conn: asyncpg.Connection, now: datetime, *, limit: int) -> list[Task]:
    """Tasks whose next reminder or escalation has come; rows another sweeper holds are skipped, not awaited."""
    rows = await conn.fetch(
        """SELECT * FROM tasks WHERE next_notice_at <= $1 ORDER BY next_notice_at LIMIT $2
           FOR UPDATE SKIP LOCKED""",
        now,
        limit,
    )
    return [_task(row) for row in rows]


async def get_many(conn: Executor, ids: Sequence[str]) -> dict[str, Task]:
    rows = await conn.fetch("SELECT * FROM tasks WHERE id = ANY($1::uuid[])", list(ids))
    return {str(row["id"]): _task(row) for row in rows}


@dataclass(frozen=True)
class TaskFilter:
    region: str | None = None
    status: TaskStatus | None = None
    unit_id: str | None = None
    item_id: str | None = None
    overdue_before: date | None = None  # only tasks still owed by the unit whose deadline is before this day
    escalated_to: str | None = None  # only tasks escalated to this office


@dataclass(frozen=True)
class Cursor:
    deadline: date
    id: str


async def search(
    conn: Executor, scope: ReadScope, wanted: TaskFilter, *, limit: int, after: Cursor | None = None
) -> list[Task]:
    """Tasks inside the scope matching the filter, by deadline (then id), after the cursor."""
    rows = await conn.fetch(
        """SELECT * FROM tasks
           WHERE unit_region LIKE $1 || '%'
             AND ($2::text IS NULL OR responsible_unit_id = $2)
             AND ($3::text IS NULL OR office_id = $3)
             AND ($4::text IS NULL OR unit_region LIKE $4 || '%')
             AND ($5::text IS NULL OR status = $5)
             AND ($6::text IS NULL OR responsible_unit_id = $6)
             AND ($7::text IS NULL OR item_id = $7)
             AND ($8::date IS NULL OR (status IN ('open', 'in_progress') AND deadline < $8))
             AND ($9::date IS NULL OR (deadline, id) > ($9, $10::uuid))
             AND ($12::text IS NULL OR EXISTS (SELECT 1 FROM task_notices n
                                               WHERE n.task_id = tasks.id AND n.target_office_id = $12))
           ORDER BY deadline, id
           LIMIT $11""",
        scope.region,
        scope.unit_id,
        scope.office_id,
        wanted.region,
        wanted.status,
        wanted.unit_id,
        wanted.item_id,
        wanted.overdue_before,
        after.deadline if after else None,
        after.id if after else None,
        limit,
        wanted.escalated_to,
    )
    return [_task(row) for row in rows]


async def for_items(conn: Executor, scope: ReadScope, item_ids: Sequence[str], *, limit: int) -> dict[str, list[Task]]:
    """The first `limit` tasks inside the scope of each item, by deadline (as `search` for one item), in one query
    for all the items."""
    rows = await conn.fetch(
        """SELECT t.* FROM unnest($4::text[]) AS wanted (item_id) CROSS JOIN LATERAL (
               SELECT * FROM tasks WHERE item_id = wanted.item_id AND unit_region LIKE $1 || '%'
                 AND ($2::text IS NULL OR responsible_unit_id = $2) AND ($3::text IS NULL OR office_id = $3)
               ORDER BY deadline, id LIMIT $5) AS t""",
        scope.region,
        scope.unit_id,
        scope.office_id,
        list(item_ids),
        limit,
    )
    found: dict[str, list[Task]] = {item_id: [] for item_id in item_ids}
    for row in rows:
        found[row["item_id"]].append(_task(row))
    return found
