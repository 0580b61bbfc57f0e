from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from wurao_plan.domain.units import Unit, UnitKind

Db = asyncpg.Connection | asyncpg.Pool


def _unit(row: asyncpg.Record) -> Unit:
    return Unit(id=row["id"], name=row["name"], kind=UnitKind(row["kind"]), region=row["region_code"])


async def insert(conn: asyncpg.Connection, unit: Unit, created_by: str) -> bool:
    """False when a unit of that name already exists in the region."""
    inserted = await conn.fetchval(
        """INSERT INTO units (id, name, kind, region_code, created_by) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT DO NOTHING RETURNING true""",
        unit.id,
        unit.name,
        unit.kind,
        unit.region,
        created_by,
    )
    return bool(inserted)


async def get_many(conn: Db, ids: Sequence[str]) -> dict[str, Unit]:
    rows = await conn.fetch("SELECT * FROM units WHERE id = ANY($1::text[])", list(ids))
    return {row["id"]: _unit(row) for row in rows}


async def in_region(
    conn: Db,
    region: str,
    *,
    kind: UnitKind | None,
    name: str | None,
    limit: int,
    only: str | None = None,
    after: str | None = None,
) -> list[Unit]:
    """Units in the region, by region and name; `only` (a unit's own id) narrows them to that unit in SQL, before
    the limit. `after` is looked up among those units alone: a unit outside them (out of the caller's reach) gives
    an empty page, as an unknown id does, so it tells nothing of that unit, not even that it exists."""
    rows = await conn.fetch(
        """WITH reachable AS NOT MATERIALIZED (
               SELECT * FROM units WHERE region_code LIKE $1 || '%' AND ($5::text IS NULL OR id = $5))
           SELECT * FROM reachable
           WHERE ($2::text IS NULL OR kind = $2) AND ($3::text IS NULL OR strpos(name, $3) > 0)
             AND ($6::text IS NULL OR (region_code, name) > (SELECT region_code, name FROM reachable WHERE id = $6))
           ORDER BY region_code, name LIMIT $4""",
        region,
        kind,
        name,
        limit,
        only,
        after,
    )
    return [_unit(row) for row in rows]
