"""The ceiling "only decrease" (只减不增): derived per office and year, lowered by the province office only."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg

from wurao_common import request_ids
from wurao_common.auth import Caller
from wurao_common.outcomes import Conflict, Invalid, NotAllowed
from wurao_plan.adapters import ceilings, items, offices
from wurao_plan.domain.caps import may_publish_province_rules
from wurao_plan.domain.ceilings import Ceiling, ceiling_of, lowering_problem
from wurao_plan.domain.offices import Office
from wurao_plan.domain.plans import check_year, planning_year
from wurao_plan.usecases import events


async def ceiling_for(conn: asyncpg.Connection, office: Office, year: int) -> Ceiling:
    return ceiling_of(
        office.id,
        year,
        baseline=office.yearly_baseline,
        approved=await ceilings.approved_by_year(conn, office.id, year),
        lowerings=await ceilings.lowerings(conn, office.id, year),
    )


async def lower_ceiling(
    pool: asyncpg.Pool,
    caller: Caller,
    office_id: str,
    year: int,
    ceiling: int,
    reason: str,
    *,
    today: datetime | None = None,
    request_id: str | None = None,
) -> Ceiling | NotAllowed | Invalid | Conflict:
    """The province office lowers an office's ceiling for this year or the next, with the reason; never raises it.

    A retried request (same request id) returns the ceiling as it stands instead of a conflict."""
    if problem := check_year(year, planning_year(today or datetime.now(UTC))):
        return Invalid("year", problem.replace("a plan may be drafted", "a ceiling may be lowered"))
    if problem := request_ids.request_id_problem(request_id):
        return problem
    request_id = request_ids.callers_own(caller, "ceiling.lowered", request_id)
    async with pool.acquire() as conn, conn.transaction():
        office = await offices.get(conn, office_id)
        if office is None or not caller.can_reach(office.region):
            return NotAllowed(f"there is no office {office_id} in your region")
        if not may_publish_province_rules(caller, await offices.get(conn, caller.office_id)):
            return NotAllowed("only the province supervision office lowers a ceiling")
        if request_id:
            first = await request_ids.first_result(conn, request_id)
            if isinstance(first, Invalid):
                return first
            if first:
                return await ceiling_for(conn, office, year)
        await items.lock_year(conn, office.id, year)
        current = await ceiling_for(conn, office, year)
        if problem := lowering_problem(current, ceiling, reason):
            return problem
        lowering_id = await ceilings.insert_lowering(
            conn, office.id, year, ceiling, current.ceiling, reason.strip(), caller.subject
        )
        if request_id:
            await request_ids.remember(conn, request_id, "ceiling.lowered", str(lowering_id))
        data = {
            "officeId": office.id,
            "year": year,
            "ceiling": ceiling,
            "previousCeiling": current.ceiling,
            "reason": reason.strip(),
            "loweredByOfficeId": caller.office_id,
        }
        await events.record(conn, "plan.ceiling.lowered", office.region, f"office/{office.id}", data)
        return await ceiling_for(conn, office, year)
