"""GraphQL for items: reading them, and writing them into a plan."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from wurao_common.results import Conflict, InvalidInput, NotAllowed, RequestId, refusal
from wurao_plan.adapters import items
from wurao_plan.api.codes import ItemCode, readable_code
from wurao_plan.api.context import PlanContext
from wurao_plan.api.directory import Office, UnitKind, page, region_arg, uuid_after
from wurao_plan.domain import access
from wurao_plan.domain.items import Exemption as ExemptionModel
from wurao_plan.domain.items import Inspector as InspectorModel
from wurao_plan.domain.items import Item as ItemModel
from wurao_plan.domain.items import ItemDetails
from wurao_plan.domain.items import ItemKind as ItemKindModel
from wurao_plan.domain.items import ItemStatus as ItemStatusModel
from wurao_plan.usecases import items as item_cases

if TYPE_CHECKING:
    from wurao_plan.api.filings import Filing
    from wurao_plan.api.plans import Plan

ItemKind = strawberry.enum(ItemKindModel, name="ItemKind")
ItemStatus = strawberry.enum(ItemStatusModel, name="ItemStatus")
Exemption = strawberry.enum(ExemptionModel, name="Exemption")


@strawberry.type(description="A member of the inspection group (督查组).")
class Inspector:
    name: str
    title: str


@strawberry.federation.type(keys=["id"], description="An item (督查事项): what may be inspected, why, where, when.")
class Item:
    id: strawberry.ID
    office_id: strawberry.ID
    plan_id: strawberry.ID | None = strawberry.field(description="None for an item filed outside the plan.")
    year: int
    status: ItemStatus
    kind: ItemKind
    title: str
    basis: str = strawberry.field(description="The problem or lead that justifies it (无问题不督).")
    content: str = strawberry.field(description="What will be looked at on site.")
    scope_regions: list[str]
    scope_unit_kinds: list[UnitKind] = strawberry.field(description="Empty: units of every kind.")
    window_start: date
    window_end: date
    inspectors: list[Inspector]
    per_unit_cap: int = strawberry.field(description="Visits to one unit this item allows.")
    exemption: Exemption | None = strawberry.field(description="Visits recorded but not counted against the caps.")
    exemption_reason: str | None
    emergency: bool
    code_number: str | None
    cancel_reason: str | None

    @classmethod
    def of(cls, item: ItemModel) -> Item:
        details = item.details
        return cls(
            id=strawberry.ID(item.id),
            office_id=strawberry.ID(item.office_id),
            plan_id=strawberry.ID(item.plan_id) if item.plan_id else None,
            year=item.year,
            status=item.status,
            kind=details.kind,
            title=details.title,
            basis=details.basis,
            content=details.content,
            scope_regions=list(details.scope_regions),
            scope_unit_kinds=list(details.scope_unit_kinds),
            window_start=details.window_start,
            window_end=details.window_end,
            inspectors=[Inspector(name=i.name, title=i.title) for i in details.inspectors],
            per_unit_cap=details.per_unit_cap,
            exemption=details.exemption,
            exemption_reason=details.exemption_reason,
            emergency=details.emergency,
            code_number=item.code_number,
            cancel_reason=item.cancel_reason,
        )

    @classmethod
    async def resolve_reference(cls, info: Info[PlanContext, None], id: strawberry.ID) -> Item | None:
        item = await info.context.item_loader.load(str(id))
        office = await info.context.office(item.office_id) if item else None
        if item is None or office is None:
            return None
        if not access.may_read_item(info.context.caller, office.region, item.details.scope_regions, item.status):
            return None
        return cls.of(item)

    @strawberry.field
    async def office(self, info: Info[PlanContext, None]) -> Office | None:
        return await Office.resolve_reference(info, self.office_id)

    @strawberry.field(description="Its plan, to those who may read the office's workings.")
    async def plan(
        self, info: Info[PlanContext, None]
    ) -> Annotated[Plan, strawberry.lazy("wurao_plan.api.plans")] | None:
        from wurao_plan.api.plans import readable_plan

        return await readable_plan(info, str(self.plan_id)) if self.plan_id else None

    @strawberry.field(description="The filing it came with, if it was filed outside the plan.")
    async def filing(
        self, info: Info[PlanContext, None]
    ) -> Annotated[Filing, strawberry.lazy("wurao_plan.api.filings")] | None:
        from wurao_plan.api.filings import readable_filing

        if self.plan_id is not None:
            return None
        found = await info.context.item_filing_loader.load(str(self.id))
        return await readable_filing(info, found.id) if found else None

    @strawberry.field(
        description="Its inspection code (一事一码), once coded, to those who may read it (see `itemCode`)."
    )
    async def code(self, info: Info[PlanContext, None]) -> ItemCode | None:
        code = await readable_code(info.context, str(self.id))
        return ItemCode.of(code, info.context.codes.scan_base_url) if code else None


@strawberry.input
class InspectorInput:
    name: str
    title: str


@strawberry.input(description="What an office writes for an item; the whole item, on adding and on revising.")
class ItemInput:
    kind: ItemKind
    title: str
    basis: str = strawberry.field(description="Required: the problem or lead that justifies the item (无问题不督).")
    scope_regions: list[str] = strawberry.field(description="Region codes inside the office's region.")
    window_start: date
    window_end: date
    inspectors: list[InspectorInput]
    content: str = ""
    scope_unit_kinds: list[UnitKind] = strawberry.field(default_factory=list)
    per_unit_cap: int = 1
    exemption: Exemption | None = None
    exemption_reason: str | None = None
    emergency: bool = False

    def details(self) -> ItemDetails:
        return ItemDetails(
            kind=self.kind,
            title=self.title,
            basis=self.basis,
            content=self.content,
            scope_regions=tuple(self.scope_regions),
            scope_unit_kinds=tuple(self.scope_unit_kinds),
            window_start=self.window_start,
            window_end=self.window_end,
            inspectors=tuple(InspectorModel(name=i.name, title=i.title) for i in self.inspectors),
            per_unit_cap=self.per_unit_cap,
            exemption=self.exemption,
            exemption_reason=self.exemption_reason,
            emergency=self.emergency,
        )


ItemResult = Annotated[Item | NotAllowed | InvalidInput | Conflict, strawberry.union("ItemResult")]


def item_result(outcome) -> ItemResult:
    return Item.of(outcome) if isinstance(outcome, ItemModel) else refusal(outcome)


@strawberry.type
class ItemQuery:
    @strawberry.field(description="An item, if it concerns the caller's region.")
    async def item(self, info: Info[PlanContext, None], id: strawberry.ID) -> Item | None:
        return await Item.resolve_reference(info, id)

    @strawberry.field(
        description="Items the caller may read, latest window first; `region` keeps those whose scope overlaps it "
        "(that may inspect there). For the next page, pass the last item's id as `after`."
    )
    async def items(
        self,
        info: Info[PlanContext, None],
        region: str | None = None,
        status: ItemStatus | None = None,
        office_id: strawberry.ID | None = None,
        year: int | None = None,
        first: int = 100,
        after: strawberry.ID | None = None,
    ) -> list[Item]:
        caller = info.context.caller
        found = await items.search(
            info.context.pool,
            caller_region=caller.region,
            sees_workings=access.reads_workings(caller),
            region=region_arg(region),
            status=status,
            office_id=str(office_id) if office_id else None,
            year=year,
            limit=page(first),
            after=uuid_after(after, "item"),
        )
        return [
            Item.of(item)
            for item, office_region in found
            if access.may_read_item(caller, office_region, item.details.scope_regions, item.status)
        ]


@strawberry.type
class ItemMutation:
    @strawberry.mutation(description="Add an item to the caller's office's draft or returned plan.")
    async def add_item(
        self, info: Info[PlanContext, None], plan_id: strawberry.ID, item: ItemInput, request_id: RequestId = None
    ) -> ItemResult:
        outcome = await item_cases.add_item(
            info.context.pool, info.context.caller, str(plan_id), item.details(), request_id=request_id
        )
        return item_result(outcome)

    @strawberry.mutation(description="Replace an item's details while its plan is a draft or was returned.")
    async def revise_item(self, info: Info[PlanContext, None], item_id: strawberry.ID, item: ItemInput) -> ItemResult:
        outcome = await item_cases.revise_item(info.context.pool, info.context.caller, str(item_id), item.details())
        return item_result(outcome)

    @strawberry.mutation(description="Take an item out of a draft or returned plan; answers the item as it was.")
    async def remove_item(self, info: Info[PlanContext, None], item_id: strawberry.ID) -> ItemResult:
        return item_result(await item_cases.remove_item(info.context.pool, info.context.caller, str(item_id)))

    @strawberry.mutation(description="Cancel an approved item not yet coded, with the reason (coded ones are revoked).")
    async def cancel_item(self, info: Info[PlanContext, None], item_id: strawberry.ID, reason: str) -> ItemResult:
        outcome = await item_cases.cancel_item(info.context.pool, info.context.caller, str(item_id), reason)
        return item_result(outcome)
