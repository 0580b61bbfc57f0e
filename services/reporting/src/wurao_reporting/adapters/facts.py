"""The `facts` table: each applied event's place in an item's story."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True)
class Fact:
    event_type: str
    at: datetime
    item_id: str
    office_id: str | None
    unit_id: str | None
    detail: dict
    event_id: str = ""
    region: str = ""


async def record_many(conn: asyncpg.Connection, found: Sequence[Fact]) -> None:
    """One statement for the whole batch, its rows as one JSON array, in the batch's order (which `seq` keeps)."""
    if not found:
        return
    await conn.execute(
        """INSERT INTO facts (event_id, type, at, item_id, region, office_id, unit_id, detail)
           SELECT (r->>0)::uuid, r->>1, (r->>2)::timestamptz, r->>3, r->>4, r->>5, r->>6, r->7
           FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS f (r, n) ORDER BY n
           ON CONFLICT (event_id) DO NOTHING""",
        [
            (f.event_id, f.event_type, f.at.isoformat(), f.item_id, f.region, f.office_id, f.unit_id, f.detail)
            for f in found
        ],
    )


async def of_items(pool: asyncpg.Pool, item_ids: Sequence[str]) -> dict[str, list[Fact]]:
    rows = await pool.fetch(
        """SELECT type, at, item_id, office_id, unit_id, detail FROM facts
           WHERE item_id = ANY($1::text[]) ORDER BY item_id, at, seq""",
        list(item_ids),
    )
    found: dict[str, list[Fact]] = {}
    for row in rows:
        found.setdefault(row["item_id"], []).append(
            Fact(row["type"], row["at"], row["item_id"], row["office_id"], row["unit_id"], row["detail"])
        )
    return found
