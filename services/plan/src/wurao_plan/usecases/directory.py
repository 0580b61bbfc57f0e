"""The directory: registering inspected units and offices."""

from __future__ import annotations

import uuid

import asyncpg

from wurao_common.auth import Caller
from wurao_common.outcomes import Conflict, Invalid, NotAllowed
from wurao_plan.adapters import offices, regions, units
from wurao_plan.domain import access
from wurao_plan.domain.offices import Office, OfficeKind, OfficeLevel, check_new_office, default_approver
from wurao_plan.domain.units import Unit, UnitKind, check_new_unit
from wurao_plan.usecases import events
from wurao_plan.usecases.tx import transaction


async def register_unit(
    db: asyncpg.Pool | asyncpg.Connection,
    caller: Caller,
    name: str,
    kind: UnitKind,
    region: str,
    *,
    unit_id: str | None = None,
) -> Unit | NotAllowed | Invalid | Conflict:
    """An office registers a unit in its region. `unit_id` lets the seed keep the ids documented elsewhere."""
    name, region = name.strip(), region.strip()
    if problem := check_new_unit(name, region):
        return problem
    if refused := access.check_register_unit(caller, region):
        return refused
    unit = Unit(id=unit_id or str(uuid.uuid4()), name=name, kind=kind, region=region)
    async with transaction(db) as conn:
        if await regions.missing(conn, [region]):
            return Invalid("region", f"unknown region {region}")
        if not await units.insert(conn, unit, caller.subject):
            return Conflict(f"{region} already has a unit named {name}")
        data = {"unitId": unit.id, "name": unit.name, "kind": unit.kind, "region": unit.region}
        await events.record(conn, "plan.unit.registered", unit.region, f"unit/{unit.id}", data)
    return unit


async def register_office(
    db: asyncpg.Pool | asyncpg.Connection,
    caller: Caller,
    *,
    office_id: str,
    name: str,
    kind: OfficeKind,
    region: str,
    yearly_baseline: int,
    approver_office_id: str | None = None,
) -> Office | NotAllowed | Invalid | Conflict:
    """A supervision office registers an office below it or a department of its own; the approver defaults to
    the supervision office one level up (for a department: of its own region)."""
    office_id, name, region = office_id.strip(), name.strip(), region.strip()
    if problem := check_new_office(office_id, name, region, yearly_baseline):
        return problem
    level = OfficeLevel.of_region(region)
    async with transaction(db) as conn:
        if refused := access.check_register_office(caller, await offices.get(conn, caller.office_id), kind, region):
            return refused
        if await regions.missing(conn, [region]):
            return Invalid("region", f"unknown region {region}")
        approver = await _approver(conn, kind, region, approver_office_id)
        if isinstance(approver, Invalid):
            return approver
        office = Office(
            id=office_id,
            name=name,
            level=level,
            kind=kind,
            region=region,
            approver_office_id=approver.id if approver else None,
            yearly_baseline=yearly_baseline,
        )
        return await _announced(conn, office, caller.subject)


async def establish_province_office(
    db: asyncpg.Pool | asyncpg.Connection, *, office_id: str, name: str, region: str, yearly_baseline: int, by: str
) -> Office | Invalid | Conflict:
    """The province's own supervision office has nobody above it to register it: it is configuration, established
    once by an operator (or the demo seed, `by` naming who), and announced like every other office."""
    office_id, name, region = office_id.strip(), name.strip(), region.strip()
    if problem := check_new_office(office_id, name, region, yearly_baseline):
        return problem
    if OfficeLevel.of_region(region) is not OfficeLevel.PROVINCE:
        return Invalid("region", "the office established by configuration is the province's (2 digits)")
    async with transaction(db) as conn:
        if await regions.missing(conn, [region]):
            return Invalid("region", f"unknown region {region}")
        office = Office(
            id=office_id,
            name=name,
            level=OfficeLevel.PROVINCE,
            kind=OfficeKind.SUPERVISION,
            region=region,
            approver_office_id=None,
            yearly_baseline=yearly_baseline,
        )
        return await _announced(conn, office, by)


async def _announced(conn: asyncpg.Connection, office: Office, created_by: str) -> Office | Conflict:
    """Inside the transaction: the office stored and `plan.office.registered` in the outbox, or what stood in the
    way."""
    if conflict := await offices.insert(conn, office, created_by):
        return Conflict(conflict)
    data = {
        "officeId": office.id,
        "name": office.name,
        "level": office.level,
        "kind": office.kind,
        "region": office.region,
        "approverOfficeId": office.approver_office_id,
        "yearlyBaseline": office.yearly_baseline,
    }
    await events.record(conn, "plan.office.registered", office.region, f"office/{office.id}", data)
    return office


async def _approver(
    conn: asyncpg.Connection, kind: OfficeKind, region: str, chosen_id: str | None
) -> Office | Invalid | None:
    """The chosen approver must be a supervision office at or above the new office's region."""
    if chosen_id is not None:
        chosen = await offices.get(conn, chosen_id)
        if chosen is None or chosen.kind != OfficeKind.SUPERVISION or not region.startswith(chosen.region):
            return Invalid("approverOfficeId", "must be a supervision office whose region contains the new office's")
        return chosen
    ancestors = [region[:digits] for digits in (2, 4, 6) if digits <= len(region)]
    approver = default_approver(kind, region, await offices.supervision_offices(conn, ancestors))
    if approver is None and not (
        kind is OfficeKind.SUPERVISION and OfficeLevel.of_region(region) is OfficeLevel.PROVINCE
    ):
        return Invalid("region", "no supervision office above it is registered yet: register that one first")
    return approver
