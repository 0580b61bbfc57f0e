"""Turning a recorded finding (inspection.finding.recorded) into the rectification task it opens."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from wurao_common.ids import is_region_code
from wurao_common.outcomes import Invalid
from wurao_rectification.domain.tasks import Severity, Task, TaskStatus, china_today

_IDS = ("findingId", "visitId", "itemId", "officeId", "responsibleUnitId")
_MAX_ID = 200
_MAX_TEXT = 4000
_MAX_EVIDENCE = 50

# When the inspector proposes no usable deadline, the severity sets one.
DEFAULT_DAYS = {Severity.HIGH: 7, Severity.MEDIUM: 15, Severity.LOW: 30}


def task_for_finding(data: Mapping[str, Any], *, task_id: str, recorded_at: datetime) -> Task | Invalid:
    """The open task a finding asks for, or why the payload cannot open one."""
    for key in _IDS:
        value = data.get(key)
        if not isinstance(value, str) or not value or len(value) > _MAX_ID:
            return Invalid(key, f"must be a non-empty string of at most {_MAX_ID} characters")
    for key in ("officeRegion", "unitRegion"):
        if not isinstance(data.get(key), str) or not is_region_code(data[key]):
            return Invalid(key, "must be a GB/T 2260 region code of 2, 4, 6, 9 or 12 digits")
    if not data["unitRegion"].startswith(data["officeRegion"]):
        return Invalid("unitRegion", "the responsible unit lies outside the inspecting office's region")
    try:
        severity = Severity(data.get("severity"))
    except ValueError:
        return Invalid("severity", "must be one of low, medium, high")
    description = data.get("description")
    if not isinstance(description, str) or not description.strip() or len(description) > _MAX_TEXT:
        return Invalid("description", f"must be non-empty text of at most {_MAX_TEXT} characters")
    evidence = data.get("evidence") or []
    if not isinstance(evidence, list) or len(evidence) > _MAX_EVIDENCE or not all(isinstance(e, str) for e in evidence):
        return Invalid("evidence", f"must be a list of at most {_MAX_EVIDENCE} strings")
    return Task(
        id=task_id,
        finding_id=data["findingId"],
        visit_id=data["visitId"],
        item_id=data["itemId"],
        office_id=data["officeId"],
        office_region=data["officeRegion"],
        responsible_unit_id=data["responsibleUnitId"],
        unit_region=data["unitRegion"],
        severity=severity,
        description=description.strip(),
        finding_evidence=tuple(evidence),
        deadline=deadline_for(data.get("proposedDeadline"), severity, recorded_at),
        status=TaskStatus.OPEN,
        opened_at=recorded_at,
    )


def deadline_for(proposed: object, severity: Severity, recorded_at: datetime) -> date:
    """The inspector's proposed day; the severity's default when it is missing, malformed or already past."""
    recorded_on = china_today(recorded_at)
    if isinstance(proposed, str):
        try:
            day = date.fromisoformat(proposed)
        except ValueError:
            day = None
        if day is not None and day >= recorded_on:
            return day
    return recorded_on + timedelta(days=DEFAULT_DAYS[severity])
