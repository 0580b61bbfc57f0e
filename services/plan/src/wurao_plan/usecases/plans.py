from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg
from wurao_common.auth import Caller
from wurao_common.bus import outbox
from wurao_common.bus.envelope import Event
from wurao_common.outcomes import Conflict, Invalid, NotAllowed

from wurao_plan.adapters import offices, plans
from wurao_plan.domain import access
from wurao_plan.domain.plans import Plan, PlanStatus, check_year


async def draft_plan(
    pool: asyncpg.Pool, caller: Caller, year: int, *, today: datetime | None = None
) -> Plan | NotAllowed | Invalid | Conflict:
    """The caller's office starts its annual plan for `year`."""
    if not caller.office_id:
        return NotAllowed("only an office can draft a plan")
    problem = check_year(year, (today or datetime.now(UTC)).year)
    if problem:
        return Invalid("year", problem)
    async with pool.acquire() as conn, conn.transaction():
        office = (await offices.get_many(conn, [caller.office_id])).get(caller.office_id)
        if office is None or not access.may_draft_plan(caller, office.id, office.region):
            return NotAllowed("you may draft plans only for your own office")
        plan = Plan(id=str(uuid.uuid4()), office_id=office.id, year=year, status=PlanStatus.DRAFT)
        if not await plans.insert(conn, plan, caller.subject):
            return Conflict(f"{office.name} already has a plan for {year}")
        await outbox.record(
            conn,
            Event(
                type="plan.plan.drafted",
                region=office.region,
                subject=f"plan/{plan.id}",
                data={"planId": plan.id, "officeId": office.id, "year": year},
            ),
        )
    return plan
