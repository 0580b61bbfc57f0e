"""Test data: events as plan, inspection and rectification publish them, and callers of every role."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from wurao_common.auth import Caller, Role
from wurao_common.bus.envelope import Event

# A county office inspects a village. The codes (city 4399) exist in no seed and no other service's tests: the
# NATS server is shared by the whole test session, and events of other tests must not reach these figures.
CITY = "4399"
OFFICE, OFFICE_REGION = "439901-dcs", "439901"
UNIT, UNIT_REGION = "439901101201-cwh", "439901101201"
AT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)

CALLERS = {
    Role.PROVINCE_OFFICE: Caller("province", Role.PROVINCE_OFFICE, "43", office_id="43-dcs"),
    Role.CITY_OFFICE: Caller("chenzhou", Role.CITY_OFFICE, CITY, office_id=f"{CITY}-dcs"),
    Role.COUNTY_OFFICE: Caller("jiahe", Role.COUNTY_OFFICE, OFFICE_REGION, office_id=OFFICE),
    Role.INSPECTOR: Caller("inspector-li", Role.INSPECTOR, OFFICE_REGION, office_id=OFFICE),
    Role.UNIT: Caller("village-clerk", Role.UNIT, UNIT_REGION, unit_id=UNIT),
    Role.OBSERVER: Caller("auditor", Role.OBSERVER, CITY),
}


def event(event_type: str, region: str, data: dict[str, Any], at: datetime = AT) -> Event:
    return Event(type=event_type, region=region, data=data, time=at)


def item_event(event_type: str, item_id: str, *, year: int = 2026, at: datetime = AT, **overrides: Any) -> Event:
    data = {
        "itemId": item_id,
        "planId": f"plan-{OFFICE}-{year}",
        "officeId": OFFICE,
        "officeLevel": "county",
        "year": year,
        "kind": "inspection",
        "title": "汛期防汛责任落实督查",
        "scopeRegions": [OFFICE_REGION],
        "scopeUnitKinds": [],
        "windowStart": f"{year}-06-01",
        "windowEnd": f"{year}-08-31",
        "perUnitCap": 1,
        "exemption": None,
        "emergency": False,
        **overrides,
    }
    return event(event_type, OFFICE_REGION, data, at)


def visit(
    *, item_id: str | None = None, at: datetime = AT, unit: str = UNIT, unit_region: str = UNIT_REGION, **fields: Any
) -> Event:
    data = {
        "visitId": str(uuid.uuid4()),
        "itemId": item_id or str(uuid.uuid4()),
        "codeNumber": "XD439901-26-00001",
        "officeId": OFFICE,
        "officeLevel": "county",
        "officeRegion": OFFICE_REGION,
        "unitId": unit,
        "unitRegion": unit_region,
        "inspectedAt": at.isoformat(),
        "registeredAt": at.isoformat(),
        "year": at.year,
        "counted": True,
        "registration": "on_site",
        "late": False,
        **fields,
    }
    return event("inspection.visit.checked_in", unit_region, data, at)


def refusal(reason: str = "no_code", *, item_id: str | None = None, at: datetime = AT) -> Event:
    data = {
        "refusalId": str(uuid.uuid4()),
        "unitId": UNIT,
        "unitRegion": UNIT_REGION,
        "reason": reason,
        "itemId": item_id,
        "officeId": OFFICE if item_id else None,
        "verdict": "valid" if item_id else None,
        "negativeListEntry": None,
        "note": "村委会主任本人在场",
        "refusedAt": at.isoformat(),
    }
    return event("inspection.refusal.recorded", UNIT_REGION, data, at)


def finding(*, item_id: str, severity: str = "medium", at: datetime = AT) -> Event:
    data = {
        "findingId": str(uuid.uuid4()),
        "visitId": str(uuid.uuid4()),
        "itemId": item_id,
        "officeId": OFFICE,
        "officeRegion": OFFICE_REGION,
        "responsibleUnitId": UNIT,
        "unitRegion": UNIT_REGION,
        "severity": severity,
        "description": "村级防汛物资台账与实物不符",
        "evidence": ["photo/1.jpg"],
        "proposedDeadline": "2026-03-31",
    }
    return event("inspection.finding.recorded", UNIT_REGION, data, at)


def complaint(kind: str = "over_cap", *, item_id: str | None = None, at: datetime = AT) -> Event:
    data = {
        "complaintId": str(uuid.uuid4()),
        "unitId": UNIT,
        "unitRegion": UNIT_REGION,
        "kind": kind,
        "officeId": OFFICE,
        "itemId": item_id,
        "visitId": None,
        "negativeListEntry": None,
        "place": "大坊院村",
        "description": "一月内第三次检查",
        "evidence": [],
        "routedToLevel": "city",
        "routedToRegion": CITY,
        "routedToOfficeId": f"{CITY}-dcs",
        "filedAt": at.isoformat(),
    }
    return event("inspection.complaint.filed", UNIT_REGION, data, at)


def task_step(
    step: str,
    task_id: str,
    *,
    item_id: str,
    at: datetime = AT,
    unit: str = UNIT,
    unit_region: str = UNIT_REGION,
    **fields: Any,
) -> Event:
    data = {"taskId": task_id, "itemId": item_id, "officeId": OFFICE, "responsibleUnitId": unit, **fields}
    return event(f"rectification.task.{step}", unit_region, data, at)


def task_opened(
    task_id: str,
    *,
    item_id: str,
    deadline: str = "2026-03-31",
    at: datetime = AT,
    unit: str = UNIT,
    unit_region: str = UNIT_REGION,
) -> Event:
    return task_step(
        "opened",
        task_id,
        item_id=item_id,
        at=at,
        unit=unit,
        unit_region=unit_region,
        findingId=str(uuid.uuid4()),
        visitId=str(uuid.uuid4()),
        officeRegion=OFFICE_REGION,
        unitRegion=unit_region,
        severity="medium",
        deadline=deadline,
    )


POLICY_VERSION = 1


def cap_policy(
    *,
    version: int = POLICY_VERSION,
    effective_from: str = "2020-01-01",
    per_level: int = 3,
    across: int = 5,
    at: datetime = AT,
) -> Event:
    data = {
        "version": version,
        "effectiveFrom": effective_from,
        "perLevelPerYear": {"province": per_level, "city": per_level, "county": per_level},
        "acrossLevelsPerYear": across,
        "defaultPerItemPerUnit": 1,
    }
    return event("plan.cap_policy.published", "43", data, at)
