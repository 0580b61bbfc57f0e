"""Findings (问题): each opens a rectification task in the rectification service, through its event."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import asyncpg

from wurao_common import request_ids
from wurao_common.auth import Caller, within_region
from wurao_common.bus import outbox
from wurao_common.bus.envelope import Event
from wurao_common.ids import is_uuid
from wurao_common.outcomes import Invalid, NotAllowed
from wurao_common.request_ids import callers_own, request_id_problem
from wurao_inspection.adapters import feedback, reference, visits
from wurao_inspection.domain import access
from wurao_inspection.domain.feedback import Finding, Severity, deadline_problem, evidence_problem, text_problem
from wurao_inspection.domain.periods import china_date


async def record_finding(
    pool: asyncpg.Pool,
    caller: Caller,
    visit_id: str,
    *,
    severity: Severity,
    responsible_unit_id: str,
    description: str,
    evidence: list[str],
    proposed_deadline: date,
    now: datetime,
    request_id: str | None = None,
) -> Finding | NotAllowed | Invalid:
    """A retried request (same request id, same inspector) returns the finding it recorded the first time."""
    if problem := request_id_problem(request_id):
        return problem
    request_id = callers_own(caller, "finding", request_id)
    for field, problem in (
        ("visitId", None if is_uuid(visit_id) else "not a visit id"),
        ("description", text_problem(description)),
        ("evidence", evidence_problem(evidence)),
        ("proposedDeadline", deadline_problem(proposed_deadline, china_date(now))),
    ):
        if problem:
            return Invalid(field, problem)
    async with pool.acquire() as conn, conn.transaction():
        if request_id:
            await request_ids.hold(conn, request_id)
            if earlier := await feedback.finding_by_request(conn, request_id):
                return earlier
        visit = await visits.get(conn, visit_id)
        if visit is None or not access.inspects_for(caller, visit.office_id, visit.unit_region):
            return NotAllowed("only an inspector of the inspecting office records its findings")
        responsible = await reference.unit(conn, responsible_unit_id)
        # Rectification is followed up by the inspecting office: the unit must lie in that office's region.
        if responsible is None or not within_region(visit.office_region, responsible.region):
            return Invalid("responsibleUnitId", "no such unit in the inspecting office's region")
        finding = Finding(
            id=str(uuid.uuid4()),
            visit_id=visit.id,
            item_id=visit.item_id,
            office_id=visit.office_id,
            office_region=visit.office_region,
            severity=severity,
            responsible_unit_id=responsible.id,
            unit_region=responsible.region,
            description=description.strip(),
            evidence=tuple(ref.strip() for ref in evidence),
            proposed_deadline=proposed_deadline,
            recorded_at=now,
        )
        await feedback.insert_finding(conn, finding, caller.subject, request_id=request_id)
        await outbox.record(
            conn,
            Event(
                type="inspection.finding.recorded",
                region=responsible.region,
                subject=f"finding/{finding.id}",
                data=finding.event_data(),
            ),
        )
    return finding
