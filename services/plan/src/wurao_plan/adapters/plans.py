from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from wurao_common.ids import uuids
from wurao_plan.domain.plans import Plan, PlanStatus

Db = asyncpg.Connection | asyncpg.Pool


@dataclass(frozen=True)
class PlanStep:
    """One step of the approval workflow, kept for the record: who did what, with how many items, and why."""

    action: str
    actor: str
    office_id: str
    item_count: int
    reason: str | None
    at: datetime


def _plan(row: asyncpg.Record) -> Plan:
    return Plan(
        id=str(row["id"]),
        office_id=row["office_id"],
        year=row["year"],
        status=PlanStatus(row["status"]),
        created_by=row["created_by"],
        submitted_by=row["submitted_by"],
        return_reason=row["return_reason"],
    )


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


async def get_many(conn: Db, ids: Sequence[str]) -> dict[str, Plan]:
    rows = await conn.fetch("SELECT * FROM plans WHERE id = ANY($1::uuid[])", uuids(ids))
    return {str(row["id"]): _plan(row) for row in rows}


async def lock(conn: asyncpg.Connection, plan_id: str) -> Plan | None:
    """The plan, locked until the transaction ends: its items and status change one writer at a time."""
    parsed = uuids([plan_id])
    if not parsed:
        return None
    row = await conn.fetchrow("SELECT * FROM plans WHERE id = $1 FOR UPDATE", parsed[0])
    return _plan(row) if row else None


async def for_offices(conn: Db, office_ids: Sequence[str]) -> dict[str, list[Plan]]:
    """Each office's plans by year (an empty list for an office without any), in one query for all of them."""
    rows = await conn.fetch(
        "SELECT * FROM plans WHERE office_id = ANY($1::text[]) ORDER BY office_id, year", list(office_ids)
    )
    found: dict[str, list[Plan]] = {office_id: [] for office_id in office_ids}
    for row in rows:
        found[row["office_id"]].append(_plan(row))
    return found


async def search(
    conn: Db,
    *,
    region: str,
    office_id: str | None,
    year: int | None,
    status: PlanStatus | None,
    limit: int,
    after: str | None = None,
) -> list[Plan]:
    """Newest year first, then by office; continued after a plan of an earlier page (keyset), looked up among the
    region's plans alone (as units.in_region: one outside it gives an empty page, as an unknown id)."""
    rows = await conn.fetch(
        """WITH reachable AS NOT MATERIALIZED (
                 SELECT p.*, o.region_code AS office_region FROM plans p JOIN offices o ON o.id = p.office_id
                 WHERE o.region_code LIKE $1 || '%'),
             cursor AS MATERIALIZED (SELECT year, office_region, office_id FROM reachable WHERE id = $6)
           SELECT * FROM reachable p
           WHERE ($2::text IS NULL OR p.office_id = $2)
             AND ($3::int IS NULL OR p.year = $3) AND ($4::text IS NULL OR p.status = $4)
             AND ($6::uuid IS NULL OR EXISTS (SELECT 1 FROM cursor a WHERE p.year < a.year
                   OR (p.year = a.year AND (p.office_region, p.office_id) > (a.office_region, a.office_id))))
           ORDER BY p.year DESC, p.office_region, p.office_id LIMIT $5""",
        region,
        office_id,
        year,
        status,
        limit,
        uuid.UUID(after) if after else None,
    )
    return [_plan(row) for row in rows]


async def record_step(
    conn: asyncpg.Connection,
    plan: Plan,
    *,
    action: PlanStatus,
    actor: str,
    office_id: str,
    item_count: int,
    reason: str | None = None,
) -> Plan:
    """Moves the plan to `action`'s status and keeps the step; returns the plan as it now stands."""
    row = await conn.fetchrow(
        """UPDATE plans SET status = $2, updated_at = now(),
                  submitted_by = CASE WHEN $2 = 'submitted' THEN $3 ELSE submitted_by END,
                  submitted_at = CASE WHEN $2 = 'submitted' THEN now() ELSE submitted_at END,
                  decided_by = CASE WHEN $2 = 'submitted' THEN NULL ELSE $3 END,
                  decided_at = CASE WHEN $2 = 'submitted' THEN NULL ELSE now() END,
                  return_reason = $4
           WHERE id = $1 RETURNING *""",
        uuid.UUID(plan.id),
        action,
        actor,
        reason,
    )
    await conn.execute(
        """INSERT INTO plan_steps (plan_id, seq, action, actor, office_id, item_count, reason)
           SELECT $1, coalesce(max(seq), 0) + 1, $2, $3, $4, $5, $6 FROM plan_steps WHERE plan_id = $1""",
        uuid.UUID(plan.id),
        action,
        actor,
        office_id,
        item_count,
        reason,
    )
    return _plan(row)


async def steps_for(conn: Db, plan_ids: Sequence[str]) -> dict[str, list[PlanStep]]:
    rows = await conn.fetch(
        """SELECT plan_id, action, actor, office_id, item_count, reason, at FROM plan_steps
           WHERE plan_id = ANY($1::uuid[]) ORDER BY plan_id, seq""",
        uuids(plan_ids),
    )
    found: dict[str, list[PlanStep]] = {plan_id: [] for plan_id in plan_ids}
    for row in rows:
        found.setdefault(str(row["plan_id"]), []).append(
            PlanStep(row["action"], row["actor"], row["office_id"], row["item_count"], row["reason"], row["at"])
        )
    return found
