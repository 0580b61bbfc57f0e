"""Reading tasks: always through the caller's read scope."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

import asyncpg

from wurao_common.auth import Caller
from wurao_common.errors import ClientError
from wurao_common.ids import is_region_code, is_uuid
from wurao_rectification.adapters import tasks
from wurao_rectification.adapters.tasks import Cursor, TaskFilter
from wurao_rectification.domain import access
from wurao_rectification.domain.tasks import Task, TaskStatus, china_today

MAX_PAGE = 200


async def visible(pool: asyncpg.Pool, caller: Caller, task_ids: Sequence[str]) -> list[Task | None]:
    """The tasks, in order; None for an id that is malformed, unknown or outside what the caller may read."""
    canonical = [str(uuid.UUID(task_id)) if is_uuid(task_id) else None for task_id in task_ids]
    wellformed = [task_id for task_id in canonical if task_id]
    found = await tasks.get_many(pool, wellformed) if wellformed else {}
    return [
        task if (task := found.get(task_id)) is not None and access.may_read(caller, task) else None
        for task_id in canonical
    ]


async def search(
    pool: asyncpg.Pool,
    caller: Caller,
    *,
    now: datetime,
    first: int,
    after: str | None = None,
    region: str | None = None,
    status: TaskStatus | None = None,
    unit_id: str | None = None,
    item_id: str | None = None,
    overdue: bool = False,
    escalated_to_me: bool = False,
) -> tuple[list[Task], str | None]:
    """A page of the tasks the caller may read that match, by deadline; and the cursor to the next page.

    `escalated_to_me`: only those escalated to the caller's own office (an office's staff only)."""
    if region is not None and not is_region_code(region):
        raise ClientError("region must be a GB/T 2260 code of 2, 4, 6, 9 or 12 digits")
    scope = access.read_scope(caller)
    if scope is None or (escalated_to_me and not (caller.role.is_office and caller.office_id)):
        return [], None
    wanted = TaskFilter(
        region=region,
        status=status,
        unit_id=unit_id,
        item_id=item_id,
        overdue_before=china_today(now) if overdue else None,
        escalated_to=caller.office_id if escalated_to_me else None,
    )
    limit = max(1, min(first, MAX_PAGE))
    found = await tasks.search(pool, scope, wanted, limit=limit + 1, after=_decode(after))
    page = found[:limit]
    return page, _encode(page[-1]) if len(found) > limit else None


async def of_items(pool: asyncpg.Pool, caller: Caller, item_ids: Sequence[str], *, first: int) -> dict[str, list[Task]]:
    """The first page of each item's tasks the caller may read, by deadline: one query for all the items."""
    scope = access.read_scope(caller)
    if scope is None:
        return {item_id: [] for item_id in item_ids}
    return await tasks.for_items(pool, scope, item_ids, limit=max(1, min(first, MAX_PAGE)))


def _encode(task: Task) -> str:
    return f"{task.deadline.isoformat()}/{task.id}"


def _decode(cursor: str | None) -> Cursor | None:
    if cursor is None:
        return None
    day, _, task_id = cursor.partition("/")
    try:
        return Cursor(date.fromisoformat(day), str(uuid.UUID(task_id)))
    except ValueError:
        raise ClientError("after is not a cursor this service gave out") from None
