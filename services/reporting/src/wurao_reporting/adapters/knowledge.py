"""What reporting learns from events and keeps to place later events: items, offices, units, tasks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg


@dataclass(frozen=True)
class KnownItem:
    item_id: str
    office_id: str
    region: str
    year: int


async def remember_item(conn: asyncpg.Connection, item_id: str, office_id: str, region: str, year: int) -> None:
    await conn.execute(
        """INSERT INTO items (item_id, office_id, region, year) VALUES ($1, $2, $3, $4)
           ON CONFLICT (item_id) DO UPDATE SET year = excluded.year""",
        item_id,
        office_id,
        region,
        year,
    )


async def items(db: asyncpg.Pool | asyncpg.Connection, ids: Sequence[str]) -> dict[str, KnownItem]:
    rows = await db.fetch("SELECT * FROM items WHERE item_id = ANY($1::text[])", list(ids))
    return {row["item_id"]: KnownItem(**row) for row in rows}


async def remember_regions(conn: asyncpg.Connection, table: str, regions: dict[str, str]) -> None:
    """`table`: offices or units; `regions`: id -> region. A row whose region is unchanged is left alone (most
    events name a unit reporting already knows; rewriting its row would cost a new row version each time)."""
    if not regions:
        return
    key = {"offices": "office_id", "units": "unit_id"}[table]
    await conn.execute(
        f"""INSERT INTO {table} ({key}, region) SELECT * FROM jsonb_each_text($1::jsonb)
            ON CONFLICT ({key}) DO UPDATE SET region = excluded.region WHERE {table}.region <> excluded.region""",
        regions,
    )


async def regions(pool: asyncpg.Pool, table: str, ids: Sequence[str]) -> dict[str, str]:
    key = {"offices": "office_id", "units": "unit_id"}[table]
    rows = await pool.fetch(f"SELECT {key} AS id, region FROM {table} WHERE {key} = ANY($1::text[])", list(ids))
    return {row["id"]: row["region"] for row in rows}


@dataclass(frozen=True)
class KnownTask:
    """A task as reporting saw it open: where and when its open count lies."""

    opened_at: datetime
    year: int
    month: int
    deadline: date
    region: str
    office_id: str
    unit_id: str


async def open_task(conn: asyncpg.Connection, data: dict, *, region: str, at: datetime, year: int, month: int) -> bool:
    """Remembers the task open; False when reporting already knew it (it counts as open once)."""
    inserted = await conn.fetchval(
        """INSERT INTO tasks (task_id, item_id, office_id, unit_id, region, year, month, opened_at, deadline)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (task_id) DO NOTHING RETURNING true""",
        data["taskId"],
        data["itemId"],
        data["officeId"],
        data["responsibleUnitId"],
        region,
        year,
        month,
        at,
        date.fromisoformat(data["deadline"]),
    )
    return bool(inserted)


async def close_task(conn: asyncpg.Connection, task_id: str, at: datetime) -> KnownTask | None:
    """Marks the task closed; returns it as it was open, or None if reporting never saw it open (or closed)."""
    row = await conn.fetchrow(
        """UPDATE tasks SET closed_at = $2 WHERE task_id = $1 AND closed_at IS NULL
           RETURNING opened_at, year, month, deadline, region, office_id, unit_id""",
        task_id,
        at,
    )
    return KnownTask(**row) if row else None


async def extend_task(conn: asyncpg.Connection, task_id: str, deadline: date) -> KnownTask | None:
    """Moves an open task's deadline; returns it as it was before, or None if reporting does not know it open (or
    its deadline is that already)."""
    row = await conn.fetchrow(
        """UPDATE tasks SET deadline = $2 FROM tasks AS before
           WHERE tasks.task_id = $1 AND before.task_id = $1 AND tasks.closed_at IS NULL AND tasks.deadline <> $2
           RETURNING before.opened_at, before.year, before.month, before.deadline, before.region, before.office_id,
                     before.unit_id""",
        task_id,
        deadline,
    )
    return KnownTask(**row) if row else None
