"""Opening a task for a finding and moving it through its states."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import asyncpg

from wurao_common import request_ids
from wurao_common.auth import Caller
from wurao_common.bus import outbox
from wurao_common.ids import is_uuid
from wurao_common.outcomes import Conflict, Invalid, NotAllowed
from wurao_rectification.adapters import history, items, tasks
from wurao_rectification.domain import access, workflow
from wurao_rectification.domain.findings import task_for_finding
from wurao_rectification.domain.tasks import Task, TaskStatus
from wurao_rectification.usecases import events

NO_SUCH_TASK = Invalid("id", "no task with this id is visible to you")


async def open_for_finding(
    conn: asyncpg.Connection, finding: Mapping[str, Any], recorded_at: datetime
) -> Task | Invalid | None:
    """Inside the caller's transaction: the finding's task, None if it already has one, or why it cannot."""
    task = task_for_finding(finding, task_id=str(uuid.uuid4()), recorded_at=recorded_at)
    if isinstance(task, Invalid):
        return task
    if not await tasks.insert(conn, task):
        return None
    await items.task_opened(conn, task.item_id, task.office_id, task.office_region)
    await history.add(conn, task.id, history.Entry("opened", f"finding/{task.finding_id}", recorded_at))
    await outbox.record(conn, events.opened(task))
    return task


async def move(
    pool: asyncpg.Pool,
    caller: Caller,
    task_id: str,
    command: workflow.Command,
    *,
    now: datetime | None = None,
    request_id: str | None = None,
) -> Task | NotAllowed | Invalid | Conflict:
    """Applies one workflow command; state, history and events commit together or not at all.

    A retried request (same request id, same person) returns the task it moved the first time, as it stands,
    instead of a conflict, and moves nothing."""
    if not is_uuid(task_id):
        return NO_SUCH_TASK
    if problem := request_ids.request_id_problem(request_id):
        return problem
    kind = f"task.{workflow.RULES[type(command)].events[0]}"
    request_id = request_ids.callers_own(caller, kind, request_id)
    now = now or datetime.now(UTC)
    async with pool.acquire() as conn, conn.transaction():
        if request_id:
            first = await request_ids.first_result(conn, request_id, target_id=task_id)
            if isinstance(first, Invalid):
                return first
            if first:
                return (await tasks.get_many(conn, [first]))[first]
        task = await tasks.lock(conn, task_id)
        if task is None or not access.may_read(caller, task):
            return NO_SUCH_TASK
        outcome = workflow.move(task, command, caller, now)
        if not isinstance(outcome, workflow.Moved):
            return outcome
        moved = outcome.task
        await tasks.save(conn, moved)
        if request_id:
            await request_ids.remember(conn, request_id, kind, moved.id)
        await history.add(conn, moved.id, _entry(outcome.events[0], caller, moved, now))
        for action in outcome.events:
            await outbox.record(conn, events.moved(moved, action))
        if moved.status is TaskStatus.CLOSED:
            item = await items.task_closed(conn, moved.item_id)
            if item.open_tasks == 0:
                await outbox.record(conn, events.item_settled(item))
    return moved


def _entry(action: str, caller: Caller, task: Task, now: datetime) -> history.Entry:
    """The timeline keeps what the actor said with the move."""
    match action:
        case "submitted":
            return history.Entry(action, caller.subject, now, task.submission_note, task.submission_evidence)
        case "verified":
            return history.Entry(action, caller.subject, now, task.verification_note)
        case "sent_back":
            return history.Entry(action, caller.subject, now, task.sent_back_reason)
        case "extension_requested":
            return history.Entry(action, caller.subject, now, f"{task.extension_until}: {task.extension_reason}")
        case "extension_approved":
            moved = f"{task.original_deadline} → {task.deadline}"
            note = task.extension_decision_note
            return history.Entry(action, caller.subject, now, f"{moved}: {note}" if note else moved)
        case "extension_declined":
            return history.Entry(action, caller.subject, now, task.extension_decision_note)
    return history.Entry(action, caller.subject, now)
