"""Who reads what reporting holds, beside the region rule (a caller reads what lies in its region).

An item's timeline names every unit visited, what was found and what each refused: it is the item's office's
working record, read as its plan is (plan's `plan.read`) and its visits are (inspection's `visit_scope`): by the
offices and observers over the office's region and by the item's own office's inspectors, never by a unit (a unit
reads its own visits and tasks where they live). A unit's figures are read by those over its region but, among
units, by the unit itself only (plan's `unit.read`).
"""

from __future__ import annotations

from wurao_common.auth import Caller, Role


def may_read_timeline(caller: Caller, office_id: str, office_region: str) -> bool:
    if caller.role is Role.UNIT:
        return False
    if caller.role is Role.INSPECTOR and caller.office_id != office_id:
        return False
    return caller.can_reach(office_region)


def may_read_figures(caller: Caller, kind: str, scope_id: str, scope_region: str) -> bool:
    """A region's, an office's or a unit's figures (`kind`), the scope lying in `scope_region`."""
    if kind == "unit" and caller.role is Role.UNIT and caller.unit_id != scope_id:
        return False
    return caller.can_reach(scope_region)
