"""GraphQL for filings (一事一报): one-off items outside the plan, decided case by case."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from wurao_common.results import Conflict, InvalidInput, NotAllowed, RequestId, refusal
from wurao_plan.adapters import filings
from wurao_plan.api.ceilings import CeilingExceeded
from wurao_plan.api.context import PlanContext
from wurao_plan.api.directory import Office, page, region_arg, uuid_after
from wurao_plan.api.items import Item, ItemInput
from wurao_plan.domain import access
from wurao_plan.domain.ceilings import CeilingExceeded as CeilingExceededModel
from wurao_plan.domain.filings import Filing as FilingModel
from wurao_plan.domain.filings import FilingStatus as FilingStatusModel
from wurao_plan.usecases import filings as filing_cases

FilingStatus = strawberry.enum(FilingStatusModel, name="FilingStatus")


@strawberry.type(description="A one-off item filed outside the plan, with its reason (一事一报).")
class Filing:
    id: strawberry.ID
    office_id: strawberry.ID
    item_id: strawberry.ID
    year: int
    reason: str
    status: FilingStatus
    decision_reason: str | None = strawberry.field(description="Why it was rejected, if it was.")

    @classmethod
    def of(cls, filing: FilingModel) -> Filing:
        return cls(
            id=strawberry.ID(filing.id),
            office_id=strawberry.ID(filing.office_id),
            item_id=strawberry.ID(filing.item_id),
            year=filing.year,
            reason=filing.reason,
            status=filing.status,
            decision_reason=filing.decision_reason,
        )

    @strawberry.field
    async def item(self, info: Info[PlanContext, None]) -> Item | None:
        return await Item.resolve_reference(info, self.item_id)

    @strawberry.field
    async def office(self, info: Info[PlanContext, None]) -> Office | None:
        return await Office.resolve_reference(info, self.office_id)


async def readable_filing(info: Info[PlanContext, None], filing_id: str) -> Filing | None:
    filing = await info.context.filing_loader.load(filing_id)
    office = await info.context.office(filing.office_id) if filing else None
    if filing is None or office is None or not access.may_read_workings(info.context.caller, office.region):
        return None
    return Filing.of(filing)


FilingResult = Annotated[Filing | NotAllowed | InvalidInput | Conflict, strawberry.union("FilingResult")]


ApproveFilingResult = Annotated[
    Filing | NotAllowed | InvalidInput | Conflict | CeilingExceeded, strawberry.union("ApproveFilingResult")
]


def _filing_result(outcome) -> FilingResult:
    return Filing.of(outcome) if isinstance(outcome, FilingModel) else refusal(outcome)


@strawberry.type
class FilingQuery:
    @strawberry.field(description="A filing, if the caller may read its office's workings.")
    async def filing(self, info: Info[PlanContext, None], id: strawberry.ID) -> Filing | None:
        return await readable_filing(info, str(id))

    @strawberry.field(
        description="Filings of offices in the caller's region, newest first. For the next page, pass the last "
        "filing's id as `after`."
    )
    async def filings(
        self,
        info: Info[PlanContext, None],
        office_id: strawberry.ID | None = None,
        year: int | None = None,
        status: FilingStatus | None = None,
        region: str | None = None,
        first: int = 100,
        after: strawberry.ID | None = None,
    ) -> list[Filing]:
        caller = info.context.caller
        scope = region_arg(region) or caller.region
        if not access.may_read_workings(caller, scope):
            return []
        found = await filings.search(
            info.context.pool,
            region=scope,
            office_id=str(office_id) if office_id else None,
            year=year,
            status=status,
            limit=page(first),
            after=uuid_after(after, "filing"),
        )
        return [Filing.of(filing) for filing in found]


@strawberry.type
class FilingMutation:
    @strawberry.mutation(description="File one item outside the caller's office's plan, with the reason.")
    async def file_item(
        self, info: Info[PlanContext, None], item: ItemInput, reason: str, request_id: RequestId = None
    ) -> FilingResult:
        outcome = await filing_cases.file_item(
            info.context.pool, info.context.caller, item.details(), reason, request_id=request_id
        )
        return _filing_result(outcome)

    @strawberry.mutation(
        description="Approve a filing: the approving office, never its author; the item is approved. Over the office's "
        "ceiling for the year (只减不增) it is refused with the numbers; an emergency is never held back."
    )
    async def approve_filing(
        self, info: Info[PlanContext, None], filing_id: strawberry.ID, request_id: RequestId = None
    ) -> ApproveFilingResult:
        outcome = await filing_cases.approve_filing(
            info.context.pool, info.context.caller, str(filing_id), request_id=request_id
        )
        return CeilingExceeded.of(outcome) if isinstance(outcome, CeilingExceededModel) else _filing_result(outcome)

    @strawberry.mutation(description="Reject a filing with the reason.")
    async def reject_filing(
        self, info: Info[PlanContext, None], filing_id: strawberry.ID, reason: str, request_id: RequestId = None
    ) -> FilingResult:
        outcome = await filing_cases.reject_filing(
            info.context.pool, info.context.caller, str(filing_id), reason, request_id=request_id
        )
        return _filing_result(outcome)
