"""The `figures` table (sums per scope, month and metric) and `open_tasks` (per scope, month and deadline, with
those awaiting verification), and regions' figures held in a replica's memory."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import asyncpg

from wurao_common.mirror import Mirror
from wurao_reporting.domain.figures import Sums
from wurao_reporting.domain.periods import DEEPEST, region_scopes

# (year, month, metric) -> value
Counts = dict[tuple[int, int, str], int]


async def add_many(conn: asyncpg.Connection, sums: Mapping[tuple[str, str, int, int, str], int]) -> None:
    """Adds deltas keyed (scope kind, scope id, year, month, metric); each key once. The rows travel as one JSON
    array: asyncpg's array parameters inspect every element in Python, a batch's thousands of them. They are
    written in the key's order (INSERT ... SELECT takes the rows as the SELECT orders them), so each transaction locks
    them in one order: two replicas' batches meeting the same rows in opposite orders would deadlock."""
    if not sums:
        return
    await conn.execute(
        """INSERT INTO figures (scope_kind, scope_id, year, month, metric, value)
           SELECT r->>0 AS scope_kind, r->>1 AS scope_id, (r->>2)::smallint AS year, (r->>3)::smallint AS month,
                  r->>4 AS metric, (r->>5)::bigint
           FROM jsonb_array_elements($1::jsonb) AS r ORDER BY scope_kind, scope_id, year, metric, month
           ON CONFLICT (scope_kind, scope_id, year, metric, month)
           DO UPDATE SET value = figures.value + excluded.value""",
        [(*key, value) for key, value in sums.items()],
    )


OpenTaskKey = tuple[str, str, int, int, date]  # (scope kind, scope id, year, month opened, deadline)


async def add_open_tasks(
    conn: asyncpg.Connection, counts: Mapping[OpenTaskKey, int], awaiting_verification: Mapping[OpenTaskKey, int]
) -> None:
    """Adds to the open tasks, and to those of them awaiting verification; each key once, written in the key's order
    (as `add_many`)."""
    rows = [
        (*key[:4], key[4].isoformat(), counts.get(key, 0), awaiting_verification.get(key, 0))
        for key in counts.keys() | awaiting_verification.keys()
    ]
    rows = [row for row in rows if row[5] or row[6]]
    if not rows:
        return
    await conn.execute(
        """INSERT INTO open_tasks (scope_kind, scope_id, year, month, deadline, tasks, awaiting_verification)
           SELECT r->>0 AS scope_kind, r->>1 AS scope_id, (r->>2)::smallint AS year, (r->>3)::smallint AS month,
                  (r->>4)::date AS deadline, (r->>5)::integer, (r->>6)::integer
           FROM jsonb_array_elements($1::jsonb) AS r ORDER BY scope_kind, scope_id, year, month, deadline
           ON CONFLICT (scope_kind, scope_id, year, month, deadline)
           DO UPDATE SET tasks = open_tasks.tasks + excluded.tasks,
                         awaiting_verification = open_tasks.awaiting_verification + excluded.awaiting_verification""",
        rows,
    )


async def read(pool: asyncpg.Pool, kind: str, scope_id: str, years: Sequence[int], today: date) -> Counts:
    """The scope's sums, and per month opened its tasks still open now (`tasks.open`) and those of them past
    their deadline and not awaiting verification (`tasks.overdue`, rectification's rule), in one round trip."""
    rows = await pool.fetch(
        """SELECT year, month, metric, value FROM figures
           WHERE scope_kind = $1 AND scope_id = $2 AND year = ANY($3::smallint[])
           UNION ALL
           SELECT t.year, t.month, counted.metric, counted.value
           FROM (SELECT year, month, sum(tasks) AS open,
                        coalesce(sum(tasks - awaiting_verification) FILTER (WHERE deadline < $4), 0) AS overdue
                 FROM open_tasks WHERE scope_kind = $1 AND scope_id = $2 AND year = ANY($3::smallint[])
                 GROUP BY year, month) AS t
           CROSS JOIN LATERAL (VALUES ('tasks.open', t.open), ('tasks.overdue', t.overdue))
                AS counted (metric, value)""",
        kind,
        scope_id,
        list(years),
        today,
    )
    return {(row["year"], row["month"], row["metric"]): row["value"] for row in rows}


class HeldRegions:
    """Regions' sums (`read` of a region scope for a year and the year before) held in this replica's memory
    (wurao_common.mirror) per region, year and day (a task turns overdue by the day), until a notification names
    the region or one inside it (`changed`, from `changes.FigureChanges`, which holds them only while it listens),
    or every region (a rebuild emptied the figures). An office's or a unit's figures are not held: notifications
    name regions only."""

    def __init__(self, pool: asyncpg.Pool, *, size: int = 4_096) -> None:
        self._pool = pool
        self.mirror: Mirror[Sums] = Mirror(self._fetch, size=size, group=lambda key: key.split(" ", 1)[0])

    async def read(self, region: str, year: int, today: date) -> Sums:
        return await self.mirror.get(f"{region} {year} {today.isoformat()}") or Sums({})

    async def _fetch(self, keys: Sequence[str]) -> dict[str, Sums]:
        found = {}
        for key in keys:
            region, year, day = key.split(" ")
            counts = await read(self._pool, "region", region, [int(year), int(year) - 1], date.fromisoformat(day))
            found[key] = Sums(counts)
        return found

    def changed(self, region: str) -> None:
        """The figures of `region` and of every region it lies in changed."""
        for _kind, scope in region_scopes(region, DEEPEST):
            self.mirror.forget_group(scope)


async def dump(pool: asyncpg.Pool) -> list[tuple]:
    """Every figure, in a stable order: what a rebuild must reproduce."""
    rows = await pool.fetch("SELECT * FROM figures WHERE value <> 0 ORDER BY scope_kind, scope_id, year, metric, month")
    return [tuple(row.values()) for row in rows]
