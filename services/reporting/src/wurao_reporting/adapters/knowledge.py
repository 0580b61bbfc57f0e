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
    events name a unit reporting already knows; rewriting its row would cost a new row version each time). The rows
    come out of a jsonb object, whose keys PostgreSQL keeps in one order (shorter first, then bytewise) whatever order
    they were given in: every batch takes them in that order, so two never deadlock over them."""
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
    """A task as reporting saw it open: where and when its open count lies, and whether it awaits verification."""

    opened_at: datetime
    year: int
    month: int
    deadline: date
    region: str
    office_id: str
    unit_id: str
    pending_submissions: int  # submissions less send-backs heard

    @property
    def awaits_verification(self) -> bool:
        return awaits_verification(self.pending_submissions)


def awaits_verification(pending_submissions: int) -> bool:
    """The unit submitted its rectification and no send-back answered it yet: the unit owes nothing, so the task is
    not overdue (rectification's rule). Counted, not ordered: steps heard out of order (a send-back before its
    submission: -1 meanwhile) end where rectification's order left them once every one is heard."""
    return pending_submissions > 0


async def lock(conn: asyncpg.Connection, ids: set[str]) -> None:
    """Until the transaction ends, no other writes these tasks or items (`ids`: uuids, never one another's). An
    opening and a close applied at once by two replicas would each miss the other (see `early_task_steps`); items
    are written one event at a time, in the batch's order, and two batches meeting two items in opposite orders
    would deadlock. Taken in one order (the keys'), so none deadlocks."""
    if ids:
        await conn.execute(
            """SELECT pg_advisory_xact_lock(key) FROM (
                   SELECT DISTINCT hashtextextended(id, 0) AS key FROM unnest($1::text[]) AS id ORDER BY key
               ) AS keys""",
            list(ids),
        )


@dataclass(frozen=True)
class OpenedTask:
    deadline: date  # the later of its own and an approved extension heard before it
    closed_at: datetime | None  # when a close heard before it says it closed
    pending_submissions: int  # submissions less send-backs heard before it


async def open_task(
    conn: asyncpg.Connection, data: dict, *, region: str, at: datetime, year: int, month: int
) -> OpenedTask | None:
    """Remembers the task, with whatever of it was heard before it opened; None when reporting already knew it
    (it counts as open once)."""
    row = await conn.fetchrow(
        """WITH early AS (DELETE FROM early_task_steps WHERE task_id = $1
                          RETURNING closed_at, deadline, pending_submissions)
           INSERT INTO tasks (task_id, item_id, office_id, unit_id, region, year, month, opened_at, deadline,
                              closed_at, pending_submissions)
           SELECT $1, $2, $3, $4, $5, $6, $7, $8, GREATEST($9, early.deadline), early.closed_at,
                  COALESCE(early.pending_submissions, 0)
           FROM (VALUES (1)) AS one LEFT JOIN early ON true
           ON CONFLICT (task_id) DO NOTHING RETURNING deadline, closed_at, pending_submissions""",
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
    return OpenedTask(**row) if row else None


# A `KnownTask`'s columns, and the same of the task as it was before an UPDATE that joins it `AS before`.
_KNOWN = ("opened_at", "year", "month", "deadline", "region", "office_id", "unit_id", "pending_submissions")
_KNOWN_TASK = ", ".join(_KNOWN)
_BEFORE = ", ".join(f"before.{column}" for column in _KNOWN)

# A step of a task reporting has not heard open is kept for its opening (never for a task it knows, closed or not).
_KEEP_EARLY = """INSERT INTO early_task_steps (task_id, {column}) SELECT $1, $2
                 WHERE NOT EXISTS (SELECT FROM tasks WHERE task_id = $1)
                 ON CONFLICT (task_id) DO UPDATE SET {column} = {merge}"""


async def close_task(conn: asyncpg.Connection, task_id: str, at: datetime) -> KnownTask | None:
    """Marks the task closed; returns it as it was open, or None if reporting never saw it open (or closed)."""
    keep = _KEEP_EARLY.format(column="closed_at", merge="COALESCE(early_task_steps.closed_at, excluded.closed_at)")
    row = await conn.fetchrow(
        f"""WITH early AS ({keep})
            UPDATE tasks SET closed_at = $2 WHERE task_id = $1 AND closed_at IS NULL
            RETURNING {_KNOWN_TASK}""",
        task_id,
        at,
    )
    return KnownTask(**row) if row else None


async def extend_task(conn: asyncpg.Connection, task_id: str, deadline: date) -> KnownTask | None:
    """Moves an open task's deadline; returns it as it was before, or None if reporting does not know it open (or
    its deadline is that already)."""
    keep = _KEEP_EARLY.format(column="deadline", merge="GREATEST(early_task_steps.deadline, excluded.deadline)")
    row = await conn.fetchrow(
        f"""WITH early AS ({keep})
            UPDATE tasks SET deadline = $2 FROM tasks AS before
            WHERE tasks.task_id = $1 AND before.task_id = $1 AND tasks.closed_at IS NULL AND tasks.deadline <> $2
            RETURNING {_BEFORE}""",
        task_id,
        deadline,
    )
    return KnownTask(**row) if row else None


async def count_submission(conn: asyncpg.Connection, task_id: str, delta: int) -> KnownTask | None:
    """A submission (1) or a send-back (-1) of the task; returns it as it was before, or None if reporting does not
    know it open. Counted for a closed task too, so that its steps heard in any order leave the same row."""
    keep = _KEEP_EARLY.format(
        column="pending_submissions", merge="early_task_steps.pending_submissions + excluded.pending_submissions"
    )
    row = await conn.fetchrow(
        f"""WITH early AS ({keep}), counted AS (
                UPDATE tasks SET pending_submissions = tasks.pending_submissions + $2 FROM tasks AS before
                WHERE tasks.task_id = $1 AND before.task_id = $1
                RETURNING before.closed_at, {_BEFORE})
            SELECT {_KNOWN_TASK} FROM counted WHERE closed_at IS NULL""",
        task_id,
        delta,
    )
    return KnownTask(**row) if row else None
