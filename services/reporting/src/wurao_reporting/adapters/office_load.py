from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True)
class OfficeLoad:
    office_id: str
    region: str
    plans_drafted: int


async def count_plan_drafted(conn: asyncpg.Connection, office_id: str, region: str) -> None:
    await conn.execute(
        """INSERT INTO office_load (office_id, region_code, plans_drafted) VALUES ($1, $2, 1)
           ON CONFLICT (office_id) DO UPDATE
           SET plans_drafted = office_load.plans_drafted + 1, updated_at = now()""",
        office_id,
        region,
    )


async def get_many(pool: asyncpg.Pool, ids: Sequence[str]) -> dict[str, OfficeLoad]:
    rows = await pool.fetch("SELECT * FROM office_load WHERE office_id = ANY($1::text[])", list(ids))
    return {row["office_id"]: OfficeLoad(row["office_id"], row["region_code"], row["plans_drafted"]) for row in rows}
