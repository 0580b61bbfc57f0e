"""PostgreSQL access for the negative list's versions."""

from __future__ import annotations

import asyncpg

from wurao_plan.domain.negative_list import Entry, NegativeList


def _list(row: asyncpg.Record) -> NegativeList:
    return NegativeList(
        version=row["version"],
        published_at=row["published_at"],
        entries=tuple(Entry(code=entry["code"], text=entry["text"]) for entry in row["entries"]),
    )


async def lock_for_publishing(conn: asyncpg.Connection) -> None:
    await conn.execute("LOCK TABLE negative_lists IN SHARE ROW EXCLUSIVE MODE")


async def latest(conn: asyncpg.Connection | asyncpg.Pool) -> NegativeList | None:
    row = await conn.fetchrow("SELECT * FROM negative_lists ORDER BY version DESC LIMIT 1")
    return _list(row) if row else None


async def all_versions(conn: asyncpg.Connection | asyncpg.Pool) -> list[NegativeList]:
    return [_list(row) for row in await conn.fetch("SELECT * FROM negative_lists ORDER BY version")]


async def insert(conn: asyncpg.Connection, negative_list: NegativeList, published_by: str) -> NegativeList | None:
    """None when that version exists already."""
    row = await conn.fetchrow(
        """INSERT INTO negative_lists (version, entries, published_at, published_by) VALUES ($1, $2, $3, $4)
           ON CONFLICT (version) DO NOTHING RETURNING *""",
        negative_list.version,
        [{"code": entry.code, "text": entry.text} for entry in negative_list.entries],
        negative_list.published_at,
        published_by,
    )
    return _list(row) if row else None
