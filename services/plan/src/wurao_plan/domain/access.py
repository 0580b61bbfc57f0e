"""Who may do what, where. Pure rules; the use cases apply them before touching anything.

The table in services/plan/README.md states these rules cell by cell, and tests/test_access_table.py
checks every cell against this module. Reads answer a bool (they filter); writes answer why not, or None.
"""

from __future__ import annotations

from collections.abc import Iterable

from wurao_common.auth import Caller, Role
from wurao_common.outcomes import NotAllowed
from wurao_plan.domain import regions
from wurao_plan.domain.items import ItemStatus
from wurao_plan.domain.offices import Office, OfficeKind, OfficeLevel

# Who reads the workings of offices (plans, drafts, filings) in their region; units see only what concerns them.
_WORKINGS_READERS = frozenset(
    {Role.PROVINCE_OFFICE, Role.CITY_OFFICE, Role.COUNTY_OFFICE, Role.INSPECTOR, Role.OBSERVER}
)
_UNDECIDED = frozenset({ItemStatus.DRAFT, ItemStatus.REJECTED})


def acts_for(caller: Caller, office: Office) -> bool:
    """The caller works for this office: its role matches the office's level, and the office is in reach."""
    return (
        caller.role.is_office
        and caller.office_id == office.id
        and caller.role is OfficeLevel(office.level).role
        and caller.can_reach(office.region)
    )


def may_read_office(caller: Caller, office_region: str) -> bool:
    """Offices in the caller's region, and those above it (the offices a unit may be inspected by)."""
    return caller.can_reach(office_region) or regions.within(caller.region, office_region)


def may_read_unit(caller: Caller, unit_id: str, unit_region: str) -> bool:
    if caller.role is Role.UNIT:
        return caller.unit_id == unit_id
    return caller.can_reach(unit_region)


def only_unit(caller: Caller) -> str | None:
    """The one unit a caller may read among units (as may_read_unit decides), for lists to narrow in SQL: a
    unit's own id ('' for a unit token without one: none); None for everyone else."""
    return (caller.unit_id or "") if caller.role is Role.UNIT else None


def reads_workings(caller: Caller) -> bool:
    return caller.role in _WORKINGS_READERS


def may_read_workings(caller: Caller, office_region: str) -> bool:
    """Plans, filings and undecided items of an office."""
    return reads_workings(caller) and caller.can_reach(office_region)


def may_read_item(caller: Caller, office_region: str, scope_regions: Iterable[str], status: ItemStatus) -> bool:
    """An office's items in the caller's region; and anyone's decided items whose scope overlaps the caller's
    region, so a unit sees what may inspect it and a county office what the city plans there."""
    if may_read_workings(caller, office_region):
        return True
    return status not in _UNDECIDED and any(regions.overlap(caller.region, scope) for scope in scope_regions)


def check_register_unit(caller: Caller, region: str) -> NotAllowed | None:
    if caller.role.is_office and caller.can_reach(region):
        return None
    return NotAllowed("only an office may register units, and only inside its region")


def check_register_office(
    caller: Caller, caller_office: Office | None, kind: OfficeKind, region: str
) -> NotAllowed | None:
    """A supervision office registers the offices below it, and the departments of its own region."""
    if caller_office is None or not acts_for(caller, caller_office) or caller_office.kind != OfficeKind.SUPERVISION:
        return NotAllowed("only a supervision office may register offices")
    if not regions.within(region, caller_office.region):
        return NotAllowed(f"{region} lies outside your region {caller_office.region}")
    if kind is OfficeKind.SUPERVISION and region == caller_office.region:
        return NotAllowed("a supervision office registers supervision offices of the levels below it only")
    return None


def check_write_plan(caller: Caller, office: Office) -> NotAllowed | None:
    """Drafting a plan, its items and its filings, submitting it, cancelling its items: the office's own work."""
    if acts_for(caller, office):
        return None
    return NotAllowed(f"only {office.name} may do this")


def check_decide(caller: Caller, approver: Office, authors: frozenset[str]) -> NotAllowed | None:
    """Approving or returning a plan, approving or rejecting a filing: the approving office, never an author."""
    if not acts_for(caller, approver):
        return NotAllowed(f"only the approving office, {approver.name}, may decide on this")
    if caller.subject in authors:
        return NotAllowed("four eyes: the author or submitter may not decide on their own work")
    return None
