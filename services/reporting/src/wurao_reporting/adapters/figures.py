"""The `figures` table: sums per scope, month and metric; and open/overdue tasks counted from `tasks`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import asyncpg

# (year, month, metric) -> value
Counts = dict[tuple[int, int, str], int]


async def add_many(conn: asyncpg.Connection, sums: Mapping[tuple[str, str, int, int, str], int]) -> None:
    """Adds deltas keyed (scope kind, scope id, year, month, metric); each key once. The rows travel as one JSON
    array: asyncpg's array parameters inspect every element in Python, a batch's thousands of them."""
    if not sums:
        return
    await conn.execute(
        """INSERT INTO figures (scope_kind, scope_id, year, month, metric, value)
           SELECT r->>0, r->>1, (r->>2)::smallint, (r->>3)::smallint, r->>4, (r->>5)::bigint
           FROM jsonb_array_elements($1::jsonb) AS r
           ON CONFLICT (scope_kind, scope_id, year, metric, month)
           DO UPDATE SET value = figures.value + excluded.value""",
        [(*key, value) for key, value in sums.items()],
    )


async def read(pool: asyncpg.Pool, kind: str, scope_id: str, years: Sequence[int]) -> Counts:
    rows = await pool.fetch(
        """SELECT year, month, metric, value FROM figures
           WHERE scope_kind = $1 AND scope_id = $2 AND year = ANY($3::smallint[])""",
        kind,
        scope_id,
        list(years),
    )
    return {(row["year"], row["month"], row["metric"]): row["value"] for row in rows}


_TASK_SCOPE = {"region": "region LIKE $1 || '%'", "office": "office_id = $1", "unit": "unit_id = $1"}


async def unclosed_tasks(pool: asyncpg.Pool, kind: str, scope_id: str, years: Sequence[int], today: date) -> Counts:
    """Tasks opened in each month that are still open now (`tasks.open`), and those past their deadline."""
    rows = await pool.fetch(
        f"""SELECT year, month, count(*) AS open, count(*) FILTER (WHERE deadline < $3) AS overdue
            FROM tasks WHERE {_TASK_SCOPE[kind]} AND year = ANY($2::smallint[]) AND closed_at IS NULL
            GROUP BY year, month""",
        scope_id,
        list(years),
        today,
    )
    counts: Counts = {}
    for row in rows:
        counts[(row["year"], row["month"], "tasks.open")] = row["open"]
        counts[(row["year"], row["month"], "tasks.overdue")] = row["overdue"]
    return counts


async def dump(pool: asyncpg.Pool) -> list[tuple]:
    """Every figure, in a stable order: what a rebuild must reproduce."""
    rows = await pool.fetch("SELECT * FROM figures WHERE value <> 0 ORDER BY scope_kind, scope_id, year, metric, month")
    return [tuple(row.values()) for row in rows]
