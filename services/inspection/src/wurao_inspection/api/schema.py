"""The inspection subgraph: thin resolvers over the use cases; every expected outcome is a typed result."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from wurao_common.auth import Caller
from wurao_common.errors import ClientError
from wurao_common.ids import is_uuid
from wurao_common.outcomes import Conflict as ConflictModel
from wurao_common.outcomes import Invalid as InvalidModel
from wurao_common.outcomes import NotAllowed as NotAllowedModel
from wurao_common.results import Conflict, InvalidInput, NotAllowed, refusal
from wurao_common.web import build_schema
from wurao_inspection.adapters import visits as visit_store
from wurao_inspection.api.context import InspectionContext
from wurao_inspection.api.types import (
    CapReached,
    CodedItem,
    CodeExpired,
    CodeForged,
    CodeNotYetValid,
    CodeRevoked,
    CodeValid,
    Complaint,
    ComplaintKind,
    Finding,
    JointCheckInRefused,
    JointVisit,
    NegativeListRule,
    OutOfScope,
    RatingRecorded,
    RatingSummary,
    Refusal,
    RefusalReason,
    Severity,
    Unavailable,
    Visit,
    scan_outcome,
)
from wurao_inspection.domain import access
from wurao_inspection.domain import joint as joint_rules
from wurao_inspection.domain import scan as scan_rules
from wurao_inspection.domain import visits as visit_rules
from wurao_inspection.domain.complaints import ComplaintStep
from wurao_inspection.domain.feedback import Complaint as ComplaintModel
from wurao_inspection.domain.feedback import Finding as FindingModel
from wurao_inspection.domain.feedback import Refusal as RefusalModel
from wurao_inspection.domain.visits import Visit as VisitModel
from wurao_inspection.usecases import complaints, findings, ratings, refusals, scan, visits

Ctx = Info[InspectionContext, None]
MAX_PAGE = 500

VerifyCodeResult = Annotated[
    CodeValid
    | CodeForged
    | CodeRevoked
    | CodeExpired
    | CodeNotYetValid
    | OutOfScope
    | CapReached
    | Unavailable
    | NotAllowed,
    strawberry.union("VerifyCodeResult"),
]
VisitResult = Annotated[
    Visit
    | CodeForged
    | CodeRevoked
    | CodeExpired
    | CodeNotYetValid
    | OutOfScope
    | CapReached
    | Unavailable
    | NotAllowed
    | InvalidInput,
    strawberry.union("VisitResult"),
]
JointVisitResult = Annotated[
    JointVisit | JointCheckInRefused | Unavailable | NotAllowed | InvalidInput,
    strawberry.union("JointVisitResult"),
]
CompleteVisitResult = Annotated[Visit | NotAllowed | InvalidInput | Conflict, strawberry.union("CompleteVisitResult")]
RefuseResult = Annotated[Refusal | NotAllowed | InvalidInput, strawberry.union("RefuseResult")]
RecordFindingResult = Annotated[Finding | NotAllowed | InvalidInput, strawberry.union("RecordFindingResult")]
FileComplaintResult = Annotated[Complaint | NotAllowed | InvalidInput, strawberry.union("FileComplaintResult")]
RateVisitResult = Annotated[RatingRecorded | NotAllowed | InvalidInput | Conflict, strawberry.union("RateVisitResult")]
HandleComplaintResult = Annotated[
    Complaint | NotAllowed | InvalidInput | Conflict, strawberry.union("HandleComplaintResult")
]
RatingSummaryResult = Annotated[RatingSummary | NotAllowed, strawberry.union("RatingSummaryResult")]


def _visit_result(outcome):
    if isinstance(outcome, visit_rules.Visit):
        return Visit.of(outcome)
    if isinstance(outcome, NotAllowedModel | InvalidModel | ConflictModel):
        return refusal(outcome)
    return scan_outcome(outcome)


async def _handle(info: Ctx, complaint_id: strawberry.ID, step: ComplaintStep, text: str, request_id: str | None):
    context = info.context
    outcome = await complaints.handle_complaint(
        context.pool, context.caller, str(complaint_id), step, text=text, now=context.now(), request_id=request_id
    )
    return Complaint.of(outcome, context.caller) if isinstance(outcome, ComplaintModel) else refusal(outcome)


def _page(first: int) -> int:
    return max(1, min(first, MAX_PAGE))


@strawberry.input(description="A problem found on site.")
class FindingInput:
    visit_id: strawberry.ID
    severity: Severity
    responsible_unit_id: strawberry.ID
    description: str
    evidence: list[str] = strawberry.field(default_factory=list, description="File ids or links, never the files.")
    proposed_deadline: date


@strawberry.input(description="A burden report. Name the visit, the item or the office when you can.")
class ComplaintInput:
    kind: ComplaintKind
    description: str
    place: str
    evidence: list[str] = strawberry.field(default_factory=list)
    visit_id: strawberry.ID | None = None
    item_id: strawberry.ID | None = None
    office_id: strawberry.ID | None = None
    negative_list_entry: str | None = None


async def readable_visits(
    info: Ctx,
    *,
    unit_id: strawberry.ID | None,
    item_id: strawberry.ID | None,
    first: int,
    after: strawberry.ID | None = None,
) -> list[Visit]:
    """Visits the caller may read, newest first: a unit sees its own, an inspector its office's, others their
    region's. The scope is in the query itself, so a page is never emptied by filtering after the limit."""
    caller = info.context.caller
    own_unit, office_id = access.visit_scope(caller)
    if after is not None and not is_uuid(str(after)):
        raise ClientError("after is not a visit id")
    found = await visit_store.in_region(
        info.context.pool,
        caller.region,
        unit_id=own_unit if own_unit is not None else (str(unit_id) if unit_id else None),
        item_id=str(item_id) if item_id else None,
        office_id=office_id,
        after=str(after) if after else None,
        limit=_page(first),
    )
    return _readable(caller, found)


def _readable(caller: Caller, found: list[VisitModel]) -> list[Visit]:
    return [
        Visit.of(visit)
        for visit in found
        if access.may_read_visit(caller, visit.unit_id, visit.unit_region, visit.office_id)
    ]


@strawberry.federation.type(keys=["id"], description="An item (plan's), as inspection sees it: its visits.")
class Item:
    id: strawberry.ID

    @classmethod
    async def resolve_reference(cls, info: Ctx, id: strawberry.ID) -> Item:
        return cls(id=id)

    @strawberry.field(description="Its visits the caller may read, newest first (a unit: its own).")
    async def visits(self, info: Ctx, first: int = 100) -> list[Visit]:
        if not is_uuid(str(self.id)):
            return []
        # Through the request's loader: every item of a request (federated _entities) in one query.
        found = await info.context.visits_of_item.load((str(self.id), _page(first)))
        return _readable(info.context.caller, found)


@strawberry.type
class Query:
    @strawberry.field(
        description="The unit scans a code (扫码): what it stands for and the unit's standing. Changes nothing."
    )
    async def verify_code(self, info: Ctx, code: str) -> VerifyCodeResult:
        context = info.context
        outcome = await scan.verify_code(context.deps, context.caller, code, now=context.now())
        return refusal(outcome) if isinstance(outcome, NotAllowedModel) else scan_outcome(outcome)

    @strawberry.field(description="A visit, if the caller may read it.")
    async def visit(self, info: Ctx, id: strawberry.ID) -> Visit | None:
        if not is_uuid(str(id)):
            return None
        return await Visit.resolve_reference(info, id)

    @strawberry.field(
        description="Visits the caller may read, newest first: a unit sees its own, an inspector its office's, "
        "others their region's. For the next page, pass the last visit's id as `after`."
    )
    async def visits(
        self,
        info: Ctx,
        unit_id: strawberry.ID | None = None,
        item_id: strawberry.ID | None = None,
        first: int = 100,
        after: strawberry.ID | None = None,
    ) -> list[Visit]:
        if item_id is not None and not is_uuid(str(item_id)):
            raise ClientError("itemId is not an item id")
        return await readable_visits(info, unit_id=unit_id, item_id=item_id, first=first, after=after)

    @strawberry.field(description="A joint visit (联合检查), if the caller may read any of its visits.")
    async def joint_visit(self, info: Ctx, id: strawberry.ID) -> JointVisit | None:
        if not is_uuid(str(id)):
            return None
        return await JointVisit.resolve(info, str(id))

    @strawberry.field(
        description="Refusals the caller may read, newest first, with their reasons: a unit its own; an inspector "
        "those under its office's codes; offices and observers those of units in their region. A check-in refused "
        "at a cap is one (origin CHECK_IN). For the next page, pass the last refusal's id as `after`."
    )
    async def refusals(
        self,
        info: Ctx,
        unit_id: strawberry.ID | None = None,
        reason: RefusalReason | None = None,
        first: int = 100,
        after: strawberry.ID | None = None,
    ) -> list[Refusal]:
        if after is not None and not is_uuid(str(after)):
            raise ClientError("after is not a refusal id")
        found = await refusals.refusals_for(
            info.context.pool,
            info.context.caller,
            unit_id=str(unit_id) if unit_id else None,
            reason=reason,
            after=str(after) if after else None,
            limit=_page(first),
        )
        return [Refusal.of(found_refusal) for found_refusal in found]

    @strawberry.field(description="The negative list in force (负面清单).")
    async def negative_list(self, info: Ctx) -> list[NegativeListRule]:
        return [NegativeListRule(code=e["code"], text=e["text"]) for e in await info.context.negative_list()]

    @strawberry.field(
        description="Complaints: a unit's own; for offices and observers, those routed within their region. Newest "
        "first; for the next page, pass the last complaint's id as `after`."
    )
    async def complaints(self, info: Ctx, first: int = 100, after: strawberry.ID | None = None) -> list[Complaint]:
        if after is not None and not is_uuid(str(after)):
            raise ClientError("after is not a complaint id")
        found = await complaints.complaints_for(
            info.context.pool, info.context.caller, _page(first), str(after) if after is not None else None
        )
        return [Complaint.of(complaint, info.context.caller) for complaint in found]

    @strawberry.field(description="An office's ratings for a year, aggregated: never who rated what.")
    async def rating_summary(self, info: Ctx, office_id: strawberry.ID, year: int) -> RatingSummaryResult:
        outcome = await ratings.rating_summary(
            info.context.pool, info.context.caller, str(office_id), year, now=info.context.clock()
        )
        return refusal(outcome) if isinstance(outcome, NotAllowedModel) else RatingSummary.of(outcome)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="The unit admits the visit the shown code announces. Admitted only if every cap has room; "
        "`requestId` makes retries safe (the same id never counts twice)."
    )
    async def check_in(self, info: Ctx, code: str, request_id: str | None = None) -> VisitResult:
        context = info.context
        outcome = await visits.check_in(context.deps, context.caller, code, now=context.now(), request_id=request_id)
        return _visit_result(outcome)

    @strawberry.mutation(
        description="The unit admits a joint visit (联合检查): several offices inspecting together, each under its "
        "item's code. Every code is verified and every cap of every item checked and counted at once, or nothing: "
        "the visit counts once toward the unit's yearly caps, once on each item's own cap. `lead` and "
        "`inspectorsPresent` are ids of inspectors on the codes (ItemInspector.id; all of them when omitted). "
        "`requestId` makes retries safe."
    )
    async def check_in_joint(
        self,
        info: Ctx,
        codes: list[str],
        lead: strawberry.ID,
        inspectors_present: list[strawberry.ID] | None = None,
        request_id: str | None = None,
    ) -> JointVisitResult:
        context = info.context
        outcome = await visits.check_in_joint(
            context.deps,
            context.caller,
            codes,
            lead=str(lead),
            inspectors_present=None if inspectors_present is None else [str(m) for m in inspectors_present],
            now=context.now(),
            request_id=request_id,
        )
        match outcome:
            case joint_rules.JointVisit():
                return JointVisit.of(outcome)
            case joint_rules.JointRefused():
                return JointCheckInRefused.of(outcome)
            case scan_rules.Unavailable(reason):
                return Unavailable(reason=reason)
        return refusal(outcome)

    @strawberry.mutation(
        description="The inspecting office registers an emergency inspection made first (先督后报), with the reason. "
        "Late registrations (after the grace period) count against the caps and are flagged."
    )
    async def register_emergency_visit(
        self,
        info: Ctx,
        code: str,
        unit_id: strawberry.ID,
        inspected_at: datetime,
        reason: str,
        request_id: str | None = None,
    ) -> VisitResult:
        context = info.context
        outcome = await visits.register_emergency_visit(
            context.deps,
            context.caller,
            code,
            unit_id=str(unit_id),
            inspected_at=inspected_at,
            reason=reason,
            now=context.now(),
            request_id=request_id,
        )
        return _visit_result(outcome)

    @strawberry.mutation(description="The inspecting office completes a visit with a short summary.")
    async def complete_visit(self, info: Ctx, visit_id: strawberry.ID, summary: str) -> CompleteVisitResult:
        context = info.context
        outcome = await visits.complete_visit(context.pool, context.caller, str(visit_id), summary, now=context.now())
        return _visit_result(outcome)

    @strawberry.mutation(
        description="The unit refuses an inspection; recorded with the reason and the code's verdict. Retry with "
        "the same `requestId` after a lost answer: the first refusal comes back, nothing is recorded twice."
    )
    async def refuse_inspection(
        self,
        info: Ctx,
        reason: RefusalReason,
        code: str | None = None,
        negative_list_entry: str | None = None,
        note: str = "",
        request_id: str | None = None,
    ) -> RefuseResult:
        context = info.context
        outcome = await refusals.refuse(
            context.deps,
            context.caller,
            reason,
            now=context.now(),
            code=code,
            negative_list_entry=negative_list_entry,
            note=note,
            request_id=request_id,
        )
        return Refusal.of(outcome) if isinstance(outcome, RefusalModel) else refusal(outcome)

    @strawberry.mutation(
        description="The inspecting office records a finding; rectification opens a task for it. Retry with the "
        "same `requestId` after a lost answer: the first finding comes back, nothing is recorded twice."
    )
    async def record_finding(
        self, info: Ctx, input: FindingInput, request_id: str | None = None
    ) -> RecordFindingResult:
        context = info.context
        outcome = await findings.record_finding(
            context.pool,
            context.caller,
            str(input.visit_id),
            severity=input.severity,
            responsible_unit_id=str(input.responsible_unit_id),
            description=input.description,
            evidence=input.evidence,
            proposed_deadline=input.proposed_deadline,
            now=context.now(),
            request_id=request_id,
        )
        return Finding.of(outcome) if isinstance(outcome, FindingModel) else refusal(outcome)

    @strawberry.mutation(
        description="A unit reports a burden (码上减负). Retry with the same `requestId` after a lost answer: the "
        "first complaint comes back, nothing is filed twice."
    )
    async def file_complaint(
        self, info: Ctx, input: ComplaintInput, request_id: str | None = None
    ) -> FileComplaintResult:
        context = info.context
        outcome = await complaints.file_complaint(
            context.pool,
            context.caller,
            input.kind,
            description=input.description,
            place=input.place,
            evidence=input.evidence,
            now=context.now(),
            visit_id=str(input.visit_id) if input.visit_id else None,
            item_id=str(input.item_id) if input.item_id else None,
            office_id=str(input.office_id) if input.office_id else None,
            negative_list_entry=input.negative_list_entry,
            request_id=request_id,
        )
        return Complaint.of(outcome, context.caller) if isinstance(outcome, ComplaintModel) else refusal(outcome)

    @strawberry.mutation(
        description="The office the complaint was routed to starts investigating it (RECEIVED → INVESTIGATING). "
        "Retry with the same `requestId` after a lost answer: the complaint comes back as the first run left it."
    )
    async def investigate_complaint(
        self, info: Ctx, complaint_id: strawberry.ID, request_id: str | None = None
    ) -> HandleComplaintResult:
        return await _handle(info, complaint_id, ComplaintStep.INVESTIGATE, "", request_id)

    @strawberry.mutation(
        description="The handling office concludes its investigation: substantiated (查实) or unfounded, with its "
        "findings (INVESTIGATING → SUBSTANTIATED / UNFOUNDED)."
    )
    async def conclude_complaint(
        self,
        info: Ctx,
        complaint_id: strawberry.ID,
        substantiated: bool,
        findings: str,
        request_id: str | None = None,
    ) -> HandleComplaintResult:
        step = ComplaintStep.SUBSTANTIATE if substantiated else ComplaintStep.FIND_UNFOUNDED
        return await _handle(info, complaint_id, step, findings, request_id)

    @strawberry.mutation(
        description="The handling office closes the complaint with a reply the complainant reads (SUBSTANTIATED / "
        "UNFOUNDED → CLOSED)."
    )
    async def close_complaint(
        self, info: Ctx, complaint_id: strawberry.ID, reply: str, request_id: str | None = None
    ) -> HandleComplaintResult:
        return await _handle(info, complaint_id, ComplaintStep.CLOSE, reply, request_id)

    @strawberry.mutation(
        description="The visited unit rates the visit (1–5), anonymously to the inspecting office. Retry with the "
        "same `requestId` after a lost answer: the rating counts once and the retry is told it was recorded."
    )
    async def rate_visit(
        self, info: Ctx, visit_id: strawberry.ID, score: int, request_id: str | None = None
    ) -> RateVisitResult:
        context = info.context
        outcome = await ratings.rate_visit(
            context.pool, context.caller, str(visit_id), score, now=context.now(), request_id=request_id
        )
        if isinstance(outcome, ratings.RatingRecorded):
            return RatingRecorded(visit_id=strawberry.ID(outcome.visit_id))
        return refusal(outcome)


schema = build_schema(query=Query, mutation=Mutation, types=[CodedItem, Item])
