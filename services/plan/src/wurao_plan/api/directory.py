"""GraphQL for the directory: regions, inspected units, offices."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from wurao_common.errors import ClientError
from wurao_common.ids import is_region_code, is_uuid
from wurao_common.results import Conflict, InvalidInput, NotAllowed, refusal
from wurao_plan.adapters import offices, regions, units
from wurao_plan.adapters.regions import Region as RegionModel
from wurao_plan.api.context import PlanContext
from wurao_plan.domain import access
from wurao_plan.domain.offices import Office as OfficeModel
from wurao_plan.domain.offices import OfficeKind as OfficeKindModel
from wurao_plan.domain.units import Unit as UnitModel
from wurao_plan.domain.units import UnitKind as UnitKindModel
from wurao_plan.usecases import directory as directory_cases

if TYPE_CHECKING:
    from wurao_plan.api.ceilings import Ceiling
    from wurao_plan.api.plans import Plan

UnitKind = strawberry.enum(UnitKindModel, name="UnitKind")
OfficeKind = strawberry.enum(OfficeKindModel, name="OfficeKind")
MAX_PAGE = 500


def page(first: int) -> int:
    return max(1, min(first, MAX_PAGE))


def uuid_after(after: strawberry.ID | None, what: str) -> str | None:
    """A page's cursor: the id of the last of the previous page's `what`s."""
    if after is not None and not is_uuid(str(after)):
        raise ClientError(f"'after' must be the id of the last {what} of the previous page")
    return str(after) if after is not None else None


def region_arg(code: str | None, name: str = "region") -> str | None:
    """Region arguments are codes; anything else is the client's mistake, not a pattern to match."""
    if code is not None and not is_region_code(code):
        raise ClientError(f"'{name}' must be a region code of 2, 4, 6, 9 or 12 digits")
    return code


async def region_name(info: Info[PlanContext, None], code: str) -> str | None:
    region = await info.context.region_loader.load(code)
    return region.name if region else None


@strawberry.type(description="A division of Hunan (GB/T 2260, extended to townships and villages); public data.")
class Region:
    code: str
    name: str
    level: str
    parent_code: str | None

    @classmethod
    def of(cls, region: RegionModel) -> Region:
        return cls(code=region.code, name=region.name, level=region.level, parent_code=region.parent_code)

    @strawberry.field
    async def parent(self, info: Info[PlanContext, None]) -> Region | None:
        if self.parent_code is None:
            return None
        parent = await info.context.region_loader.load(self.parent_code)
        return Region.of(parent) if parent else None


@strawberry.federation.type(keys=["id"], description="An inspected unit: a village committee, a park, a school…")
class Unit:
    id: strawberry.ID
    name: str
    kind: UnitKind
    region: str

    @classmethod
    def of(cls, unit: UnitModel) -> Unit:
        return cls(id=strawberry.ID(unit.id), name=unit.name, kind=unit.kind, region=unit.region)

    @classmethod
    async def resolve_reference(cls, info: Info[PlanContext, None], id: strawberry.ID) -> Unit | None:
        unit = await info.context.unit_loader.load(str(id))
        if unit is None or not access.may_read_unit(info.context.caller, unit.id, unit.region):
            return None
        return cls.of(unit)

    @strawberry.field
    async def region_name(self, info: Info[PlanContext, None]) -> str | None:
        return await region_name(info, self.region)


@strawberry.federation.type(keys=["id"], description="A supervision office (督查室) or inspecting department.")
class Office:
    id: strawberry.ID
    name: str
    level: str
    kind: str
    region: str
    yearly_baseline: int = strawberry.field(
        description="The configured baseline: its first year's ceiling (只减不增); see `ceiling` for a year's."
    )
    approver_office_id: strawberry.ID | None = strawberry.field(
        description="The office that approves its plans and filings; none for the province office, which approves "
        "its own (by someone other than the author)."
    )

    @classmethod
    def of(cls, office: OfficeModel) -> Office:
        return cls(
            id=strawberry.ID(office.id),
            name=office.name,
            level=office.level,
            kind=office.kind,
            region=office.region,
            yearly_baseline=office.yearly_baseline,
            approver_office_id=strawberry.ID(office.approver_office_id) if office.approver_office_id else None,
        )

    @classmethod
    async def resolve_reference(cls, info: Info[PlanContext, None], id: strawberry.ID) -> Office | None:
        office = await info.context.office(str(id))
        if office is None or not access.may_read_office(info.context.caller, office.region):
            return None
        return cls.of(office)

    @strawberry.field
    async def region_name(self, info: Info[PlanContext, None]) -> str | None:
        return await region_name(info, self.region)

    @strawberry.field
    async def approver(self, info: Info[PlanContext, None]) -> Office | None:
        return await Office.resolve_reference(info, self.approver_office_id) if self.approver_office_id else None

    @strawberry.field(description="Its annual plans, to those who may read its workings.")
    async def plans(
        self, info: Info[PlanContext, None], year: int | None = None
    ) -> list[Annotated[Plan, strawberry.lazy("wurao_plan.api.plans")]]:
        from wurao_plan.api.plans import plans_of_office

        return await plans_of_office(info, self, year)

    @strawberry.field(description="Its ceiling for a year (只减不增), to those who may read its workings.")
    async def ceiling(
        self, info: Info[PlanContext, None], year: int
    ) -> Annotated[Ceiling, strawberry.lazy("wurao_plan.api.ceilings")] | None:
        from wurao_plan.api.ceilings import office_ceiling

        return await office_ceiling(info, str(self.id), year)


@strawberry.input
class RegisterUnitInput:
    name: str
    kind: UnitKind
    region: str


@strawberry.input
class RegisterOfficeInput:
    id: str = strawberry.field(description="'<region>-<short code>', e.g. '430400-dcs'.")
    name: str
    kind: OfficeKind
    region: str
    yearly_baseline: int
    approver_office_id: strawberry.ID | None = strawberry.field(
        default=None, description="Defaults to the supervision office one level up (a department's: its own level)."
    )


UnitResult = Annotated[Unit | NotAllowed | InvalidInput | Conflict, strawberry.union("UnitResult")]
OfficeResult = Annotated[Office | NotAllowed | InvalidInput | Conflict, strawberry.union("OfficeResult")]


@strawberry.type
class DirectoryQuery:
    @strawberry.field(description="A region by its code.")
    async def region(self, info: Info[PlanContext, None], code: str) -> Region | None:
        found = await info.context.region_loader.load(code)
        return Region.of(found) if found else None

    @strawberry.field(
        description="Children of `parent`, and/or regions whose name contains `name`, inside `within`, by code. "
        "For the next page, pass the last region's code as `after`."
    )
    async def regions(
        self,
        info: Info[PlanContext, None],
        parent: str | None = None,
        name: str | None = None,
        within: str = "43",
        first: int = 100,
        after: str | None = None,
    ) -> list[Region]:
        if parent is None and not name:
            parent = within  # a bare query lists the top of the tree asked for
        found = await regions.search(
            info.context.pool,
            within=region_arg(within, "within"),
            parent=region_arg(parent, "parent"),
            name=name.strip() if name else None,
            limit=page(first),
            after=region_arg(after, "after"),
        )
        return [Region.of(region) for region in found]

    @strawberry.field(description="A unit, if the caller may see it.")
    async def unit(self, info: Info[PlanContext, None], id: strawberry.ID) -> Unit | None:
        return await Unit.resolve_reference(info, id)

    @strawberry.field(
        description="Units in the caller's region (or a sub-region of it), by region and name; a unit sees only "
        "itself. For the next page, pass the last unit's id as `after`."
    )
    async def units(
        self,
        info: Info[PlanContext, None],
        region: str | None = None,
        kind: UnitKind | None = None,
        name: str | None = None,
        first: int = 100,
        after: strawberry.ID | None = None,
    ) -> list[Unit]:
        caller = info.context.caller
        scope = region_arg(region) or caller.region
        if not caller.can_reach(scope):
            return []
        found = await units.in_region(
            info.context.pool,
            scope,
            kind=kind,
            name=name or None,
            limit=page(first),
            only=access.only_unit(caller),
            after=str(after) if after is not None else None,
        )
        return [Unit.of(unit) for unit in found if access.may_read_unit(caller, unit.id, unit.region)]

    @strawberry.field(description="An office, if it lies in the caller's region or above it.")
    async def office(self, info: Info[PlanContext, None], id: strawberry.ID) -> Office | None:
        return await Office.resolve_reference(info, id)

    @strawberry.field(
        description="Offices in the caller's region (or a sub-region of it), by region. For the next page, pass the "
        "last office's id as `after`."
    )
    async def offices(
        self,
        info: Info[PlanContext, None],
        region: str | None = None,
        first: int = 100,
        after: strawberry.ID | None = None,
    ) -> list[Office]:
        caller = info.context.caller
        scope = region_arg(region) or caller.region
        if not caller.can_reach(scope):
            return []
        found = await offices.in_region(
            info.context.pool, scope, limit=page(first), after=str(after) if after is not None else None
        )
        return [Office.of(office) for office in found]


@strawberry.type
class DirectoryMutation:
    @strawberry.mutation(description="Register an inspected unit in the caller's region (offices only).")
    async def register_unit(self, info: Info[PlanContext, None], unit: RegisterUnitInput) -> UnitResult:
        context = info.context
        outcome = await directory_cases.register_unit(context.pool, context.caller, unit.name, unit.kind, unit.region)
        return Unit.of(outcome) if isinstance(outcome, UnitModel) else refusal(outcome)

    @strawberry.mutation(description="Register an office below the caller's supervision office, or a department.")
    async def register_office(self, info: Info[PlanContext, None], office: RegisterOfficeInput) -> OfficeResult:
        context = info.context
        outcome = await directory_cases.register_office(
            context.pool,
            context.caller,
            office_id=office.id,
            name=office.name,
            kind=office.kind,
            region=office.region,
            yearly_baseline=office.yearly_baseline,
            approver_office_id=str(office.approver_office_id) if office.approver_office_id else None,
        )
        return Office.of(outcome) if isinstance(outcome, OfficeModel) else refusal(outcome)
