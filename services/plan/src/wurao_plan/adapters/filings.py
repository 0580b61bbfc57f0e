from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from wurao_common.ids import uuids
from wurao_plan.domain.filings import Filing, FilingStatus

Db = asyncpg.Connection | asyncpg.Pool


def _filing(row: asyncpg.Record) -> Filing:
    return Filing(
        id=str(row["id"]),
        office_id=row["office_id"],
        item_id=str(row["item_id"]),
        year=row["year"],
        reason=row["reason"],
        status=FilingStatus(row["status"]),
        created_by=row["created_by"],
        decision_reason=row["decision_reason"],
    )


async def insert(conn: asyncpg.Connection, filing: Filing) -> None:
    await conn.execute(
        """INSERT INTO filings (id, office_id, item_id, year, reason, status, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        uuid.UUID(filing.id),
        filing.office_id,
        uuid.UUID(filing.item_id),
        filing.year,
        filing.reason,
        filing.status,
        filing.created_by,
    )


async def lock(conn: asyncpg.Connection, filing_id: str) -> Filing | None:
    parsed = uuids([filing_id])
    if not parsed:
        return None
    row = await conn.fetchrow("SELECT * FROM filings WHERE id = $1 FOR UPDATE", parsed[0])
    return _filing(row) if row else None


async def decide(
    conn: asyncpg.Connection, filing_id: str, status: FilingStatus, *, by: str, reason: str | None
) -> Filing:
    row = await conn.fetchrow(
        """UPDATE filings SET status = $2, decided_by = $3, decision_reason = $4, decided_at = now()
           WHERE id = $1 RETURNING *""",
        uuid.UUID(filing_id),
        status,
        by,
        reason,
    )
    return _filing(row)


async def get_many(conn: Db, ids: Sequence[str]) -> dict[str, Filing]:
    rows = await conn.fetch("SELECT * FROM filings WHERE id = ANY($1::uuid[])", uuids(ids))
    return {str(row["id"]): _filing(row) for row in rows}


async def search(
    conn: Db,
    *,
    region: str,
    office_id: str | None,
    year: int | None,
    status: FilingStatus | None,
    limit: int,
    after: str | None = None,
) -> list[Filing]:
    """Newest first; continued after a filing of an earlier page (keyset: its creation time, then its id), looked up
    among the region's filings alone (as units.in_region: one outside it gives an empty page, as an unknown id)."""
    rows = await conn.fetch(
        """WITH reachable AS NOT MATERIALIZED (
                 SELECT f.* FROM filings f JOIN offices o ON o.id = f.office_id WHERE o.region_code LIKE $1 || '%'),
             cursor AS MATERIALIZED (SELECT created_at, id FROM reachable WHERE id = $6)
           SELECT * FROM reachable f
           WHERE ($2::text IS NULL OR f.office_id = $2)
             AND ($3::int IS NULL OR f.year = $3) AND ($4::text IS NULL OR f.status = $4)
             AND ($6::uuid IS NULL OR EXISTS (SELECT 1 FROM cursor a
                   WHERE f.created_at < a.created_at OR (f.created_at = a.created_at AND f.id > a.id)))
           ORDER BY f.created_at DESC, f.id LIMIT $5""",
        region,
        office_id,
        year,
        status,
        limit,
        uuid.UUID(after) if after else None,
    )
    return [_filing(row) for row in rows]


async def for_items(conn: Db, item_ids: Sequence[str]) -> dict[str, Filing]:
    rows = await conn.fetch("SELECT * FROM filings WHERE item_id = ANY($1::uuid[])", uuids(item_ids))
    return {str(row["item_id"]): _filing(row) for row in rows}
