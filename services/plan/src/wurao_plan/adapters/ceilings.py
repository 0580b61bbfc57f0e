"""What the ceiling is derived from: items approved per year, and the province office's lowerings."""

from __future__ import annotations

import asyncpg

from wurao_plan.domain.ceilings import Lowering

# An item counts for its year once approved, whatever became of it since.
_APPROVED = "status NOT IN ('draft', 'rejected')"


async def approved_by_year(conn: asyncpg.Connection, office_id: str, before: int) -> dict[int, int]:
    """Items approved for each year before `before`, planned or filed; emergencies stay outside the ceiling."""
    rows = await conn.fetch(
        f"""SELECT year, count(*) AS approved FROM items
            WHERE office_id = $1 AND year < $2 AND {_APPROVED} AND NOT emergency GROUP BY year""",
        office_id,
        before,
    )
    return {row["year"]: row["approved"] for row in rows}


async def emergency_count(conn: asyncpg.Connection | asyncpg.Pool, office_id: str, year: int) -> int:
    """Emergency filings approved for the year: reported beside the ceiling, never counted against it."""
    return await conn.fetchval(
        f"SELECT count(*) FROM items WHERE office_id = $1 AND year = $2 AND {_APPROVED} AND emergency",
        office_id,
        year,
    )


async def lowerings(conn: asyncpg.Connection, office_id: str, until: int) -> dict[int, Lowering]:
    """The lowering in force for each year up to `until` (the latest of the year)."""
    rows = await conn.fetch(
        """SELECT DISTINCT ON (year) year, ceiling, reason FROM ceiling_lowerings
           WHERE office_id = $1 AND year <= $2 ORDER BY year, id DESC""",
        office_id,
        until,
    )
    return {row["year"]: Lowering(row["ceiling"], row["reason"]) for row in rows}


async def insert_lowering(
    conn: asyncpg.Connection, office_id: str, year: int, ceiling: int, previous: int, reason: str, by: str
) -> int:
    return await conn.fetchval(
        """INSERT INTO ceiling_lowerings (office_id, year, ceiling, previous_ceiling, reason, lowered_by)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING id""",
        office_id,
        year,
        ceiling,
        previous,
        reason,
        by,
    )
