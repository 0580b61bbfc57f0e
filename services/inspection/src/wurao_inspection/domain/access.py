"""Who may do what, where. Pure rules; the use cases apply them before touching anything."""

from __future__ import annotations

from wurao_common.auth import Caller, Role
from wurao_inspection.domain.feedback import Finding
from wurao_inspection.domain.items import Unit


def acts_for_unit(caller: Caller) -> bool:
    """Scanning, admitting, refusing, complaining and rating are the inspected unit's own acts."""
    return caller.role is Role.UNIT and bool(caller.unit_id)


def is_the_unit(caller: Caller, unit: Unit) -> bool:
    return acts_for_unit(caller) and caller.unit_id == unit.id and caller.can_reach(unit.region)


def inspects_for(caller: Caller, office_id: str, unit_region: str) -> bool:
    """An inspector of the inspecting office itself, working inside their region."""
    return caller.role is Role.INSPECTOR and caller.office_id == office_id and caller.can_reach(unit_region)


def visit_scope(caller: Caller) -> tuple[str | None, str | None]:
    """The (unit, office) a caller's visit reads are confined to, beside its region: a unit its own visits, an
    inspector its office's; None where the region alone decides."""
    unit = (caller.unit_id or "") if acts_for_unit(caller) else None
    office = (caller.office_id or "") if caller.role is Role.INSPECTOR else None
    return unit, office


def may_read_visit(caller: Caller, unit_id: str, unit_region: str, office_id: str) -> bool:
    """The unit itself, the inspecting office's people, and offices and observers over the unit's region."""
    if caller.role is Role.UNIT:
        return caller.unit_id == unit_id and caller.can_reach(unit_region)
    if caller.role is Role.INSPECTOR:
        return caller.office_id == office_id and caller.can_reach(unit_region)
    return caller.can_reach(unit_region)


def may_read_finding(caller: Caller, finding: Finding) -> bool:
    """As a visit, but judged on the unit the finding makes responsible, which need not be the visited one."""
    return may_read_visit(caller, finding.responsible_unit_id, finding.unit_region, finding.office_id)
