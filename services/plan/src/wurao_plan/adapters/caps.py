"""PostgreSQL access for cap policies."""

from __future__ import annotations

import asyncpg

from wurao_plan.domain.caps import CapLimits, CapPolicy


def _policy(row: asyncpg.Record) -> CapPolicy:
    return CapPolicy(
        version=row["version"],
        effective_from=row["effective_from"],
        limits=CapLimits(
            per_level_per_year={
                "province": row["province_per_year"],
                "city": row["city_per_year"],
                "county": row["county_per_year"],
            },
            across_levels_per_year=row["across_levels_per_year"],
            default_per_item_per_unit=row["default_per_item_per_unit"],
        ),
        published_at=row["published_at"],
    )


async def lock_for_publishing(conn: asyncpg.Connection) -> None:
    """Publishers take turns, so versions are consecutive and each sees the one before; readers never wait."""
    await conn.execute("LOCK TABLE cap_policies IN SHARE ROW EXCLUSIVE MODE")


async def all_versions(conn: asyncpg.Connection | asyncpg.Pool) -> list[CapPolicy]:
    return [_policy(row) for row in await conn.fetch("SELECT * FROM cap_policies ORDER BY version")]


async def insert(conn: asyncpg.Connection, policy: CapPolicy, published_by: str) -> CapPolicy | None:
    """None when that version exists already."""
    per_level = policy.limits.per_level_per_year
    row = await conn.fetchrow(
        """INSERT INTO cap_policies (version, effective_from, province_per_year, city_per_year, county_per_year,
                                     across_levels_per_year, default_per_item_per_unit, published_at, published_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (version) DO NOTHING RETURNING *""",
        policy.version,
        policy.effective_from,
        per_level["province"],
        per_level["city"],
        per_level["county"],
        policy.limits.across_levels_per_year,
        policy.limits.default_per_item_per_unit,
        policy.published_at,
        published_by,
    )
    return _policy(row) if row else None
