"""Visits: check-in at the gate, emergency registration afterwards, completion.

The check-in hot path is two PostgreSQL round trips and one Lua call: one statement takes the unit's lock
(exclusive unless another check-in of the unit holds it; session-level, see adapters.visits.Hold) and then reads the
scene, admit.lua checks and increments every counter, and the visit and its event are written by one statement, which
takes the locks over until it commits. PostgreSQL is the truth: if the visit does not commit, its increments are
taken back (counting.settle); a counter Redis does not hold (a unit's first check-in of a period, or Redis lost
it) is written from the visits PostgreSQL counts by the same Lua call, before its decision, when the check-in
holds the unit's lock exclusively (the count is exact only then); a check-in beside another of the unit tries
once more, waiting for the exclusive lock. Nothing is ever admitted on a guess.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from redis.exceptions import RedisError

from wurao_common.auth import Caller, Role
from wurao_common.bus import outbox
from wurao_common.bus.envelope import Event
from wurao_common.codes import CodeClaims
from wurao_common.ids import is_uuid
from wurao_common.outcomes import Conflict, Invalid, NotAllowed
from wurao_common.request_ids import callers_own, request_id_problem
from wurao_inspection.adapters import visits
from wurao_inspection.adapters.counters import Full, Missing
from wurao_inspection.domain import access, caps, joint
from wurao_inspection.domain.caps import Counter
from wurao_inspection.domain.items import Unit
from wurao_inspection.domain.joint import JointRefused, JointVisit
from wurao_inspection.domain.scan import CapReached, Forged, Refused, Unavailable, Valid
from wurao_inspection.domain.visits import (
    Registration,
    Visit,
    counts_against_caps,
    emergency_problem,
    inspected_at_problem,
    is_late,
    new_visit,
    summary_problem,
)
from wurao_inspection.usecases import counting, refusals
from wurao_inspection.usecases.deps import Deps
from wurao_inspection.usecases.scan import Scene, judge_scene, own_unit, read_code, read_facts, unit_of

log = logging.getLogger("wurao.inspection.visits")


@dataclass(frozen=True)
class Admission:
    """Visits judged admissible but for the caps (one, or a joint visit's), and the counters they must find
    room in, each once."""

    scenes: tuple[Scene, ...]
    visits: tuple[Visit, ...]
    counters: tuple[Counter, ...]
    joint: JointVisit | None = None
    # What PostgreSQL counts for each counter, read under the unit's exclusive lock (else None): admit.lua writes
    # the counters Redis does not hold from them.
    counts: Mapping[str, int] | None = None

    @property
    def occasion(self) -> str:
        """What the counters mark (and settle and reconcile look for): the joint visit, else the visit."""
        return self.visits[0].occasion

    @property
    def unit_id(self) -> str:
        return self.visits[0].unit_id


Outcome = Visit | Refused | Forged | NotAllowed | Invalid
JointOutcome = JointVisit | JointRefused | Unavailable | NotAllowed | Invalid
# Takes a check-in's locks (the hold, not yet taken: in the statement that reads its scene, or alone) and judges it
# under them.
Prepare = Callable[[asyncpg.Connection, visits.Hold], Awaitable[Admission | Outcome | JointOutcome]]


async def check_in(deps: Deps, caller: Caller, code: str, *, now: datetime, request_id: str | None = None) -> Outcome:
    """The unit admits the visit the shown code announces (the visit starts now)."""
    if not access.acts_for_unit(caller):
        return NotAllowed("only the inspected unit admits a visit")
    problem = request_id_problem(request_id)
    if problem:
        return problem
    request_id = callers_own(caller, "check_in", request_id)
    claims = await read_code(deps, code)
    if isinstance(claims, Forged):
        return claims
    visit_id = str(uuid.uuid4())

    unit_id = caller.unit_id or ""

    async def prepare(conn: asyncpg.Connection, hold: visits.Hold) -> Admission | Outcome:
        facts = await read_facts(conn, claims, unit_id, now, hold=hold, request_id=request_id)
        unit = own_unit(caller, facts.unit)
        if isinstance(unit, NotAllowed):
            return unit
        if facts.earlier:
            return facts.earlier  # a retried request: the visit it already admitted, counted once
        found = judge_scene(facts, claims, unit, now)
        if not isinstance(found, Scene):
            return found
        visit = new_visit(visit_id, found.item, unit, inspected_at=now, registered_at=now, registered_by=caller.subject)
        return _admission(found, visit, facts.counted)

    return await _record(deps, prepare, unit_id=unit_id, request_id=request_id, now=now)


async def check_in_joint(
    deps: Deps,
    caller: Caller,
    codes: Sequence[str],
    *,
    lead: str,
    inspectors_present: Sequence[str] | None = None,
    now: datetime,
    request_id: str | None = None,
) -> JointOutcome:
    """The unit admits a joint visit (联合检查) under the codes of every item in it: each code verified, every cap
    of every item checked and incremented in one Lua call, all or none. A retried request returns the joint visit
    it admitted; a refused code refuses the whole visit, with what each code verified as."""
    if not access.acts_for_unit(caller):
        return NotAllowed("only the inspected unit admits a visit")
    if problem := request_id_problem(request_id):
        return problem
    if problem := joint.codes_problem(codes):
        return Invalid("codes", problem)
    request_id = callers_own(caller, "check_in_joint", request_id)
    claims = [await read_code(deps, code) for code in codes]
    joint_id, visit_ids = str(uuid.uuid4()), [str(uuid.uuid4()) for _ in codes]

    unit_id = caller.unit_id or ""

    async def prepare(conn: asyncpg.Connection, hold: visits.Hold) -> Admission | JointOutcome:
        await visits.take(conn, hold)
        unit = await unit_of(conn, caller)
        if isinstance(unit, NotAllowed):
            return unit
        if request_id and (earlier := await visits.joint_by_request(conn, unit.id, request_id)):
            return earlier
        found = [c if isinstance(c, Forged) else await _judged(conn, c, unit, now) for c in claims]
        scenes = [entry for entry in found if isinstance(entry, Scene)]
        if len(scenes) < len(found):
            return JointRefused(await _verdicts(conn, deps, found, now, full=set()))
        items = [entry.item for entry in scenes]
        if problem := joint.items_problem(items):
            return Invalid("codes", problem)
        chosen = joint.presence(items, lead, inspectors_present)
        if isinstance(chosen[0], str):
            return Invalid(*chosen)
        occasion = joint.new_joint_visit(
            joint_id, visit_ids, items, unit, lead=chosen[0], present=chosen[1], at=now, registered_by=caller.subject
        )
        counted = [entry.item for entry in scenes if counts_against_caps(entry.item, False)]
        if not counted:
            return Admission(tuple(scenes), occasion.visits, (), occasion)
        if scenes[0].policy is None:
            return Unavailable("no frequency-cap policy is in effect, so no visit can be counted")
        counters = caps.joint_counters(unit.id, counted, scenes[0].policy, now)
        counts = caps.tally(counters, await visits.counted_groups(conn, unit.id, counters)) if hold.exclusive else None
        return Admission(tuple(scenes), occasion.visits, counters, occasion, counts)

    return await _record(deps, prepare, unit_id=unit_id, request_id=request_id, now=now)


async def register_emergency_visit(
    deps: Deps,
    caller: Caller,
    code: str,
    *,
    unit_id: str,
    inspected_at: datetime,
    reason: str,
    now: datetime,
    request_id: str | None = None,
) -> Outcome:
    """The inspecting office registers an emergency inspection it made first (先督后报)."""
    if caller.role is not Role.INSPECTOR or not caller.office_id:
        return NotAllowed("only an inspector of the inspecting office registers an emergency inspection")
    if inspected_at.tzinfo is None:
        return Invalid("inspectedAt", "give a time with its offset, e.g. 2026-03-01T09:30:00+08:00")
    if problem := inspected_at_problem(inspected_at, now):
        return Invalid("inspectedAt", problem)
    problem = request_id_problem(request_id)
    if problem:
        return problem
    request_id = callers_own(caller, "emergency_visit", request_id)
    claims = await read_code(deps, code)
    if isinstance(claims, Forged):
        return claims
    visit_id = str(uuid.uuid4())

    async def prepare(conn: asyncpg.Connection, hold: visits.Hold) -> Admission | Outcome:
        facts = await read_facts(conn, claims, unit_id, inspected_at, hold=hold, request_id=request_id)
        unit = facts.unit
        if unit is None or not caller.can_reach(unit.region):
            return Invalid("unitId", "no such unit in your region")
        if facts.earlier:
            return facts.earlier
        found = judge_scene(
            facts,
            claims,
            unit,
            inspected_at,
            may_use=lambda item: access.inspects_for(caller, item.office.id, unit.region),
        )
        if not isinstance(found, Scene):
            return found
        problem = emergency_problem(found.item, inspected_at, now, reason)
        if problem:
            return Invalid(*problem)
        visit = new_visit(
            visit_id,
            found.item,
            unit,
            inspected_at=inspected_at,
            registered_at=now,
            registered_by=caller.subject,
            registration=Registration.EMERGENCY,
            late=is_late(inspected_at, now, deps.emergency_grace),
            emergency_reason=reason.strip(),
        )
        return _admission(found, visit, facts.counted)

    return await _record(deps, prepare, unit_id=unit_id, request_id=request_id, now=now)


async def _judged(
    conn: asyncpg.Connection, claims: CodeClaims, unit: Unit, at: datetime
) -> Scene | Refused | NotAllowed:
    """One code of a joint visit, judged on its own facts (its item, the policy in effect)."""
    return judge_scene(await read_facts(conn, claims, unit.id, at), claims, unit, at)


def _admission(
    found: Scene, visit: Visit, counted: Sequence[tuple[int, str, str, str]] | None
) -> Admission | Unavailable:
    """`counted`: the unit's counted visits read under its exclusive lock (see reference.Facts), else None."""
    counters = found.applicable(visit.inspected_at, counted=visit.counted)
    if isinstance(counters, Unavailable):
        return counters
    counts = None if counted is None else caps.tally(counters, counted)
    return Admission((found,), (visit,), counters, counts=counts)


async def _record(deps: Deps, prepare: Prepare, *, unit_id: str, request_id: str | None, now: datetime):
    """Runs a check-in of the unit (`request_id`: its request's key, see request_ids.callers_own). One connection
    throughout: the second attempt never queues again behind other check-ins. The first takes the unit's lock
    exclusively only when no other check-in of the unit holds it; if it had to share it and a counter is missing,
    the second waits for the unit to itself (the count is exact only then) and writes it."""
    async with deps.pool.acquire() as conn:
        for exclusive in (False, True):
            outcome = await _attempt(deps, conn, prepare, unit_id, exclusive, request_id, now)
            if not isinstance(outcome, Missing):
                return outcome
    return Unavailable("the cap counters are being rebuilt; nothing was counted, try again")


async def _attempt(
    deps: Deps,
    conn: asyncpg.Connection,
    prepare: Prepare,
    unit_id: str,
    exclusive: bool,
    request_id: str | None,
    now: datetime,
):
    """Without a transaction until the visit is written: the check-in's locks are session-level (see
    visits.Hold), its reads autocommit, and a single visit is written with its event by one statement that takes
    the locks over until it commits (2 PostgreSQL round trips with the locks taken by the scene's read; 5 with
    BEGIN, a statement for the locks and COMMIT).
    A joint visit's rows, and a capped check-in's refusal, are written in one transaction."""
    admission: Admission | Outcome | None = None
    hold = visits.Hold(unit_id, request_id, exclusive=exclusive)
    sent = False  # once admit.lua may have run, a failure must settle: a lost reply does not mean "not counted"
    try:
        admission = await prepare(conn, hold)
        if not isinstance(admission, Admission):
            return admission
        if admission.counters:  # the unit's lock is held since prepare
            if not hold.taken:  # a prepare that judged without taking the locks: counting now could pass a cap
                raise RuntimeError("a check-in was judged without its locks")
            sent = True
            result = await deps.counters.admit(admission.counters, admission.occasion, counts=admission.counts, now=now)
            if isinstance(result, Missing):
                return result
            if result.written:  # every unit's first check-in of a period: routine, so not at INFO
                log.debug("wrote %d cap counter(s) of unit %s from PostgreSQL", result.written, admission.unit_id)
            if isinstance(result, Full):
                async with conn.transaction():
                    await visits.hand_over(conn, hold)
                    capped = await _cap_reached(conn, deps, admission, result, now)
                    await _record_capped(conn, admission, capped, request_id, now)
                return capped
        if admission.joint:
            async with conn.transaction():
                await visits.hand_over(conn, hold)
                await visits.insert_joint(conn, admission.joint, request_id=request_id)
                for visit in admission.visits:
                    await visits.insert(conn, visit, request_id=None)
        else:
            await visits.insert(conn, admission.visits[0], request_id=request_id, hold=hold)
        return admission.joint or admission.visits[0]
    except BaseException as error:  # a cancelled request (client gone) must give its increments back too
        if isinstance(error, RedisError):
            log.warning("cap counters unreachable: %s", error)
        else:
            log.warning("a check-in failed after it was judged", exc_info=isinstance(error, Exception))
        # first: settling waits for every other check-in of the unit to end
        await asyncio.shield(_release(conn, hold))
        if sent and isinstance(admission, Admission):
            await asyncio.shield(
                counting.settle(
                    conn,
                    deps.counters,
                    visit_id=admission.occasion,
                    unit_id=admission.unit_id,
                    incremented=admission.counters,
                )
            )
        if not isinstance(error, Exception):
            raise
        if isinstance(error, RedisError):
            return Unavailable("the cap counters cannot be reached; nothing was counted, try again")
        return Unavailable("the visit could not be recorded; nothing was counted, try again")
    finally:
        await asyncio.shield(_release(conn, hold))


async def _release(conn: asyncpg.Connection, hold: visits.Hold) -> None:
    """Gives the check-in's locks up if it still holds them; a failure to (the connection is closed) is logged."""
    try:
        await visits.release(conn, hold)
    except Exception:
        log.exception("could not release a check-in's locks; its connection was closed")


async def _cap_reached(
    conn: asyncpg.Connection, deps: Deps, admission: Admission, full: Full, now: datetime
) -> CapReached | JointRefused:
    full_keys = {counter.key for counter in full.counters}
    verdicts = await _verdicts(conn, deps, admission.scenes, now, full=full_keys, visits=admission.visits)
    return JointRefused(verdicts) if admission.joint else verdicts[0]


async def _record_capped(
    conn: asyncpg.Connection,
    admission: Admission,
    capped: CapReached | JointRefused,
    request_id: str | None,
    now: datetime,
) -> None:
    """So offices see where caps bite: a joint visit's refusal names its first capped code and every full cap."""
    outcomes = capped.outcomes if isinstance(capped, JointRefused) else (capped,)
    first = next((outcome for outcome in outcomes if isinstance(outcome, CapReached)), None)
    if first is None:
        return
    visit = admission.visits[0]
    await refusals.record_capped(
        conn,
        first,
        unit=admission.scenes[0].unit,
        registration=str(visit.registration),
        refused_by=visit.registered_by,
        request_id=request_id,
        now=now,
    )


async def _verdicts(
    conn: asyncpg.Connection,
    deps: Deps,
    found: Sequence[Scene | Refused | NotAllowed],
    now: datetime,
    *,
    full: set[str],
    visits: Sequence[Visit] = (),
) -> tuple:
    """What each code of a refused check-in verified as, with the unit's standing: a genuine, live code whose
    counters include a full one (`full`, as admit.lua found them, or as they stand now) is CapReached, one without
    is Valid. The counters that apply and are shown are those of each scene's judged visit (a late emergency
    registration counts, exempt or not, in the year it happened), else of a visit now."""
    scenes = [entry for entry in found if isinstance(entry, Scene)]
    if not scenes:
        return tuple(found)
    at = [visits[n].inspected_at if visits else now for n in range(len(found))]
    shown = {
        counter.key: counter
        for n, entry in enumerate(found)
        if isinstance(entry, Scene)
        for counter in entry.shown(at[n])
    }
    used = await counting.current(conn, deps.counters, scenes[0].unit.id, list(shown.values()))
    verdicts = []
    for n, entry in enumerate(found):
        if not isinstance(entry, Scene):
            verdicts.append(entry)
            continue
        if visits:
            applicable = entry.applicable(visits[n].inspected_at, counted=visits[n].counted)
        else:
            applicable = entry.applicable(now, counted=not entry.item.exempt)
        applicable = () if isinstance(applicable, Unavailable) else applicable
        standing = caps.standing(entry.shown(at[n]), applicable, used)
        capped = any(counter.key in full for counter in applicable) or any(cap.full for cap in standing)
        verdicts.append(CapReached(entry.item, standing) if capped else Valid(entry.item, standing))
    return tuple(verdicts)


async def complete_visit(
    pool: asyncpg.Pool, caller: Caller, visit_id: str, summary: str, *, now: datetime
) -> Visit | NotAllowed | Invalid | Conflict:
    """The inspecting office closes the visit with a short summary."""
    if not is_uuid(visit_id):
        return Invalid("visitId", "not a visit id")
    problem = summary_problem(summary)
    if problem:
        return Invalid("summary", problem)
    async with pool.acquire() as conn, conn.transaction():
        visit = await visits.get(conn, visit_id)
        if visit is None or not access.inspects_for(caller, visit.office_id, visit.unit_region):
            return NotAllowed("only an inspector of the inspecting office completes its visit")
        completed = await visits.complete(conn, visit_id, summary.strip(), caller.subject, now)
        if completed is None:
            return Conflict("the visit is already completed")
        await outbox.record(
            conn,
            Event(
                type="inspection.visit.completed",
                region=completed.unit_region,
                subject=f"visit/{visit_id}",
                data={
                    "visitId": visit_id,
                    "itemId": completed.item_id,
                    "officeId": completed.office_id,
                    "unitId": completed.unit_id,
                    "unitRegion": completed.unit_region,
                    "completedAt": now.isoformat(),
                    "summary": completed.summary,
                },
            ),
        )
    return completed
