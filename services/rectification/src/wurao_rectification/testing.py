"""Test data for this service and its neighbours: a finding as inspection publishes it, the task it opens, callers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from wurao_common.auth import Caller, Role
from wurao_rectification.domain.findings import task_for_finding
from wurao_rectification.domain.tasks import Task

# Jiahe county's supervision office inspected Dafangyuan village (Longtan town).
OFFICE, OFFICE_REGION = "431024-dcs", "431024"
UNIT, UNIT_REGION = "431024106201-cwh", "431024106201"
RECORDED_AT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def finding(**overrides: Any) -> dict[str, Any]:
    return {
        "findingId": f"finding-{uuid.uuid4()}",
        "visitId": f"visit-{uuid.uuid4()}",
        "itemId": f"item-{uuid.uuid4()}",
        "officeId": OFFICE,
        "officeRegion": OFFICE_REGION,
        "responsibleUnitId": UNIT,
        "unitRegion": UNIT_REGION,
        "severity": "medium",
        "description": "村级垃圾收集点未按期清运",
        "evidence": ["photo/abc.jpg"],
        "proposedDeadline": "2026-03-31",
        **overrides,
    }


def task(**finding_overrides: Any) -> Task:
    opened = task_for_finding(finding(**finding_overrides), task_id=str(uuid.uuid4()), recorded_at=RECORDED_AT)
    assert isinstance(opened, Task), opened
    return opened


UNIT_USER = Caller(subject="village-clerk", role=Role.UNIT, region=UNIT_REGION, unit_id=UNIT)
OTHER_UNIT = Caller(subject="other-clerk", role=Role.UNIT, region="431024103", unit_id="431024103-zf")
OFFICE_USER = Caller(subject="county-officer", role=Role.COUNTY_OFFICE, region=OFFICE_REGION, office_id=OFFICE)
INSPECTOR = Caller(subject="inspector-li", role=Role.INSPECTOR, region=OFFICE_REGION, office_id=OFFICE)
OTHER_INSPECTOR = Caller(subject="inspector-wang", role=Role.INSPECTOR, region=OFFICE_REGION, office_id="431024-yjj")
CITY_OFFICE = Caller(subject="city-officer", role=Role.CITY_OFFICE, region="4310", office_id="4310-dcs")
OUTSIDE_OFFICE = Caller(subject="changsha-officer", role=Role.CITY_OFFICE, region="4301", office_id="4301-dcs")
OBSERVER = Caller(subject="auditor", role=Role.OBSERVER, region="43")
