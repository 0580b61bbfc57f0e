from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from wurao_plan.domain.offices import Office


def _office(row: asyncpg.Record) -> Office:
    return Office(
        id=row["id"],
        name=row["name"],
        level=row["level"],
        kind=row["kind"],
        region=row["region_code"],
        approver_office_id=row["approver_office_id"],
        yearly_baseline=row["yearly_baseline"],
    )


async def get_many(conn: asyncpg.Connection | asyncpg.Pool, ids: Sequence[str]) -> dict[str, Office]:
    rows = await conn.fetch("SELECT * FROM offices WHERE id = ANY($1::text[])", list(ids))
    return {row["id"]: _office(row) for row in rows}


async def in_region(conn: asyncpg.Connection | asyncpg.Pool, region: str, *, limit: int) -> list[Office]:
    rows = await conn.fetch(
        "SELECT * FROM offices WHERE region_code LIKE $1 || '%' ORDER BY region_code, id LIMIT $2", region, limit
    )
    return [_office(row) for row in rows]
