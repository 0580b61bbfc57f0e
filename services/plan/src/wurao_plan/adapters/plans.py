from __future__ import annotations

import asyncpg

from wurao_plan.domain.plans import Plan, PlanStatus


def _plan(row: asyncpg.Record) -> Plan:
    return Plan(id=str(row["id"]), office_id=row["office_id"], year=row["year"], status=PlanStatus(row["status"]))


async def insert(conn: asyncpg.Connection, plan: Plan, created_by: str) -> bool:
    """False when the office already has a plan for that year."""
    inserted = await conn.fetchval(
        """INSERT INTO plans (id, office_id, year, status, created_by) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (office_id, year) DO NOTHING RETURNING true""",
        plan.id,
        plan.office_id,
        plan.year,
        plan.status,
        created_by,
    )
    return bool(inserted)


async def for_office(conn: asyncpg.Connection | asyncpg.Pool, office_id: str) -> list[Plan]:
    rows = await conn.fetch("SELECT * FROM plans WHERE office_id = $1 ORDER BY year", office_id)
    return [_plan(row) for row in rows]
