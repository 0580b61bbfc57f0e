"""Filings (一事一报): a one-off item outside the plan, submitted with its reason, decided by the approving office."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from wurao_common import request_ids
from wurao_common.auth import Caller
from wurao_common.outcomes import Conflict, Invalid, NotAllowed
from wurao_plan.adapters import filings, items, offices
from wurao_plan.domain import access
from wurao_plan.domain.ceilings import CeilingExceeded, check_within
from wurao_plan.domain.filings import Filing, FilingStatus, check_awaiting_decision
from wurao_plan.domain.items import Item, ItemDetails, ItemStatus, check_reason
from wurao_plan.domain.offices import Office
from wurao_plan.domain.plans import check_year, planning_year
from wurao_plan.usecases import events
from wurao_plan.usecases.ceilings import ceiling_for
from wurao_plan.usecases.items import valid_details
from wurao_plan.usecases.plans import approving_office


@dataclass(frozen=True)
class Decided:
    filing: Filing
    office: Office
    approver: Office


async def file_item(
    pool: asyncpg.Pool,
    caller: Caller,
    details: ItemDetails,
    reason: str,
    *,
    today: datetime | None = None,
    request_id: str | None = None,
) -> Filing | NotAllowed | Invalid:
    """The caller's office files one item outside its plan; the year is its window's.

    A retried request (same request id, same person) returns the filing it made the first time."""
    if problem := check_reason("reason", reason) or request_ids.request_id_problem(request_id):
        return problem
    request_id = request_ids.callers_own(caller, "filing.submitted", request_id)
    year = details.window_start.year
    if problem := check_year(year, planning_year(today or datetime.now(UTC))):
        return Invalid("windowStart", problem)
    async with pool.acquire() as conn, conn.transaction():
        if request_id and (first := await _first_filing(conn, request_id)):
            return first
        office = await offices.get(conn, caller.office_id)
        if office is None or access.check_write_plan(caller, office):
            return NotAllowed("only an office files items, for itself")
        details = await valid_details(conn, details, office, year)
        if isinstance(details, Invalid):
            return details
        item = Item(
            id=str(uuid.uuid4()),
            office_id=office.id,
            plan_id=None,
            year=year,
            status=ItemStatus.DRAFT,
            details=details,
            created_by=caller.subject,
        )
        filing = Filing(
            id=str(uuid.uuid4()),
            office_id=office.id,
            item_id=item.id,
            year=year,
            reason=reason.strip(),
            status=FilingStatus.SUBMITTED,
            created_by=caller.subject,
        )
        await items.insert(conn, item)
        await filings.insert(conn, filing)
        if request_id:
            await request_ids.remember(conn, request_id, "filing.submitted", filing.id)
        data = {"filingId": filing.id, "reason": filing.reason, **events.item_data(item, office)}
        await events.record(conn, "plan.filing.submitted", office.region, f"filing/{filing.id}", data)
    return filing


async def approve_filing(
    pool: asyncpg.Pool, caller: Caller, filing_id: str, *, request_id: str | None = None
) -> Filing | NotAllowed | Invalid | Conflict | CeilingExceeded:
    """Approved, the item is approved like a planned one and counts toward the office's ceiling (an emergency's
    does not).

    A retried request (same request id, same person) returns the filing as it stands, not a conflict."""
    if problem := request_ids.request_id_problem(request_id):
        return problem
    request_id = request_ids.callers_own(caller, "filing.approved", request_id)
    async with pool.acquire() as conn, conn.transaction():
        if request_id and (first := await _first_filing(conn, request_id, filing_id)):
            return first
        found = await _decidable(conn, caller, filing_id)
        if not isinstance(found, Decided):
            return found
        office = found.office
        item = await items.lock(conn, found.filing.item_id)
        if not item.details.emergency:  # an emergency stays outside the ceiling: reported apart, never held back
            await items.lock_year(conn, office.id, item.year)
            planned = await items.count_year_planned(conn, office.id, item.year)
            filed = await items.count_filed(conn, office.id, item.year) + 1
            ceiling = await ceiling_for(conn, office, item.year)
            if exceeded := check_within(ceiling, planned=planned, filed=filed):
                return exceeded
        filing = await filings.decide(conn, found.filing.id, FilingStatus.APPROVED, by=caller.subject, reason=None)
        if request_id:
            await request_ids.remember(conn, request_id, "filing.approved", filing.id)
        item = await items.set_status(conn, item.id, ItemStatus.APPROVED)
        data = {"filingId": filing.id, "itemId": item.id, "officeId": office.id, "approverOfficeId": found.approver.id}
        await events.record(conn, "plan.filing.approved", office.region, f"filing/{filing.id}", data)
        await events.record(
            conn, "plan.item.approved", office.region, f"item/{item.id}", events.item_data(item, office)
        )
    return filing


async def reject_filing(
    pool: asyncpg.Pool, caller: Caller, filing_id: str, reason: str, *, request_id: str | None = None
) -> Filing | NotAllowed | Invalid | Conflict:
    """A retried request (same request id, same person) returns the filing as it stands, not a conflict."""
    if problem := check_reason("reason", reason) or request_ids.request_id_problem(request_id):
        return problem
    request_id = request_ids.callers_own(caller, "filing.rejected", request_id)
    async with pool.acquire() as conn, conn.transaction():
        if request_id and (first := await _first_filing(conn, request_id, filing_id)):
            return first
        found = await _decidable(conn, caller, filing_id)
        if not isinstance(found, Decided):
            return found
        filing = await filings.decide(
            conn, found.filing.id, FilingStatus.REJECTED, by=caller.subject, reason=reason.strip()
        )
        await items.set_status(conn, filing.item_id, ItemStatus.REJECTED)
        if request_id:
            await request_ids.remember(conn, request_id, "filing.rejected", filing.id)
        data = {
            "filingId": filing.id,
            "itemId": filing.item_id,
            "officeId": found.office.id,
            "approverOfficeId": found.approver.id,
            "reason": filing.decision_reason,
        }
        await events.record(conn, "plan.filing.rejected", found.office.region, f"filing/{filing.id}", data)
    return filing


async def _first_filing(
    conn: asyncpg.Connection, request_id: str, filing_id: str | None = None
) -> Filing | Invalid | None:
    """The filing a request's first run made or decided (None on a first run); the id reused elsewhere is invalid."""
    first = await request_ids.first_result(conn, request_id, target_id=filing_id)
    if first is None or isinstance(first, Invalid):
        return first
    return (await filings.get_many(conn, [first]))[first]


async def _decidable(conn: asyncpg.Connection, caller: Caller, filing_id: str) -> Decided | NotAllowed | Conflict:
    filing = await filings.lock(conn, filing_id)
    office = await offices.get(conn, filing.office_id) if filing else None
    if filing is None or office is None or not access.may_read_workings(caller, office.region):
        return NotAllowed(f"there is no filing {filing_id} in your region")
    approver = await approving_office(conn, office)
    if refused := access.check_decide(caller, approver, filing.authors):
        return refused
    return check_awaiting_decision(filing) or Decided(filing, office, approver)
