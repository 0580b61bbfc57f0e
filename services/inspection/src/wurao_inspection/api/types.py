"""The GraphQL types of the inspection subgraph, each built from its domain value."""

from __future__ import annotations

from collections import OrderedDict
from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from wurao_common.auth import Caller
from wurao_inspection.api.context import InspectionContext
from wurao_inspection.domain import access, caps, feedback, joint, scan
from wurao_inspection.domain import complaints as complaint_rules
from wurao_inspection.domain import visits as visit_rules
from wurao_inspection.domain.items import CodedItem as ItemModel
from wurao_inspection.domain.items import Inspector
from wurao_inspection.usecases.ratings import RatingSummary as RatingSummaryModel

CapScope = strawberry.enum(caps.CapScope, name="CapScope")
Severity = strawberry.enum(feedback.Severity, name="Severity")
ComplaintKind = strawberry.enum(feedback.ComplaintKind, name="ComplaintKind")
ComplaintStatus = strawberry.enum(complaint_rules.ComplaintStatus, name="ComplaintStatus")
RefusalReason = strawberry.enum(feedback.RefusalReason, name="RefusalReason")
RefusalOrigin = strawberry.enum(feedback.RefusalOrigin, name="RefusalOrigin")
VisitRegistration = strawberry.enum(visit_rules.Registration, name="VisitRegistration")
VisitStatus = strawberry.enum(visit_rules.VisitStatus, name="VisitStatus")


@strawberry.type(description="A member of the inspection group named on the code.")
class ItemInspector:
    id: strawberry.ID = strawberry.field(
        description="The item's code number and the member's place in the group, e.g. DC4310242600001/1."
    )
    name: str
    title: str

    @classmethod
    def of(cls, member: Inspector) -> ItemInspector:
        return cls(id=strawberry.ID(member.id), name=member.name, title=member.title)


@strawberry.type(description="One entry of the negative list (负面清单): what an inspection may not demand.")
class NegativeListRule:
    code: str
    text: str


@strawberry.type(description="The coded item (督查事项) a code stands for, as the scanning unit sees it.")
class CodedItem:
    id: strawberry.ID
    code_number: str
    kind: str
    title: str
    basis: str = strawberry.field(description="The problem or lead that justifies the item (无问题不督).")
    content: str
    office_id: strawberry.ID
    office_name: str
    office_level: str
    office_region: str
    inspectors: list[ItemInspector]
    window_start: date
    window_end: date
    valid_from: datetime
    expires: datetime
    scope_regions: list[str]
    scope_unit_kinds: list[str]
    exemption: str | None = strawberry.field(description="complaint, rectification_followup or emergency: not counted.")
    exemption_reason: str | None
    emergency: bool = strawberry.field(description="May inspect first and register afterwards, within a grace period.")

    @classmethod
    def of(cls, item: ItemModel) -> CodedItem:
        return cls(
            id=strawberry.ID(item.id),
            code_number=item.code_number,
            kind=item.kind,
            title=item.title,
            basis=item.basis,
            content=item.content,
            office_id=strawberry.ID(item.office.id),
            office_name=item.office.name,
            office_level=str(item.office.level),
            office_region=item.office.region,
            inspectors=[ItemInspector.of(member) for member in item.inspectors],
            window_start=item.window_start,
            window_end=item.window_end,
            valid_from=item.not_before,
            expires=item.expires,
            scope_regions=list(item.scope_regions),
            scope_unit_kinds=list(item.scope_unit_kinds),
            exemption=item.exemption,
            exemption_reason=item.exemption_reason,
            emergency=item.emergency,
        )


@strawberry.type(description="How far one of the unit's caps is used. `applies`: this item's visits count against it.")
class CapStanding:
    scope: CapScope
    level: str | None
    period: str = strawberry.field(description="The year, or the item's code number for the per-item cap.")
    used: int
    allowed: int
    applies: bool
    full: bool

    @classmethod
    def of(cls, entry: caps.Standing, item: ItemModel) -> CapStanding:
        counter = entry.counter
        return cls(
            scope=counter.scope,
            level=str(counter.level) if counter.level else None,
            period=str(counter.year) if counter.year else item.code_number,
            used=entry.used,
            allowed=counter.limit,
            applies=entry.applies,
            full=entry.full,
        )


def standing_of(standing: tuple[caps.Standing, ...], item: ItemModel) -> list[CapStanding]:
    return [CapStanding.of(entry, item) for entry in standing]


@strawberry.interface(description="What every scan shows beside its verdict.")
class ScanOutcome:
    @strawberry.field(description="The negative list in force, shown on every scan.")
    async def negative_list(self, info: Info[InspectionContext, None]) -> list[NegativeListRule]:
        return [NegativeListRule(code=e["code"], text=e["text"]) for e in await info.context.negative_list()]


@strawberry.type(description="Genuine and in force: the visit may be admitted.")
class CodeValid(ScanOutcome):
    item: CodedItem
    standing: list[CapStanding]


@strawberry.type(description="Not a code plan signed: refuse the inspection (no code, no inspection).")
class CodeForged(ScanOutcome):
    reason: str


@strawberry.type(description="The code was revoked.")
class CodeRevoked(ScanOutcome):
    item: CodedItem
    reason: str


@strawberry.type(description="The code or its item's window has ended.")
class CodeExpired(ScanOutcome):
    item: CodedItem
    expired_at: datetime


@strawberry.type(description="The code or its item's window has not begun.")
class CodeNotYetValid(ScanOutcome):
    item: CodedItem
    valid_from: datetime


@strawberry.type(description="The scanning unit lies outside the item's regions or kinds of unit.")
class OutOfScope(ScanOutcome):
    item: CodedItem
    reason: str


@strawberry.type(description="A cap that applies is reached: the unit may refuse, and the visit cannot be admitted.")
class CapReached(ScanOutcome):
    item: CodedItem
    standing: list[CapStanding]
    exhausted: list[CapStanding]


@strawberry.type(description="No safe answer now (e.g. counters being rebuilt); nothing changed. Try again.")
class Unavailable:
    reason: str


VerifyCodeOutcome = Annotated[
    CodeValid | CodeForged | CodeRevoked | CodeExpired | CodeNotYetValid | OutOfScope | CapReached | Unavailable,
    strawberry.union("JointCodeOutcome"),
]


# Each scanned item's GraphQL value, made once while the replica holds the same item object (adapters.held: a change
# of its rows makes the mirror read a new one), so scans of a code share it; GraphQL only reads it. Bounded, least
# recently used first.
_CODED_ITEMS: OrderedDict[str, tuple[ItemModel, CodedItem]] = OrderedDict()
CODED_ITEMS_KEPT = 4096


def coded_item(item: ItemModel) -> CodedItem:
    """`CodedItem.of(item)`, made once for the same item object."""
    kept = _CODED_ITEMS.get(item.id)
    if kept is not None and kept[0] is item:
        _CODED_ITEMS.move_to_end(item.id)
        return kept[1]
    coded = CodedItem.of(item)
    _CODED_ITEMS[item.id] = (item, coded)
    if len(_CODED_ITEMS) > CODED_ITEMS_KEPT:
        _CODED_ITEMS.popitem(last=False)
    return coded


def scan_outcome(outcome: scan.Valid | scan.Refused):
    match outcome:
        case scan.Valid(item, standing):
            return CodeValid(item=coded_item(item), standing=standing_of(standing, item))
        case scan.Forged(reason):
            return CodeForged(reason=reason)
        case scan.Revoked(item, reason):
            return CodeRevoked(item=coded_item(item), reason=reason)
        case scan.Expired(item, expired_at):
            return CodeExpired(item=coded_item(item), expired_at=expired_at)
        case scan.NotYetValid(item, valid_from):
            return CodeNotYetValid(item=coded_item(item), valid_from=valid_from)
        case scan.OutOfScope(item, reason):
            return OutOfScope(item=coded_item(item), reason=reason)
        case scan.CapReached(item, standing):
            return CapReached(
                item=coded_item(item),
                standing=standing_of(standing, item),
                exhausted=standing_of(outcome.exhausted, item),
            )
        case scan.Unavailable(reason):
            return Unavailable(reason=reason)
    raise TypeError(f"not a scan outcome: {outcome!r}")


@strawberry.federation.type(keys=["id"], description="A finding (问题) of a visit; it opens a rectification task.")
class Finding:
    id: strawberry.ID
    visit_id: strawberry.ID
    item_id: strawberry.ID
    office_id: strawberry.ID
    severity: Severity
    responsible_unit_id: strawberry.ID
    unit_region: str
    description: str
    evidence: list[str]
    proposed_deadline: date
    recorded_at: datetime

    @classmethod
    def of(cls, finding: feedback.Finding) -> Finding:
        return cls(
            id=strawberry.ID(finding.id),
            visit_id=strawberry.ID(finding.visit_id),
            item_id=strawberry.ID(finding.item_id),
            office_id=strawberry.ID(finding.office_id),
            severity=finding.severity,
            responsible_unit_id=strawberry.ID(finding.responsible_unit_id),
            unit_region=finding.unit_region,
            description=finding.description,
            evidence=list(finding.evidence),
            proposed_deadline=finding.proposed_deadline,
            recorded_at=finding.recorded_at,
        )

    @classmethod
    async def resolve_reference(cls, info: Info[InspectionContext, None], id: strawberry.ID) -> Finding | None:
        caller = info.context.caller
        finding = await info.context.finding_loader.load(str(id))
        if finding is None:
            return None
        return cls.of(finding) if access.may_read_finding(caller, finding) else None


@strawberry.federation.type(
    keys=["id"], description="A visit: an admitted check-in or a registered emergency inspection."
)
class Visit:
    id: strawberry.ID
    item_id: strawberry.ID
    code_number: str
    office_id: strawberry.ID
    unit_id: strawberry.ID
    unit_region: str
    inspected_at: datetime
    registered_at: datetime
    counted: bool = strawberry.field(description="Whether the visit counts against the unit's caps.")
    registration: VisitRegistration
    late: bool = strawberry.field(description="An emergency registration after the grace period.")
    emergency_reason: str | None
    status: VisitStatus
    summary: str | None
    completed_at: datetime | None
    registered_by: str = strawberry.field(
        description="Who registered it: the token subject of the unit's user who admitted it, or of the inspector "
        "who registered an emergency inspection."
    )
    inspectors_present: list[ItemInspector] = strawberry.field(
        description="The members of the item's inspection group who were present (the whole group unless the "
        "check-in named them)."
    )
    joint_visit_id: strawberry.ID | None = strawberry.field(description="The joint visit (联合检查) it was part of.")
    counts_toward_unit: bool = strawberry.field(
        description="Whether this visit stands for its occasion in the unit's figures: false for all but one "
        "visit of a joint visit, so the unit's visits count it once."
    )

    @classmethod
    def of(cls, visit: visit_rules.Visit) -> Visit:
        return cls(
            id=strawberry.ID(visit.id),
            item_id=strawberry.ID(visit.item_id),
            code_number=visit.code_number,
            office_id=strawberry.ID(visit.office_id),
            unit_id=strawberry.ID(visit.unit_id),
            unit_region=visit.unit_region,
            inspected_at=visit.inspected_at,
            registered_at=visit.registered_at,
            counted=visit.counted,
            registration=visit.registration,
            late=visit.late,
            emergency_reason=visit.emergency_reason,
            status=visit.status,
            summary=visit.summary,
            completed_at=visit.completed_at,
            registered_by=visit.registered_by,
            inspectors_present=[ItemInspector.of(member) for member in visit.inspectors_present],
            joint_visit_id=strawberry.ID(visit.joint_visit_id) if visit.joint_visit_id else None,
            counts_toward_unit=visit.counts_toward_unit,
        )

    @classmethod
    async def resolve_reference(cls, info: Info[InspectionContext, None], id: strawberry.ID) -> Visit | None:
        visit = await info.context.visit_loader.load(str(id))
        if visit is None or not access.may_read_visit(
            info.context.caller, visit.unit_id, visit.unit_region, visit.office_id
        ):
            return None
        return cls.of(visit)

    @strawberry.field
    async def item(self, info: Info[InspectionContext, None]) -> CodedItem | None:
        item = await info.context.item_loader.load(str(self.item_id))
        return CodedItem.of(item) if item else None

    @strawberry.field
    async def findings(self, info: Info[InspectionContext, None]) -> list[Finding]:
        caller = info.context.caller
        found = await info.context.findings_of_visit.load(str(self.id))
        return [Finding.of(finding) for finding in found if access.may_read_finding(caller, finding)]

    @strawberry.field(description="The joint visit it was part of, if any.")
    async def joint_visit(self, info: Info[InspectionContext, None]) -> JointVisit | None:
        if self.joint_visit_id is None:
            return None
        return await JointVisit.resolve(info, str(self.joint_visit_id))


@strawberry.type(
    description="A joint visit (联合检查): several offices inspected the unit on one occasion, each under its own "
    "item's code. It counts once on the unit's yearly caps and figures, once on each item's own cap."
)
class JointVisit:
    id: strawberry.ID
    unit_id: strawberry.ID
    unit_region: str
    inspected_at: datetime
    registered_by: str = strawberry.field(description="The token subject of the unit's user who admitted it.")
    counted: bool = strawberry.field(description="Whether it counts against the unit's caps (any item not exempt).")
    office_ids: list[strawberry.ID] = strawberry.field(description="The offices that joined.")
    item_ids: list[strawberry.ID] = strawberry.field(description="The items it joined, each with its own visit.")
    lead: ItemInspector = strawberry.field(description="Who led it.")
    inspectors_present: list[ItemInspector]
    _visits: strawberry.Private[tuple[visit_rules.Visit, ...]]

    @classmethod
    def of(cls, occasion: joint.JointVisit) -> JointVisit:
        return cls(
            id=strawberry.ID(occasion.id),
            unit_id=strawberry.ID(occasion.unit_id),
            unit_region=occasion.unit_region,
            inspected_at=occasion.inspected_at,
            registered_by=occasion.registered_by,
            counted=occasion.counted,
            office_ids=[strawberry.ID(office) for office in occasion.office_ids],
            item_ids=[strawberry.ID(item) for item in occasion.item_ids],
            lead=ItemInspector.of(occasion.lead),
            inspectors_present=[ItemInspector.of(member) for member in occasion.present],
            _visits=occasion.visits,
        )

    @classmethod
    async def resolve(cls, info: Info[InspectionContext, None], joint_id: str) -> JointVisit | None:
        """The joint visit, if the caller may read any of its visits (the unit, an office over its region, an
        inspector of any office that joined)."""
        occasion = await info.context.joint_loader.load(joint_id)
        if occasion is None or not any(_readable(info, visit) for visit in occasion.visits):
            return None
        return cls.of(occasion)

    @strawberry.field(description="Each item's visit, those the caller may read.")
    def visits(self, info: Info[InspectionContext, None]) -> list[Visit]:
        return [Visit.of(visit) for visit in self._visits if _readable(info, visit)]


def _readable(info: Info[InspectionContext, None], visit: visit_rules.Visit) -> bool:
    return access.may_read_visit(info.context.caller, visit.unit_id, visit.unit_region, visit.office_id)


@strawberry.type(description="One code of a refused joint visit and what it verified as.")
class JointCode:
    position: int = strawberry.field(description="Its place in the codes given, from 0.")
    outcome: VerifyCodeOutcome


@strawberry.type(
    description="The joint visit is refused as a whole and nothing was counted: a code was not valid, or a cap "
    "of the unit or of an item had no room. Each code's verdict says which (CapReached names the full caps)."
)
class JointCheckInRefused:
    codes: list[JointCode]

    @classmethod
    def of(cls, refused: joint.JointRefused) -> JointCheckInRefused:
        return cls(codes=[JointCode(position=n, outcome=scan_outcome(o)) for n, o in enumerate(refused.outcomes)])


@strawberry.type(description="A cap that had no room when a check-in was refused.")
class ExhaustedCap:
    scope: str
    level: str | None
    period: str = strawberry.field(description="The year, or the item's code number for the per-item cap.")
    used: int
    allowed: int


@strawberry.type(
    description="A refused inspection, with what the shown code verified as: refused by the unit (origin UNIT), or "
    "a check-in refused because a cap had no room (origin CHECK_IN, with the full caps in `exhausted`)."
)
class Refusal:
    id: strawberry.ID
    unit_id: strawberry.ID
    unit_region: str
    origin: RefusalOrigin
    exhausted: list[ExhaustedCap]
    reason: RefusalReason
    item_id: strawberry.ID | None = strawberry.field(
        description="The shown code's item; null without a code, for a forged one, or one whose item the inspection "
        "service does not hold yet."
    )
    office_id: strawberry.ID | None = strawberry.field(
        description="The item's office, whose inspectors read the refusal; null without an item."
    )
    verdict: str | None = strawberry.field(
        description="What the shown code verified as when the unit refused: valid, forged, revoked, expired, "
        "not_yet_valid, out_of_scope, cap_reached or unavailable (no safe answer then: its item not held yet, or the "
        "caps unreadable); null without a code."
    )
    negative_list_entry: str | None
    note: str
    refused_at: datetime

    @classmethod
    def of(cls, refusal: feedback.Refusal) -> Refusal:
        return cls(
            id=strawberry.ID(refusal.id),
            unit_id=strawberry.ID(refusal.unit_id),
            unit_region=refusal.unit_region,
            origin=refusal.origin,
            exhausted=[ExhaustedCap(**cap.event_data()) for cap in refusal.exhausted],
            reason=refusal.reason,
            item_id=strawberry.ID(refusal.item_id) if refusal.item_id else None,
            office_id=strawberry.ID(refusal.office_id) if refusal.office_id else None,
            verdict=refusal.verdict,
            negative_list_entry=refusal.negative_list_entry,
            note=refusal.note,
            refused_at=refusal.refused_at,
        )


@strawberry.type(
    description="A burden report (码上减负), routed to the office supervising the one complained about, which handles "
    "it: RECEIVED, INVESTIGATING, SUBSTANTIATED or UNFOUNDED (with findings), CLOSED (with a reply the complainant "
    "reads)."
)
class Complaint:
    id: strawberry.ID
    unit_id: strawberry.ID | None = strawberry.field(
        description="Who complained; null for the office complained about."
    )
    kind: ComplaintKind
    office_id: strawberry.ID | None
    item_id: strawberry.ID | None
    visit_id: strawberry.ID | None = strawberry.field(
        description="The visit complained about; null for the office complained about (a visit names its unit)."
    )
    negative_list_entry: str | None
    place: str
    description: str
    evidence: list[str]
    routed_to_level: str
    routed_to_region: str
    routed_to_office_id: strawberry.ID | None
    filed_at: datetime
    negative_list_version: int | None = strawberry.field(
        description="The negative list version in force when it was filed: its entry is cited from that version."
    )
    status: ComplaintStatus
    outcome: ComplaintStatus | None = strawberry.field(description="SUBSTANTIATED or UNFOUNDED, once concluded.")
    findings: str | None = strawberry.field(description="What the handling office found.")
    reply: str | None = strawberry.field(description="The handling office's reply to the complainant, on closing.")
    closed_at: datetime | None

    @classmethod
    def of(cls, complaint: feedback.Complaint, caller: Caller) -> Complaint:
        def optional_id(value: str | None) -> strawberry.ID | None:
            return strawberry.ID(value) if value else None

        # The office complained about learns neither the unit nor the visit (a visit names its unit).
        named = complaint_rules.sees_complainant(caller, complaint.office_id)
        return cls(
            id=strawberry.ID(complaint.id),
            unit_id=strawberry.ID(complaint.unit_id) if named else None,
            kind=complaint.kind,
            office_id=optional_id(complaint.office_id),
            item_id=optional_id(complaint.item_id),
            visit_id=optional_id(complaint.visit_id) if named else None,
            negative_list_entry=complaint.negative_list_entry,
            place=complaint.place,
            description=complaint.description,
            evidence=list(complaint.evidence),
            routed_to_level=str(complaint.route.level),
            routed_to_region=complaint.route.region,
            routed_to_office_id=optional_id(complaint.routed_office_id),
            filed_at=complaint.filed_at,
            negative_list_version=complaint.negative_list_version,
            status=complaint.status,
            outcome=complaint.outcome,
            findings=complaint.findings,
            reply=complaint.reply,
            closed_at=complaint.closed_at,
        )


@strawberry.type(description="The rating was recorded; the inspecting office will only ever see an aggregate.")
class RatingRecorded:
    visit_id: strawberry.ID


@strawberry.type(
    description="An office's ratings given in a year: nothing while the year is open; then the count, and the "
    "average once enough units rated. Never who rated what."
)
class RatingSummary:
    office_id: strawberry.ID
    year: int
    closed: bool
    ratings: int | None
    average: float | None

    @classmethod
    def of(cls, summary: RatingSummaryModel) -> RatingSummary:
        return cls(
            office_id=strawberry.ID(summary.office_id),
            year=summary.year,
            closed=summary.closed,
            ratings=summary.ratings,
            average=summary.average,
        )
