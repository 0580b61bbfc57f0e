from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True)
class Entry:
    action: str
    actor: str
    at: datetime
    note: str | None = None
    evidence: tuple[str, ...] = ()


async def add(conn: asyncpg.Connection, task_id: str, entry: Entry) -> None:
    await conn.execute(
        "INSERT INTO task_history (task_id, action, actor, note, evidence, at) VALUES ($1, $2, $3, $4, $5, $6)",
        task_id,
        entry.action,
        entry.actor,
        entry.note,
        list(entry.evidence),
        entry.at,
    )


async def for_tasks(conn: asyncpg.Connection | asyncpg.Pool, task_ids: Sequence[str]) -> dict[str, list[Entry]]:
    rows = await conn.fetch(
        "SELECT * FROM task_history WHERE task_id = ANY($1::uuid[]) ORDER BY task_id, id", list(task_ids)
    )
    found: dict[str, list[Entry]] = {task_id: [] for task_id in task_ids}
    for row in rows:
        found[str(row["task_id"])].append(
            Entry(row["action"], row["actor"], row["at"], row["note"], tuple(row["evidence"]))
        )
    return found
