"""Complaints (码上减负): a unit reports a burden, routed to the office that supervises the one complained about."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from wurao_common import request_ids
from wurao_common.auth import Caller, Role
from wurao_common.bus import outbox
from wurao_common.bus.envelope import Event
from wurao_common.ids import is_uuid
from wurao_common.outcomes import Conflict, Invalid, NotAllowed
from wurao_common.request_ids import callers_own, request_id_problem
from wurao_inspection.adapters import feedback, reference, visits
from wurao_inspection.domain import access
from wurao_inspection.domain.complaints import MAX_HANDLING_TEXT, ComplaintStep, handles, next_status
from wurao_inspection.domain.feedback import (
    MAX_PLACE,
    Complaint,
    ComplaintKind,
    evidence_problem,
    route_complaint,
    text_problem,
)
from wurao_inspection.domain.items import Office
from wurao_inspection.usecases.scan import unit_of


async def file_complaint(
    pool: asyncpg.Pool,
    caller: Caller,
    kind: ComplaintKind,
    *,
    description: str,
    place: str,
    evidence: list[str],
    now: datetime,
    visit_id: str | None = None,
    item_id: str | None = None,
    office_id: str | None = None,
    negative_list_entry: str | None = None,
    request_id: str | None = None,
) -> Complaint | NotAllowed | Invalid:
    """A retried request (same request id, same person) returns the complaint it filed the first time."""
    if not access.acts_for_unit(caller):
        return NotAllowed("complaints are filed by the burdened unit itself")
    if problem := request_id_problem(request_id):
        return problem
    request_id = callers_own(caller, "complaint", request_id)
    for field, problem in (
        ("description", text_problem(description)),
        ("place", text_problem(place, MAX_PLACE)),
        ("evidence", evidence_problem(evidence)),
        ("visitId", "not a visit id" if visit_id and not is_uuid(visit_id) else None),
        ("itemId", "not an item id" if item_id and not is_uuid(item_id) else None),
        (
            "negativeListEntry",
            "cite the negative-list entry that was breached"
            if kind is ComplaintKind.NEGATIVE_LIST_BREACH and not negative_list_entry
            else None,
        ),
    ):
        if problem:
            return Invalid(field, problem)
    # as stored and as every other service spells them (an upper-case id is a UUID too): the event carries them
    visit_id, item_id = visit_id and visit_id.lower(), item_id and item_id.lower()
    async with pool.acquire() as conn, conn.transaction():
        if request_id:
            await request_ids.hold(conn, request_id)
            if earlier := await feedback.complaint_by_request(conn, request_id):
                return earlier
        unit = await unit_of(conn, caller)
        if isinstance(unit, NotAllowed):
            return unit
        about = await _office_complained_about(conn, unit.id, visit_id, item_id, office_id)
        if isinstance(about, Invalid):
            return about
        if negative_list_entry and negative_list_entry not in {e["code"] for e in await reference.negative_list(conn)}:
            return Invalid("negativeListEntry", "no such entry in the negative list in force")
        version = await reference.negative_list_version(conn)
        route = route_complaint(about, unit.region)
        routed_to = await reference.supervision_office(conn, route.level, route.region)
        complaint = Complaint(
            id=str(uuid.uuid4()),
            unit_id=unit.id,
            unit_region=unit.region,
            kind=kind,
            office_id=about.id if about else None,
            item_id=item_id,
            visit_id=visit_id,
            negative_list_entry=negative_list_entry,
            place=place.strip(),
            description=description.strip(),
            evidence=tuple(ref.strip() for ref in evidence),
            route=route,
            routed_office_id=routed_to.id if routed_to else None,
            filed_at=now,
            negative_list_version=version,
        )
        await feedback.insert_complaint(conn, complaint, request_id=request_id)
        await outbox.record(
            conn,
            Event(
                type="inspection.complaint.filed",
                region=unit.region,
                subject=f"complaint/{complaint.id}",
                data=complaint.event_data(),
            ),
        )
    return complaint


async def _office_complained_about(
    conn: asyncpg.Connection, unit_id: str, visit_id: str | None, item_id: str | None, office_id: str | None
) -> Office | Invalid | None:
    """The office behind the named visit, item or office; None when the unit names none. An office inspection does
    not know is refused: what a unit names is stored and published as the office complained about."""
    if visit_id:
        visit = await visits.get(conn, visit_id)
        if visit is None or visit.unit_id != unit_id:
            return Invalid("visitId", "not a visit to your unit")
        return await reference.office(conn, visit.office_id)
    if item_id:
        item = await reference.item(conn, item_id)
        if item is None:
            return Invalid("itemId", "no such coded item")
        return item.office
    if office_id:
        return await reference.office(conn, office_id) or Invalid("officeId", "no such office")
    return None


async def handle_complaint(
    pool: asyncpg.Pool,
    caller: Caller,
    complaint_id: str,
    step: ComplaintStep,
    *,
    text: str = "",
    now: datetime,
    request_id: str | None = None,
) -> Complaint | NotAllowed | Invalid | Conflict:
    """The office the complaint was routed to takes one step of its handling (investigate, conclude with findings,
    close with a reply). A retried request (same request id) returns the complaint as the first run left it."""
    if not is_uuid(complaint_id):
        return Invalid("complaintId", "not a complaint id")
    if problem := request_id_problem(request_id):
        return problem
    if step.text_field and text_problem(text, MAX_HANDLING_TEXT):
        return Invalid(step.text_field, f"1 to {MAX_HANDLING_TEXT} characters")
    kind = f"complaint.{step}"
    request_id = callers_own(caller, kind, request_id)
    async with pool.acquire() as conn, conn.transaction():
        if request_id:
            first = await request_ids.first_result(conn, request_id, target_id=complaint_id)
            if isinstance(first, Invalid):
                return first
            if first:
                return await feedback.complaint(conn, first)
        complaint = await feedback.lock_complaint(conn, complaint_id)
        if complaint is None or not handles(caller, complaint.routed_office_id):
            return NotAllowed("only the office the complaint was routed to handles it")
        status = next_status(complaint.status, step)
        if status is None:
            return Conflict(f"the complaint is {complaint.status}: it cannot {step.replace('_', ' ')} now")
        moved = await feedback.move_complaint(conn, complaint_id, status, text=text.strip() or None, at=now)
        if request_id:
            await request_ids.remember(conn, request_id, kind, complaint_id)
        await outbox.record(
            conn,
            Event(
                type=step.event_type,
                region=moved.unit_region,
                subject=f"complaint/{moved.id}",
                data=moved.step_event_data(now),
            ),
        )
    return moved


async def complaints_for(pool: asyncpg.Pool, caller: Caller, limit: int, after: str | None = None) -> list[Complaint]:
    """A unit sees its own complaints; offices and observers those routed within their region. Newest first,
    after `after` (a complaint of the previous page)."""
    if caller.role is Role.UNIT:
        return await feedback.complaints_of_unit(pool, caller.unit_id or "", limit, after)
    if caller.role is Role.INSPECTOR:
        return []
    return await feedback.complaints_routed_within(pool, caller.region, limit, after)
