"""Visits: an admitted check-in, or an emergency inspection registered afterwards (先督后报)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from wurao_inspection.domain.items import CodedItem, Inspector, Unit
from wurao_inspection.domain.periods import china_year

DEFAULT_EMERGENCY_GRACE = timedelta(days=10)
MAX_SUMMARY = 2000
MAX_REASON = 1000
# How far from now an emergency registration may place its inspection: registered soon after (late past the grace,
# never years on), and a code covers one year's window. Further off names no inspection a code could cover, and
# the far ends of the calendar do not even convert to China time.
EMERGENCY_REACH = timedelta(days=366)


class Registration(enum.StrEnum):
    ON_SITE = "on_site"  # the unit scanned the code and admitted the visit
    EMERGENCY = "emergency"  # inspected first, registered by the inspecting office afterwards


class VisitStatus(enum.StrEnum):
    OPEN = "open"
    COMPLETED = "completed"


@dataclass(frozen=True)
class Visit:
    id: str
    item_id: str
    code_number: str
    office_id: str
    office_level: str
    office_region: str
    unit_id: str
    unit_region: str
    inspected_at: datetime
    registered_at: datetime
    counted: bool
    registration: Registration
    late: bool
    emergency_reason: str | None
    status: VisitStatus
    summary: str | None = None
    completed_at: datetime | None = None
    registered_by: str = ""  # the token subject of whoever registered it (the unit's user, or the inspector)
    inspectors_present: tuple[Inspector, ...] = ()
    joint_visit_id: str | None = None
    # A joint visit counts once toward the unit's figures: on exactly one of its item visits (see joint.py).
    counts_toward_unit: bool = True

    @property
    def period_year(self) -> int:
        return china_year(self.inspected_at)

    @property
    def occasion(self) -> str:
        """What cap counters count and mark: the joint visit it belongs to, else the visit itself."""
        return self.joint_visit_id or self.id

    def event_data(self) -> dict:
        return {
            "visitId": self.id,
            "itemId": self.item_id,
            "codeNumber": self.code_number,
            "officeId": self.office_id,
            "officeLevel": self.office_level,
            "officeRegion": self.office_region,
            "unitId": self.unit_id,
            "unitRegion": self.unit_region,
            "inspectedAt": self.inspected_at.isoformat(),
            "registeredAt": self.registered_at.isoformat(),
            "year": self.period_year,
            "counted": self.counted,
            "registration": str(self.registration),
            "late": self.late,
            "jointVisitId": self.joint_visit_id,
            "countsTowardUnit": self.counts_toward_unit,
        }


def new_visit(
    visit_id: str,
    item: CodedItem,
    unit: Unit,
    *,
    inspected_at: datetime,
    registered_at: datetime,
    registered_by: str,
    registration: Registration = Registration.ON_SITE,
    late: bool = False,
    emergency_reason: str | None = None,
    inspectors_present: tuple[Inspector, ...] | None = None,
    joint_visit_id: str | None = None,
    counts_toward_unit: bool = True,
) -> Visit:
    """`inspectors_present`: by default the item's whole inspection group, the people the code names."""
    return Visit(
        id=visit_id,
        item_id=item.id,
        code_number=item.code_number,
        office_id=item.office.id,
        office_level=str(item.office.level),
        office_region=item.office.region,
        unit_id=unit.id,
        unit_region=unit.region,
        inspected_at=inspected_at,
        registered_at=registered_at,
        counted=counts_against_caps(item, late),
        registration=registration,
        late=late,
        emergency_reason=emergency_reason,
        status=VisitStatus.OPEN,
        registered_by=registered_by,
        inspectors_present=item.inspectors if inspectors_present is None else inspectors_present,
        joint_visit_id=joint_visit_id,
        counts_toward_unit=counts_toward_unit,
    )


def counts_against_caps(item: CodedItem, late: bool) -> bool:
    """Exempt items never count, unless registered late: lateness forfeits the exemption."""
    return late or not item.exempt


def emergency_problem(item: CodedItem, inspected_at: datetime, now: datetime, reason: str) -> tuple[str, str] | None:
    """(field, reason) when an after-the-fact registration is not acceptable."""
    if not item.emergency:
        return "code", "only an item marked for emergencies may inspect first and register afterwards"
    if inspected_at > now:
        return "inspectedAt", "an emergency inspection is registered after it happened, not before"
    if not reason.strip() or len(reason) > MAX_REASON:
        return "reason", f"say why the inspection could not wait, in 1 to {MAX_REASON} characters"
    return None


def inspected_at_problem(inspected_at: datetime, now: datetime) -> str | None:
    if abs(inspected_at - now) > EMERGENCY_REACH:
        return "give the time of the inspection, within a year of now"
    return None


def is_late(inspected_at: datetime, now: datetime, grace: timedelta) -> bool:
    return now - inspected_at > grace


def summary_problem(summary: str) -> str | None:
    if not summary.strip() or len(summary) > MAX_SUMMARY:
        return f"a short summary of 1 to {MAX_SUMMARY} characters (results on the ground, not document piles)"
    return None
