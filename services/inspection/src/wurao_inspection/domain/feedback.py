"""What units and inspectors record around a visit: refusals, findings, complaints (码上减负), ratings."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from wurao_inspection.domain.complaints import ComplaintStatus
from wurao_inspection.domain.items import Level, Office
from wurao_inspection.domain.scan import CapReached

MAX_TEXT = 2000
MAX_NOTE = 1000
MAX_PLACE = 200
MAX_EVIDENCE = 20
MAX_EVIDENCE_REF = 500
MAX_DEADLINE = timedelta(days=730)
# An office sees its average score only once this many units rated it: fewer would point at who rated.
MIN_RATINGS_SHOWN = 5


class RefusalReason(enum.StrEnum):
    NO_CODE = "no_code"
    CODE_INVALID = "code_invalid"
    CAP_REACHED = "cap_reached"
    OUT_OF_SCOPE = "out_of_scope"
    NEGATIVE_LIST_BREACH = "negative_list_breach"

    @property
    def needs_code(self) -> bool:
        return self in (RefusalReason.CODE_INVALID, RefusalReason.CAP_REACHED, RefusalReason.OUT_OF_SCOPE)


class RefusalOrigin(enum.StrEnum):
    UNIT = "unit"  # the unit refused (refuseInspection)
    CHECK_IN = "check_in"  # a check-in was refused because a cap had no room (CapReached), recorded by itself


@dataclass(frozen=True)
class ExhaustedCap:
    """A cap that had no room when a check-in was refused: `period` is the year, or the item's code number."""

    scope: str
    level: str | None
    period: str
    used: int
    allowed: int

    def event_data(self) -> dict:
        return {
            "scope": self.scope,
            "level": self.level,
            "period": self.period,
            "used": self.used,
            "allowed": self.allowed,
        }


class Severity(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ComplaintKind(enum.StrEnum):
    UNPLANNED_INSPECTION = "unplanned_inspection"
    OVER_CAP = "over_cap"
    NEGATIVE_LIST_BREACH = "negative_list_breach"
    MATERIALS_DEMANDED = "materials_demanded"
    OTHER = "other"


@dataclass(frozen=True)
class Refusal:
    id: str
    unit_id: str
    unit_region: str
    reason: RefusalReason
    item_id: str | None
    office_id: str | None
    verdict: str | None
    negative_list_entry: str | None
    note: str
    refused_at: datetime
    origin: RefusalOrigin = RefusalOrigin.UNIT
    exhausted: tuple[ExhaustedCap, ...] = ()

    def capped_event_data(self, registration: str) -> dict:
        """`inspection.check_in.capped`: where a cap bit (the check-in's code, unit and the full caps)."""
        return {
            "refusalId": self.id,
            "unitId": self.unit_id,
            "unitRegion": self.unit_region,
            "itemId": self.item_id,
            "officeId": self.office_id,
            "registration": registration,
            "exhausted": [cap.event_data() for cap in self.exhausted],
            "refusedAt": self.refused_at.isoformat(),
        }

    def event_data(self) -> dict:
        return {
            "refusalId": self.id,
            "unitId": self.unit_id,
            "unitRegion": self.unit_region,
            "reason": str(self.reason),
            "itemId": self.item_id,
            "officeId": self.office_id,
            "verdict": self.verdict,
            "negativeListEntry": self.negative_list_entry,
            "note": self.note,
            "refusedAt": self.refused_at.isoformat(),
        }


@dataclass(frozen=True)
class Finding:
    id: str
    visit_id: str
    item_id: str
    office_id: str
    office_region: str
    severity: Severity
    responsible_unit_id: str
    unit_region: str
    description: str
    evidence: tuple[str, ...]
    proposed_deadline: date
    recorded_at: datetime

    def event_data(self) -> dict:
        return {
            "findingId": self.id,
            "visitId": self.visit_id,
            "itemId": self.item_id,
            "officeId": self.office_id,
            "officeRegion": self.office_region,
            "responsibleUnitId": self.responsible_unit_id,
            "unitRegion": self.unit_region,
            "severity": str(self.severity),
            "description": self.description,
            "evidence": list(self.evidence),
            "proposedDeadline": self.proposed_deadline.isoformat(),
        }


@dataclass(frozen=True)
class Route:
    """Where a complaint goes: the supervising office of `level` over `region`."""

    level: Level
    region: str


@dataclass(frozen=True)
class Complaint:
    id: str
    unit_id: str
    unit_region: str
    kind: ComplaintKind
    office_id: str | None
    item_id: str | None
    visit_id: str | None
    negative_list_entry: str | None
    place: str
    description: str
    evidence: tuple[str, ...]
    route: Route
    routed_office_id: str | None
    filed_at: datetime
    negative_list_version: int | None = None
    status: ComplaintStatus = ComplaintStatus.RECEIVED
    outcome: ComplaintStatus | None = None  # substantiated or unfounded, kept once closed
    findings: str | None = None
    reply: str | None = None
    closed_at: datetime | None = None

    def step_event_data(self, at: datetime) -> dict:
        """A handling step: never who complained, never the findings or the reply (they are for the complainant)."""
        return {
            "complaintId": self.id,
            "kind": str(self.kind),
            "unitRegion": self.unit_region,
            "officeId": self.office_id,
            "itemId": self.item_id,
            "routedToOfficeId": self.routed_office_id,
            "status": str(self.status),
            "outcome": str(self.outcome) if self.outcome else None,
            "at": at.isoformat(),
        }

    def event_data(self) -> dict:
        return {
            "complaintId": self.id,
            "unitId": self.unit_id,
            "unitRegion": self.unit_region,
            "kind": str(self.kind),
            "officeId": self.office_id,
            "itemId": self.item_id,
            "visitId": self.visit_id,
            "negativeListEntry": self.negative_list_entry,
            "place": self.place,
            "description": self.description,
            "evidence": list(self.evidence),
            "routedToLevel": str(self.route.level),
            "routedToRegion": self.route.region,
            "routedToOfficeId": self.routed_office_id,
            "negativeListVersion": self.negative_list_version,
            "filedAt": self.filed_at.isoformat(),
        }


def capped_refusal(refusal_id: str, outcome: CapReached, unit_id: str, unit_region: str, at: datetime) -> Refusal:
    """What a check-in refused at a cap leaves: a refusal of origin check_in naming its item and the full caps."""
    item = outcome.item
    return Refusal(
        id=refusal_id,
        unit_id=unit_id,
        unit_region=unit_region,
        reason=RefusalReason.CAP_REACHED,
        item_id=item.id,
        office_id=item.office.id,
        verdict="cap_reached",
        negative_list_entry=None,
        note="",
        refused_at=at,
        origin=RefusalOrigin.CHECK_IN,
        exhausted=tuple(
            ExhaustedCap(
                scope=str(entry.counter.scope),
                level=str(entry.counter.level) if entry.counter.level else None,
                period=str(entry.counter.year) if entry.counter.year else item.code_number,
                used=entry.used,
                allowed=entry.counter.limit,
            )
            for entry in outcome.exhausted
        ),
    )


def route_complaint(about: Office | None, unit_region: str) -> Route:
    """To the supervising office one level above the office complained about (the province has none above it).

    Without a known office (an inspection nobody coded), to the unit's own county supervision office.
    """
    if about is None:
        return Route(Level.COUNTY, unit_region[: Level.COUNTY.region_digits])
    above = about.level.above or Level.PROVINCE
    return Route(above, about.region[: above.region_digits])


def text_problem(text: str, limit: int = MAX_TEXT) -> str | None:
    if not text.strip() or len(text) > limit:
        return f"1 to {limit} characters"
    return None


def evidence_problem(evidence: list[str]) -> str | None:
    if len(evidence) > MAX_EVIDENCE:
        return f"at most {MAX_EVIDENCE} references"
    if any(not ref.strip() or len(ref) > MAX_EVIDENCE_REF for ref in evidence):
        return f"each reference 1 to {MAX_EVIDENCE_REF} characters (a file id or link, not the file)"
    return None


def deadline_problem(deadline: date, today: date) -> str | None:
    if deadline <= today:
        return "a deadline after today"
    if deadline > today + MAX_DEADLINE:
        return "a deadline within two years"
    return None


def score_problem(score: int) -> str | None:
    return None if 1 <= score <= 5 else "a score from 1 to 5"


def shown_ratings(count: int, total: int, *, closed: bool) -> tuple[int | None, float | None]:
    """What an office may see of its ratings: nothing while the year is open (a count or an average that moves
    as each unit rates would tell who rated and how), and the average of a closed year only from
    MIN_RATINGS_SHOWN ratings up."""
    if not closed:
        return None, None
    return count, round(total / count, 2) if count >= MIN_RATINGS_SHOWN else None
