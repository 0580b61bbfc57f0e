"""What one event adds to the figures, and in which scopes and month it counts.

A tally is pure arithmetic on an event's payload plus what reporting already learnt (an item's year, when a
task opened); the adapters add it to every scope it names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from wurao_reporting.domain.periods import DEEPEST, Month, china_date, month_of, region_scopes

REFUSAL_REASONS = ("no_code", "code_invalid", "cap_reached", "out_of_scope", "negative_list_breach")
SEVERITIES = ("low", "medium", "high")
COMPLAINT_OUTCOMES = ("substantiated", "unfounded")
COMPLAINT_KINDS = ("unplanned_inspection", "over_cap", "negative_list_breach", "materials_demanded", "other")
# Complaints are counted down to counties only: a village or a unit may have one complainant, and its figures
# would name them.
COMPLAINT_DEEPEST_REGION = 6


@dataclass(frozen=True)
class Tally:
    month: Month
    region: str
    metrics: dict[str, int]
    office_id: str | None = None
    unit_id: str | None = None
    deepest_region: int = DEEPEST
    office_only: bool = False  # counted for its office alone (a joint visit's other items, see `visit`)

    def scopes(self) -> list[tuple[str, str]]:
        if self.office_only:
            return [("office", self.office_id)] if self.office_id else []
        found = list(region_scopes(self.region, self.deepest_region))
        if self.office_id:
            found.append(("office", self.office_id))
        if self.unit_id:
            found.append(("unit", self.unit_id))
        return found


def item_step(step: str, *, month: Month, region: str, office_id: str, delta: int = 1) -> Tally:
    """`step`: planned, approved, coded, completed, cancelled (an item's figures count in its own year)."""
    return Tally(month, region, {f"items.{step}": delta}, office_id=office_id)


def filing(data: dict, *, month: Month, region: str) -> Tally:
    metrics = {"items.filed": 1}
    if data.get("emergency"):
        metrics["items.emergency_filed"] = 1
    return Tally(month, region, metrics, office_id=data["officeId"])


def visit(data: dict) -> Tally:
    """A joint visit (联合检查) sends one event per item; only the one with `countsTowardUnit` counts in the
    unit's regions and for the unit, so a joint visit counts once there, and once for each office that joined."""
    metrics = {"visits.counted" if data["counted"] else "visits.exempt": 1}
    if data.get("registration") == "emergency":
        metrics["visits.emergency"] = 1
    if data.get("late"):
        metrics["visits.late"] = 1
    return Tally(
        month_of(datetime.fromisoformat(data["inspectedAt"])),
        data["unitRegion"],
        metrics,
        office_id=data["officeId"],
        unit_id=data["unitId"],
        office_only=not data.get("countsTowardUnit", True),
    )


def capped(data: dict) -> Tally:
    """A check-in refused because a cap had no room: where caps bite."""
    return Tally(
        month_of(datetime.fromisoformat(data["refusedAt"])),
        data["unitRegion"],
        {"visits.capped": 1},
        office_id=data.get("officeId"),
        unit_id=data["unitId"],
    )


def refusal(data: dict) -> Tally:
    return Tally(
        month_of(datetime.fromisoformat(data["refusedAt"])),
        data["unitRegion"],
        {f"refusals.{data['reason']}": 1},
        office_id=data.get("officeId"),
        unit_id=data["unitId"],
    )


def finding(data: dict, at: datetime) -> Tally:
    return Tally(
        month_of(at),
        data["unitRegion"],
        {f"findings.{data['severity']}": 1},
        office_id=data["officeId"],
        unit_id=data["responsibleUnitId"],
    )


def complaint(data: dict) -> Tally:
    """Counted per region (down to counties) and against the office complained about; never per unit."""
    return Tally(
        month_of(datetime.fromisoformat(data["filedAt"])),
        data["unitRegion"],
        {f"complaints.{data['kind']}": 1},
        office_id=data.get("officeId"),
        deepest_region=COMPLAINT_DEEPEST_REGION,
    )


def complaint_concluded(data: dict) -> Tally:
    """A handled complaint's outcome (substantiated: 查实), in the month it was concluded; counted like complaints."""
    return Tally(
        month_of(datetime.fromisoformat(data["at"])),
        data["unitRegion"],
        {f"complaint_outcomes.{data['outcome']}": 1},
        office_id=data.get("officeId"),
        deepest_region=COMPLAINT_DEEPEST_REGION,
    )


def task_opened(data: dict, at: datetime) -> Tally:
    return Tally(
        month_of(at),
        data["unitRegion"],
        {"tasks.opened": 1},
        office_id=data["officeId"],
        unit_id=data["responsibleUnitId"],
    )


def open_task(*, month: Month, region: str, office_id: str, unit_id: str) -> Tally:
    """Where a task counts while it is open (`tasks.open`, `tasks.overdue`): in the month it opened, in every
    region of its unit, for its office and for the unit; the count itself is kept per deadline, not as a metric."""
    return Tally(month, region, {}, office_id=office_id, unit_id=unit_id)


def task_closed(data: dict, *, at: datetime, region: str, opened_at: datetime | None) -> Tally:
    """Counted in the month it closed; days to close only when reporting saw the task open."""
    metrics = {"tasks.closed_on_time" if data["onTime"] else "tasks.closed_late": 1}
    if opened_at is not None:
        metrics |= _days_to_close(opened_at, at)
    return Tally(month_of(at), region, metrics, office_id=data["officeId"], unit_id=data["responsibleUnitId"])


def task_closed_before_heard_open(data: dict, *, opened_at: datetime, closed_at: datetime, region: str) -> Tally:
    """The days to close of a task whose close was heard first (`task_closed` could not measure them then)."""
    metrics = _days_to_close(opened_at, closed_at)
    return Tally(month_of(closed_at), region, metrics, office_id=data["officeId"], unit_id=data["responsibleUnitId"])


def _days_to_close(opened_at: datetime, closed_at: datetime) -> dict[str, int]:
    return {"tasks.days_to_close": days_between(opened_at, closed_at), "tasks.closed_measured": 1}


def days_between(start: datetime, end: datetime) -> int:
    return max((china_date(end) - china_date(start)).days, 0)
