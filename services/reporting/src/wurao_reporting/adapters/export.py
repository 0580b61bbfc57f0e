"""Reading a table's figures for every region inside one, region by region, from a server-side cursor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import asyncpg

from wurao_reporting.domain.figures import Counts, Period
from wurao_reporting.domain.periods import REGION_DEPTHS


async def region_counts(
    conn: asyncpg.Connection, region: str, period: Period, prefix: str
) -> AsyncIterator[tuple[str, Counts]]:
    """(region, its counts of this period and the year before), ordered by region code. Needs a transaction."""
    rows = conn.cursor(
        """SELECT scope_id, year, month, metric, value FROM figures
           WHERE scope_kind = 'region' AND starts_with(scope_id, $1) AND year = ANY($2::smallint[])
             AND month = ANY($3::smallint[]) AND starts_with(metric, $4)
           ORDER BY scope_id""",
        region,
        [period.year, period.year - 1],
        list(period.months),
        prefix,
        prefetch=2000,
    )
    current, counts = None, {}
    async for row in rows:
        if row["scope_id"] != current:
            if current is not None:
                yield current, counts
            current, counts = row["scope_id"], {}
        counts[(row["year"], row["month"], row["metric"])] = row["value"]
    if current is not None:
        yield current, counts


async def task_states(conn: asyncpg.Connection, region: str, period: Period, today: date) -> dict[str, Counts]:
    """Open and overdue tasks of the period per region inside `region`, every level (a village's count in its
    township's, county's... too). Overdue: past the deadline and not awaiting verification (rectification's rule)."""
    rows = await conn.fetch(
        """SELECT left(t.region, depth) AS code, t.year, t.month,
                  count(*) AS open, count(*) FILTER (WHERE t.deadline < $4 AND t.pending_submissions <= 0) AS overdue
           FROM tasks t CROSS JOIN unnest($5::int[]) AS depth
           WHERE starts_with(t.region, $1) AND depth <= length(t.region) AND t.closed_at IS NULL
             AND t.year = ANY($2::smallint[]) AND t.month = ANY($3::smallint[])
           GROUP BY 1, 2, 3""",
        region,
        [period.year, period.year - 1],
        list(period.months),
        today,
        [depth for depth in REGION_DEPTHS if depth >= len(region)],
    )
    found: dict[str, Counts] = {}
    for row in rows:
        counts = found.setdefault(row["code"], {})
        counts[(row["year"], row["month"], "tasks.open")] = row["open"]
        counts[(row["year"], row["month"], "tasks.overdue")] = row["overdue"]
    return found
