"""The `cap_policies` and `cap_visits` tables: what reporting knows of caps and of visits counted against them."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

import asyncpg

from wurao_reporting.domain.caps import CapPolicy, CountedVisit


async def policies(conn: asyncpg.Connection) -> list[CapPolicy]:
    rows = await conn.fetch("SELECT version, effective_from, yearly FROM cap_policies")
    return [CapPolicy(**row) for row in rows]


async def add_policies(conn: asyncpg.Connection, found: Sequence[CapPolicy]) -> None:
    await conn.executemany(
        "INSERT INTO cap_policies (version, effective_from, yearly) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        [(policy.version, policy.effective_from, dict(policy.yearly)) for policy in found],
    )


_COLUMNS = ", ".join(field.name for field in dataclasses.fields(CountedVisit))


async def visits_of(
    conn: asyncpg.Connection, unit_years: Iterable[tuple[str, int]], *, from_year: int | None = None
) -> list[CountedVisit]:
    """The counted visits of these units in these years, and of every unit in `from_year` and later."""
    pairs = list(unit_years)
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM cap_visits JOIN unnest($1::text[], $2::smallint[]) AS k (unit_id, year)
                USING (unit_id, year)
            UNION SELECT {_COLUMNS} FROM cap_visits WHERE year >= $3""",
        [unit for unit, _ in pairs],
        [year for _, year in pairs],
        from_year if from_year is not None else 32767,
    )
    return [CountedVisit(**row) for row in rows]


async def add_visits(conn: asyncpg.Connection, found: Sequence[CountedVisit]) -> set[str]:
    """Stores the visits it does not know yet; returns their ids."""
    if not found:
        return set()
    rows = await conn.fetch(
        f"""INSERT INTO cap_visits ({_COLUMNS})
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::smallint[], $5::smallint[], $6::text[],
                                 $7::text[], $8::text[])
            ON CONFLICT (visit_id) DO NOTHING RETURNING visit_id""",
        *(list(column) for column in zip(*map(dataclasses.astuple, found), strict=True)),
    )
    return {row["visit_id"] for row in rows}
