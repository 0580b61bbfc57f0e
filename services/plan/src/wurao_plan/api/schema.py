from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info
from wurao_common.results import Conflict, InvalidInput, NotAllowed, refusal
from wurao_common.web import build_schema

from wurao_plan.adapters import offices, plans
from wurao_plan.api.context import PlanContext
from wurao_plan.domain import access
from wurao_plan.domain.offices import Office as OfficeModel
from wurao_plan.domain.plans import Plan as PlanModel
from wurao_plan.usecases import plans as plan_cases

PlanStatus = strawberry.enum(plan_cases.PlanStatus, name="PlanStatus")


@strawberry.type
class Plan:
    id: strawberry.ID
    office_id: strawberry.ID
    year: int
    status: PlanStatus

    @classmethod
    def of(cls, plan: PlanModel) -> Plan:
        return cls(
            id=strawberry.ID(plan.id), office_id=strawberry.ID(plan.office_id), year=plan.year, status=plan.status
        )


@strawberry.federation.type(keys=["id"], description="A supervision office (督查室) or inspecting department.")
class Office:
    id: strawberry.ID
    name: str
    level: str
    kind: str
    region: str

    @classmethod
    def of(cls, office: OfficeModel) -> Office:
        return cls(
            id=strawberry.ID(office.id), name=office.name, level=office.level, kind=office.kind, region=office.region
        )

    @classmethod
    async def resolve_reference(cls, info: Info[PlanContext, None], id: strawberry.ID) -> Office | None:
        office = await info.context.office_loader.load(str(id))
        if office is None or not access.may_read_office(info.context.caller, office.region):
            return None
        return cls.of(office)

    @strawberry.field
    async def plans(self, info: Info[PlanContext, None]) -> list[Plan]:
        return [Plan.of(plan) for plan in await plans.for_office(info.context.pool, str(self.id))]


@strawberry.type
class Query:
    @strawberry.field(description="An office, if it lies in the caller's region.")
    async def office(self, info: Info[PlanContext, None], id: strawberry.ID) -> Office | None:
        return await Office.resolve_reference(info, id)

    @strawberry.field(description="Offices in the caller's region (or a sub-region of it).")
    async def offices(self, info: Info[PlanContext, None], region: str | None = None, first: int = 100) -> list[Office]:
        caller = info.context.caller
        scope = region or caller.region
        if not caller.can_reach(scope):
            return []
        found = await offices.in_region(info.context.pool, scope, limit=max(1, min(first, 500)))
        return [Office.of(office) for office in found]


DraftPlanResult = Annotated[Plan | NotAllowed | InvalidInput | Conflict, strawberry.union("DraftPlanResult")]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Start the caller's office's annual plan for a year.")
    async def draft_plan(self, info: Info[PlanContext, None], year: int) -> DraftPlanResult:
        outcome = await plan_cases.draft_plan(info.context.pool, info.context.caller, year)
        return Plan.of(outcome) if isinstance(outcome, PlanModel) else refusal(outcome)


schema = build_schema(query=Query, mutation=Mutation)
