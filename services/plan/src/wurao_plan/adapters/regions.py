from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

Db = asyncpg.Connection | asyncpg.Pool


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str
    parent_code: str | None


def _region(row: asyncpg.Record) -> Region:
    return Region(code=row["code"], name=row["name"], level=row["level"], parent_code=row["parent_code"])


async def get_many(conn: Db, codes: Sequence[str]) -> dict[str, Region]:
    rows = await conn.fetch("SELECT * FROM regions WHERE code = ANY($1::text[])", list(codes))
    return {row["code"]: _region(row) for row in rows}


async def missing(conn: Db, codes: Sequence[str]) -> list[str]:
    """The codes the directory does not know, in the order given."""
    known = await get_many(conn, codes)
    return [code for code in codes if code not in known]


async def search(
    conn: Db, *, within: str, parent: str | None, name: str | None, limit: int, after: str | None = None
) -> list[Region]:
    """Regions inside `within`: the children of `parent`, or those whose name contains `name`, or both."""
    rows = await conn.fetch(
        """SELECT * FROM regions
           WHERE code LIKE $1 || '%'
             AND ($2::text IS NULL OR parent_code = $2)
             AND ($3::text IS NULL OR strpos(name, $3) > 0)
             AND ($5::text IS NULL OR code > $5)
           ORDER BY code LIMIT $4""",
        within,
        parent,
        name,
        limit,
        after,
    )
    return [_region(row) for row in rows]
