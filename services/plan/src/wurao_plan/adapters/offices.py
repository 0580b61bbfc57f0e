from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from wurao_plan.domain.offices import Office

Db = asyncpg.Connection | asyncpg.Pool


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


async def get(conn: Db, office_id: str | None) -> Office | None:
    if office_id is None:
        return None
    return (await get_many(conn, [office_id])).get(office_id)


async def get_many(conn: Db, ids: Sequence[str]) -> dict[str, Office]:
    rows = await conn.fetch("SELECT * FROM offices WHERE id = ANY($1::text[])", list(ids))
    return {row["id"]: _office(row) for row in rows}


async def in_region(conn: Db, region: str, *, limit: int, after: str | None = None) -> list[Office]:
    """By region, then id; `after` is looked up in the region alone (as units.in_region)."""
    rows = await conn.fetch(
        """WITH reachable AS NOT MATERIALIZED (SELECT * FROM offices WHERE region_code LIKE $1 || '%')
           SELECT * FROM reachable
           WHERE $3::text IS NULL OR (region_code, id) > (SELECT region_code, id FROM reachable WHERE id = $3)
           ORDER BY region_code, id LIMIT $2""",
        region,
        limit,
        after,
    )
    return [_office(row) for row in rows]


async def supervision_offices(conn: Db, region_codes: Sequence[str]) -> list[Office]:
    rows = await conn.fetch(
        "SELECT * FROM offices WHERE kind = 'supervision' AND region_code = ANY($1::text[])", list(region_codes)
    )
    return [_office(row) for row in rows]


async def insert(conn: asyncpg.Connection, office: Office, created_by: str) -> str | None:
    """None when inserted; otherwise what already stands in the way (the savepoint keeps the transaction usable)."""
    try:
        async with conn.transaction():
            await conn.execute(
                """INSERT INTO offices (id, name, level, kind, region_code, approver_office_id, yearly_baseline,
                                       created_by)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
                office.id,
                office.name,
                office.level,
                office.kind,
                office.region,
                office.approver_office_id,
                office.yearly_baseline,
                created_by,
            )
    except asyncpg.UniqueViolationError as error:
        if error.constraint_name == "offices_one_supervision_per_region":
            return f"{office.region} already has a supervision office"
        return f"an office {office.id} already exists"
    return None
