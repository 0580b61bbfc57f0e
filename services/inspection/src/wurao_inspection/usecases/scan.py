"""Verify (扫码): what the scanning unit must see at a glance, and whether the code admits a visit now."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from redis.exceptions import RedisError

from wurao_common.auth import Caller
from wurao_common.codes import CodeClaims, ForgedCode
from wurao_common.outcomes import NotAllowed
from wurao_inspection.adapters import reference, visits
from wurao_inspection.domain import access, caps, scan
from wurao_inspection.domain.caps import CapPolicy, Counter
from wurao_inspection.domain.items import CodedItem, Unit
from wurao_inspection.domain.periods import china_date, china_year
from wurao_inspection.domain.scan import CapReached, Forged, Unavailable, Valid
from wurao_inspection.usecases import counting
from wurao_inspection.usecases.deps import Deps


@dataclass(frozen=True)
class Scene:
    """A genuine, live code for an item in scope of this unit: what the caps are judged on."""

    item: CodedItem
    unit: Unit
    policy: CapPolicy | None

    def applicable(self, inspected_at: datetime, *, counted: bool) -> tuple[Counter, ...] | Unavailable:
        """The counters a visit must find room in; none when it is not counted."""
        if not counted:
            return ()
        if self.policy is None:
            return Unavailable("no frequency-cap policy is in effect, so no visit can be counted", self.item)
        return caps.counters_for(self.unit.id, self.item, self.policy, inspected_at)

    def shown(self, at: datetime) -> tuple[Counter, ...]:
        if self.policy is None:
            return ()
        return caps.shown_counters(self.unit.id, self.item, self.policy, at)


async def read_code(deps: Deps, code: str) -> CodeClaims | Forged:
    try:
        return await deps.keys.verify(code)
    except ForgedCode as error:
        return Forged(str(error))


def judge_scene(
    facts: reference.Facts,
    claims: CodeClaims,
    unit: Unit,
    at: datetime,
    *,
    may_use: Callable[[CodedItem], bool] = lambda _item: True,
) -> Scene | scan.Refused | NotAllowed:
    """Everything but the caps, judged at moment `at` on the facts read (the policy in effect on `at`'s day).

    `may_use` is asked before anything about the item is told.
    """
    item = facts.item
    if item is None:
        return Unavailable("this code's item has not reached the inspection service yet; try again shortly")
    if not may_use(item):
        return NotAllowed("this code belongs to another office")
    verdict = scan.judge(item, claims, unit, at)
    if verdict is not None:
        return verdict
    return Scene(item, unit, facts.policy)


async def read_facts(
    conn: asyncpg.Connection,
    claims: CodeClaims,
    unit_id: str,
    at: datetime,
    *,
    hold: visits.Hold | None = None,
    request_id: str | None = None,
) -> reference.Facts:
    """The item, the unit and the policy in effect on `at`'s day: one statement. With a check-in's `hold`, the same
    statement takes its locks first, then reads the visit `request_id` already admitted and, held exclusively,
    the unit's counted visits behind the counters a scan shows (see counting.current)."""
    return await reference.facts(
        conn,
        item_id=claims.item_id,
        unit_id=unit_id,
        on=china_date(at),
        hold=hold,
        request_id=request_id,
        counted_year=china_year(at),
    )


def own_unit(caller: Caller, unit: Unit | None) -> Unit | NotAllowed:
    if unit is None or not access.is_the_unit(caller, unit):
        return NotAllowed("only a registered unit, signed in as itself, can scan a code")
    return unit


async def unit_of(conn: asyncpg.Connection, caller: Caller) -> Unit | NotAllowed:
    return own_unit(caller, await reference.unit(conn, caller.unit_id or ""))


async def verify_code(deps: Deps, caller: Caller, code: str, *, now: datetime) -> Valid | scan.Refused | NotAllowed:
    """Changes nothing: the unit's standing is read, never counted. The item, the unit and the policy are those
    this replica holds (deps.reference); the counters Redis's, or PostgreSQL's count where Redis holds none."""
    if not access.acts_for_unit(caller):
        return NotAllowed("only an inspected unit scans codes")
    claims = await read_code(deps, code)
    if isinstance(claims, Forged):
        return claims
    facts = await deps.reference.facts(claims.item_id, caller.unit_id or "", china_date(now))
    unit = own_unit(caller, facts.unit)
    if isinstance(unit, NotAllowed):
        return unit
    found = judge_scene(facts, claims, unit, now)
    if not isinstance(found, Scene):
        return found
    counters = _scan_counters(deps, found, now)
    if isinstance(counters, Unavailable):
        return counters
    shown, applicable = counters
    try:
        used = await counting.current(deps.pool, deps.counters, unit.id, shown)
    except RedisError:
        return Unavailable("the cap counters cannot be read right now; try again", found.item)
    standing = caps.standing(shown, applicable, used)
    if any(entry.full for entry in standing):
        return CapReached(found.item, standing)
    return Valid(found.item, standing)


def _scan_counters(
    deps: Deps, scene: Scene, at: datetime
) -> tuple[tuple[Counter, ...], tuple[Counter, ...]] | Unavailable:
    """What the scan shows and what a visit now would need room in; those of a counted item under a policy as this
    replica built them before (deps.reference.counters)."""
    if scene.policy is None or scene.item.exempt:
        applicable = scene.applicable(at, counted=not scene.item.exempt)
        return applicable if isinstance(applicable, Unavailable) else (scene.shown(at), applicable)
    return deps.reference.counters(scene.unit.id, scene.item, scene.policy, at)
