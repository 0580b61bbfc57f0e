"""The annual plan's workflow: draft → submitted → approved, or returned → revised → submitted again."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg

from wurao_common.auth import Caller
from wurao_common.outcomes import Conflict, Invalid, NotAllowed
from wurao_plan.adapters import items, offices, plans
from wurao_plan.domain import access
from wurao_plan.domain.ceilings import Ceiling, CeilingExceeded, check_within
from wurao_plan.domain.items import check_reason
from wurao_plan.domain.offices import Office
from wurao_plan.domain.plans import (
    Plan,
    PlanStatus,
    check_awaiting_decision,
    check_submission,
    check_year,
    planning_year,
)
from wurao_plan.usecases import events
from wurao_plan.usecases.ceilings import ceiling_for


async def draft_plan(
    pool: asyncpg.Pool, caller: Caller, year: int, *, today: datetime | None = None
) -> Plan | NotAllowed | Invalid | Conflict:
    """The caller's office starts its annual plan for `year`."""
    if not caller.office_id:
        return NotAllowed("only an office can draft a plan")
    problem = check_year(year, planning_year(today or datetime.now(UTC)))
    if problem:
        return Invalid("year", problem)
    async with pool.acquire() as conn, conn.transaction():
        office = await offices.get(conn, caller.office_id)
        if office is None or access.check_write_plan(caller, office):
            return NotAllowed("you may draft plans only for your own office")
        plan = Plan(
            id=str(uuid.uuid4()), office_id=office.id, year=year, status=PlanStatus.DRAFT, created_by=caller.subject
        )
        if not await plans.insert(conn, plan, caller.subject):
            return Conflict(f"{office.name} already has a plan for {year}")
        data = {"planId": plan.id, "officeId": office.id, "year": year}
        await events.record(conn, "plan.plan.drafted", office.region, f"plan/{plan.id}", data)
    return plan


async def locked_plan(conn: asyncpg.Connection, caller: Caller, plan_id: str) -> tuple[Plan, Office] | NotAllowed:
    """The plan (locked) and its office; the same refusal whether it is missing or out of the caller's sight."""
    plan = await plans.lock(conn, plan_id)
    office = await offices.get(conn, plan.office_id) if plan else None
    if plan is None or office is None or not access.may_read_workings(caller, office.region):
        return NotAllowed(f"there is no plan {plan_id} in your region")
    return plan, office


async def approving_office(conn: asyncpg.Connection, office: Office) -> Office:
    """The office that decides on this office's plans and filings; the province office decides its own."""
    return await offices.get(conn, office.approver_office_id) or office


async def submit_plan(
    pool: asyncpg.Pool, caller: Caller, plan_id: str
) -> Plan | NotAllowed | Conflict | CeilingExceeded:
    """Refused with the numbers (this year's plan, last year's actual, the ceiling) when the year's items would
    exceed the office's ceiling (只减不增); emergencies stay outside it."""
    async with pool.acquire() as conn, conn.transaction():
        found = await locked_plan(conn, caller, plan_id)
        if isinstance(found, NotAllowed):
            return found
        plan, office = found
        if refused := access.check_write_plan(caller, office):
            return refused
        planned, filed, ceiling = await _year_count(conn, office, plan)
        if conflict := check_submission(plan, planned=planned):
            return conflict
        if exceeded := check_within(ceiling, planned=planned, filed=filed):
            return exceeded
        plan = await plans.record_step(
            conn, plan, action=PlanStatus.SUBMITTED, actor=caller.subject, office_id=office.id, item_count=planned
        )
        data = {
            "planId": plan.id,
            "officeId": office.id,
            "year": plan.year,
            "itemCount": planned,
            "filedCount": filed,
            "baseline": office.yearly_baseline,
            "ceiling": ceiling.ceiling,
            "lastYearActual": ceiling.last_year_actual,
        }
        await events.record(conn, "plan.plan.submitted", office.region, f"plan/{plan.id}", data)
    return plan


async def approve_plan(
    pool: asyncpg.Pool, caller: Caller, plan_id: str
) -> Plan | NotAllowed | Conflict | CeilingExceeded:
    """The approving office approves; every item of the plan becomes approved, ready to be coded. Judged against
    the ceiling again: the province office may have lowered it since the plan was submitted."""
    async with pool.acquire() as conn, conn.transaction():
        found = await _decidable(conn, caller, plan_id)
        if not isinstance(found, tuple):
            return found
        plan, office, approver = found
        planned, filed, ceiling = await _year_count(conn, office, plan)
        if exceeded := check_within(ceiling, planned=planned, filed=filed):
            return exceeded
        approved = await items.approve_plan_items(conn, plan.id)
        plan = await plans.record_step(
            conn,
            plan,
            action=PlanStatus.APPROVED,
            actor=caller.subject,
            office_id=approver.id,
            item_count=len(approved),
        )
        data = {
            "planId": plan.id,
            "officeId": office.id,
            "year": plan.year,
            "itemCount": len(approved),
            "approverOfficeId": approver.id,
        }
        await events.record(conn, "plan.plan.approved", office.region, f"plan/{plan.id}", data)
        for item in approved:
            await events.record(
                conn, "plan.item.approved", office.region, f"item/{item.id}", events.item_data(item, office)
            )
    return plan


async def return_plan(
    pool: asyncpg.Pool, caller: Caller, plan_id: str, reason: str
) -> Plan | NotAllowed | Invalid | Conflict:
    """The approving office sends the plan back with its reasons; the office revises and submits again."""
    if problem := check_reason("reason", reason):
        return problem
    async with pool.acquire() as conn, conn.transaction():
        found = await _decidable(conn, caller, plan_id)
        if not isinstance(found, tuple):
            return found
        plan, office, approver = found
        planned = await items.count_planned(conn, plan.id)
        plan = await plans.record_step(
            conn,
            plan,
            action=PlanStatus.RETURNED,
            actor=caller.subject,
            office_id=approver.id,
            item_count=planned,
            reason=reason.strip(),
        )
        data = {
            "planId": plan.id,
            "officeId": office.id,
            "year": plan.year,
            "reason": plan.return_reason,
            "approverOfficeId": approver.id,
        }
        await events.record(conn, "plan.plan.returned", office.region, f"plan/{plan.id}", data)
    return plan


async def _year_count(conn: asyncpg.Connection, office: Office, plan: Plan) -> tuple[int, int, Ceiling]:
    """The plan's items, the office's approved filings of its year and the year's ceiling, read under the year's
    lock: what submitting or approving the plan is judged on (只减不增)."""
    await items.lock_year(conn, office.id, plan.year)
    planned = await items.count_planned(conn, plan.id)
    filed = await items.count_filed(conn, office.id, plan.year)
    return planned, filed, await ceiling_for(conn, office, plan.year)


async def _decidable(
    conn: asyncpg.Connection, caller: Caller, plan_id: str
) -> tuple[Plan, Office, Office] | NotAllowed | Conflict:
    found = await locked_plan(conn, caller, plan_id)
    if isinstance(found, NotAllowed):
        return found
    plan, office = found
    approver = await approving_office(conn, office)
    if refused := access.check_decide(caller, approver, plan.authors):
        return refused
    if conflict := check_awaiting_decision(plan):
        return conflict
    return plan, office, approver
