"""The unit refuses an inspection: recorded with its reason, and with what the shown code verified as."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from wurao_common import request_ids
from wurao_common.auth import Caller, Role
from wurao_common.bus import outbox
from wurao_common.bus.envelope import Event
from wurao_common.outcomes import Invalid, NotAllowed
from wurao_common.request_ids import callers_own, request_id_problem
from wurao_inspection.adapters import feedback, reference
from wurao_inspection.domain import access, scan
from wurao_inspection.domain.feedback import MAX_NOTE, Refusal, RefusalReason, capped_refusal
from wurao_inspection.domain.items import Unit
from wurao_inspection.usecases.deps import Deps
from wurao_inspection.usecases.scan import unit_of, verify_code

# The verification outcome each refusal stores, by the outcome's type.
VERDICTS = {
    scan.Valid: "valid",
    scan.Forged: "forged",
    scan.Revoked: "revoked",
    scan.Expired: "expired",
    scan.NotYetValid: "not_yet_valid",
    scan.OutOfScope: "out_of_scope",
    scan.CapReached: "cap_reached",
    scan.Unavailable: "unavailable",
}


async def record_capped(
    conn: asyncpg.Connection,
    outcome: scan.CapReached,
    *,
    unit: Unit,
    registration: str,
    refused_by: str,
    request_id: str | None,
    now: datetime,
) -> None:
    """In the refused check-in's transaction: the capped check-in as a refusal of origin check_in, and its
    `inspection.check_in.capped` event. A retried check-in (`request_id`: its request's key, another operation's
    than any refusal's) records it once."""
    refusal = capped_refusal(str(uuid.uuid4()), outcome, unit.id, unit.region, now)
    if not await feedback.insert_refusal(conn, refusal, refused_by, request_id=request_id):
        return
    await outbox.record(
        conn,
        Event(
            type="inspection.check_in.capped",
            region=unit.region,
            subject=f"refusal/{refusal.id}",
            data=refusal.capped_event_data(registration),
        ),
    )


async def refusals_for(
    pool: asyncpg.Pool,
    caller: Caller,
    *,
    unit_id: str | None,
    reason: RefusalReason | None,
    after: str | None,
    limit: int,
) -> list[Refusal]:
    """Refusals the caller may read, newest first: a unit its own; an inspector those under its office's codes;
    offices and observers those of units in their region. The scope is in the query, so a page is never emptied
    by filtering after the limit."""
    if access.acts_for_unit(caller):
        unit_id = caller.unit_id
    found = await feedback.refusals_in_region(
        pool,
        caller.region,
        unit_id=unit_id,
        office_id=(caller.office_id or "") if caller.role is Role.INSPECTOR else None,
        reason=str(reason) if reason else None,
        after=after,
        limit=limit,
    )
    return [r for r in found if access.may_read_visit(caller, r.unit_id, r.unit_region, r.office_id or "")]


async def refuse(
    deps: Deps,
    caller: Caller,
    reason: RefusalReason,
    *,
    now: datetime,
    code: str | None = None,
    negative_list_entry: str | None = None,
    note: str = "",
    request_id: str | None = None,
) -> Refusal | NotAllowed | Invalid:
    """A retried request (same request id, same person) returns the refusal it recorded the first time."""
    if not access.acts_for_unit(caller):
        return NotAllowed("only the inspected unit refuses an inspection")
    if problem := request_id_problem(request_id):
        return problem
    request_id = callers_own(caller, "refusal", request_id)
    if reason.needs_code and not code:
        return Invalid("code", "give the code that was shown, so the refusal can be checked against it")
    if len(note) > MAX_NOTE:  # optional: a blank note is no note (stored stripped), never a reason to refuse it
        return Invalid("note", f"at most {MAX_NOTE} characters")
    if reason is RefusalReason.NEGATIVE_LIST_BREACH and not negative_list_entry:
        return Invalid("negativeListEntry", "cite the negative-list entry the inspection breaches")
    verdict = item = None
    if code:
        outcome = await verify_code(deps, caller, code, now=now)
        if isinstance(outcome, NotAllowed):
            return outcome
        verdict = VERDICTS[type(outcome)]
        item = getattr(outcome, "item", None)
    async with deps.pool.acquire() as conn, conn.transaction():
        if request_id:
            await request_ids.hold(conn, request_id)
            if earlier := await feedback.refusal_by_request(conn, request_id):
                return earlier
        unit = await unit_of(conn, caller)
        if isinstance(unit, NotAllowed):
            return unit
        if negative_list_entry and negative_list_entry not in {
            entry["code"] for entry in await reference.negative_list(conn)
        }:
            return Invalid("negativeListEntry", "no such entry in the negative list in force")
        refusal = Refusal(
            id=str(uuid.uuid4()),
            unit_id=unit.id,
            unit_region=unit.region,
            reason=reason,
            item_id=item.id if item else None,
            office_id=item.office.id if item else None,
            verdict=verdict,
            negative_list_entry=negative_list_entry,
            note=note.strip(),
            refused_at=now,
        )
        await feedback.insert_refusal(conn, refusal, caller.subject, request_id=request_id)
        await outbox.record(
            conn,
            Event(
                type="inspection.refusal.recorded",
                region=unit.region,
                subject=f"refusal/{refusal.id}",
                data=refusal.event_data(),
            ),
        )
    return refusal
