"""What inspection publishes: each event type's payload (`data`), the contract with every subscriber.

The JSON Schemas in docs/events/ are generated from these types (`make events`), and every event the test
suite sees on the bus is validated against them. Change a payload only by adding optional fields; anything
else is a new event type (see docs/events.md, "Versioning").
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

from wurao_common.bus.contract import Date, DateTime, Region
from wurao_inspection.domain.caps import CapScope
from wurao_inspection.domain.complaints import ComplaintStatus
from wurao_inspection.domain.feedback import ComplaintKind, RefusalReason, Severity
from wurao_inspection.domain.items import Level
from wurao_inspection.domain.visits import Registration

# What the code a unit showed verified as, when it refused (see usecases/refusals.py).
Verdict = Literal[
    "valid", "forged", "revoked", "expired", "not_yet_valid", "out_of_scope", "cap_reached", "unavailable"
]


class VisitCheckedIn(TypedDict):
    visitId: str
    itemId: str
    codeNumber: str
    officeId: str
    officeLevel: Level
    officeRegion: Region
    unitId: str
    unitRegion: Region
    inspectedAt: DateTime
    registeredAt: DateTime
    year: int
    counted: bool
    registration: Registration
    late: bool
    jointVisitId: NotRequired[str | None]  # the joint visit (联合检查) it was part of
    countsTowardUnit: NotRequired[bool]  # one visit of a joint visit counts for the unit and its regions


class VisitCompleted(TypedDict):
    visitId: str
    itemId: str
    officeId: str
    unitId: str
    unitRegion: Region
    completedAt: DateTime
    summary: str


class FindingRecorded(TypedDict):
    findingId: str
    visitId: str
    itemId: str
    officeId: str
    officeRegion: Region
    responsibleUnitId: str
    unitRegion: Region
    severity: Severity
    description: str
    evidence: list[str]
    proposedDeadline: Date


class RefusalRecorded(TypedDict):
    refusalId: str
    unitId: str
    unitRegion: Region
    reason: RefusalReason
    itemId: str | None
    officeId: str | None
    verdict: Verdict | None
    negativeListEntry: str | None
    note: str
    refusedAt: DateTime


class ComplaintFiled(TypedDict):
    complaintId: str
    unitId: str
    unitRegion: Region
    kind: ComplaintKind
    officeId: str | None
    itemId: str | None
    visitId: str | None
    negativeListEntry: str | None
    place: str
    description: str
    evidence: list[str]
    routedToLevel: Level
    routedToRegion: Region
    routedToOfficeId: str | None
    negativeListVersion: NotRequired[int | None]  # the negative list in force, that negativeListEntry cites
    filedAt: DateTime


class ExhaustedCap(TypedDict):
    scope: CapScope
    level: Level | None
    period: str  # the year, or the item's code number for the per-item cap
    used: int
    allowed: int


class CheckInCapped(TypedDict):
    """A check-in refused because a cap had no room (CapReached), recorded as a refusal of origin check_in."""

    refusalId: str
    unitId: str
    unitRegion: Region
    itemId: str | None
    officeId: str | None
    registration: Registration
    exhausted: list[ExhaustedCap]
    refusedAt: DateTime


class ComplaintHandled(TypedDict):
    """A step of a complaint's handling: never who complained, nor the findings or the reply."""

    complaintId: str
    kind: ComplaintKind
    unitRegion: Region
    officeId: str | None
    itemId: str | None
    routedToOfficeId: str | None
    status: ComplaintStatus
    outcome: Literal["substantiated", "unfounded"] | None
    at: DateTime


EVENTS = {
    "inspection.visit.checked_in": VisitCheckedIn,
    "inspection.visit.completed": VisitCompleted,
    "inspection.finding.recorded": FindingRecorded,
    "inspection.refusal.recorded": RefusalRecorded,
    "inspection.complaint.filed": ComplaintFiled,
    "inspection.check_in.capped": CheckInCapped,
    "inspection.complaint.investigating": ComplaintHandled,
    "inspection.complaint.concluded": ComplaintHandled,
    "inspection.complaint.closed": ComplaintHandled,
}
