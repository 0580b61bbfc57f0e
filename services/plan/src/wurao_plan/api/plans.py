"""GraphQL for annual plans and their approval workflow."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from wurao_common.results import Conflict, InvalidInput, NotAllowed, refusal
from wurao_plan.adapters import plans
from wurao_plan.api.ceilings import CeilingExceeded
from wurao_plan.api.context import PlanContext
from wurao_plan.api.directory import Office, page, region_arg, uuid_after
from wurao_plan.api.items import Item
from wurao_plan.domain import access
from wurao_plan.domain.ceilings import CeilingExceeded as CeilingExceededModel
from wurao_plan.domain.plans import Plan as PlanModel
from wurao_plan.domain.plans import PlanStatus as PlanStatusModel
from wurao_plan.usecases import plans as plan_cases

PlanStatus = strawberry.enum(PlanStatusModel, name="PlanStatus")


@strawberry.type(description="One step of a plan's approval, kept for the record.")
class PlanStep:
    action: str = strawberry.field(description="submitted, approved or returned")
    actor: str = strawberry.field(description="The subject of the person who took the step.")
    office_id: strawberry.ID
    item_count: int
    reason: str | None
    at: datetime


@strawberry.type(description="An office's annual plan list (年度清单).")
class Plan:
    id: strawberry.ID
    office_id: strawberry.ID
    year: int
    status: PlanStatus
    return_reason: str | None = strawberry.field(description="Why the approving office returned it, if it did.")

    @classmethod
    def of(cls, plan: PlanModel) -> Plan:
        return cls(
            id=strawberry.ID(plan.id),
            office_id=strawberry.ID(plan.office_id),
            year=plan.year,
            status=plan.status,
            return_reason=plan.return_reason,
        )

    @strawberry.field
    async def office(self, info: Info[PlanContext, None]) -> Office | None:
        return await Office.resolve_reference(info, self.office_id)

    @strawberry.field(description="Its items, in the order they were added.")
    async def items(self, info: Info[PlanContext, None]) -> list[Item]:
        # Whoever reads the plan reads all of its items: both are the office's workings.
        return [Item.of(item) for item in await info.context.plan_items_loader.load(str(self.id)) or []]

    @strawberry.field
    async def item_count(self, info: Info[PlanContext, None]) -> int:
        return len(await info.context.plan_items_loader.load(str(self.id)) or [])

    @strawberry.field(description="Submissions, approvals and returns, oldest first.")
    async def steps(self, info: Info[PlanContext, None]) -> list[PlanStep]:
        found = await info.context.plan_steps_loader.load(str(self.id)) or []
        return [PlanStep(**step.__dict__) for step in found]


async def readable_plan(info: Info[PlanContext, None], plan_id: str) -> Plan | None:
    plan = await info.context.plan_loader.load(plan_id)
    office = await info.context.office(plan.office_id) if plan else None
    if plan is None or office is None or not access.may_read_workings(info.context.caller, office.region):
        return None
    return Plan.of(plan)


async def plans_of_office(info: Info[PlanContext, None], office: Office, year: int | None) -> list[Plan]:
    if not access.may_read_workings(info.context.caller, office.region):
        return []
    found = await info.context.office_plans_loader.load(str(office.id)) or []
    return [Plan.of(plan) for plan in found if year is None or plan.year == year]


PlanResult = Annotated[Plan | NotAllowed | InvalidInput | Conflict, strawberry.union("PlanResult")]


SubmitPlanResult = Annotated[
    Plan | NotAllowed | InvalidInput | Conflict | CeilingExceeded, strawberry.union("SubmitPlanResult")
]
ApprovePlanResult = Annotated[
    Plan | NotAllowed | InvalidInput | Conflict | CeilingExceeded, strawberry.union("ApprovePlanResult")
]


def _plan_result(outcome) -> PlanResult:
    return Plan.of(outcome) if isinstance(outcome, PlanModel) else refusal(outcome)


def _within_ceiling_result(outcome) -> SubmitPlanResult | ApprovePlanResult:
    return CeilingExceeded.of(outcome) if isinstance(outcome, CeilingExceededModel) else _plan_result(outcome)


@strawberry.type
class PlanQuery:
    @strawberry.field(description="A plan, if the caller may read its office's workings.")
    async def plan(self, info: Info[PlanContext, None], id: strawberry.ID) -> Plan | None:
        return await readable_plan(info, str(id))

    @strawberry.field(
        description="Plans of offices in the caller's region, newest year first. For the next page, pass the last "
        "plan's id as `after`."
    )
    async def plans(
        self,
        info: Info[PlanContext, None],
        office_id: strawberry.ID | None = None,
        year: int | None = None,
        status: PlanStatus | None = None,
        region: str | None = None,
        first: int = 100,
        after: strawberry.ID | None = None,
    ) -> list[Plan]:
        caller = info.context.caller
        scope = region_arg(region) or caller.region
        if not access.may_read_workings(caller, scope):
            return []
        found = await plans.search(
            info.context.pool,
            region=scope,
            office_id=str(office_id) if office_id else None,
            year=year,
            status=status,
            limit=page(first),
            after=uuid_after(after, "plan"),
        )
        return [Plan.of(plan) for plan in found]


@strawberry.type
class PlanMutation:
    @strawberry.mutation(description="Start the caller's office's annual plan for a year.")
    async def draft_plan(self, info: Info[PlanContext, None], year: int) -> PlanResult:
        return _plan_result(await plan_cases.draft_plan(info.context.pool, info.context.caller, year))

    @strawberry.mutation(
        description="Submit a draft or returned plan; over the office's ceiling for the year (只减不增) it is refused "
        "with the numbers (CeilingExceeded)."
    )
    async def submit_plan(self, info: Info[PlanContext, None], plan_id: strawberry.ID) -> SubmitPlanResult:
        outcome = await plan_cases.submit_plan(info.context.pool, info.context.caller, str(plan_id))
        return _within_ceiling_result(outcome)

    @strawberry.mutation(
        description="Approve a submitted plan: the approving office, never its author. Refused with the numbers "
        "(CeilingExceeded) when the ceiling was lowered below the plan after it was submitted (只减不增)."
    )
    async def approve_plan(self, info: Info[PlanContext, None], plan_id: strawberry.ID) -> ApprovePlanResult:
        outcome = await plan_cases.approve_plan(info.context.pool, info.context.caller, str(plan_id))
        return _within_ceiling_result(outcome)

    @strawberry.mutation(description="Return a submitted plan with the reasons; the office revises and resubmits.")
    async def return_plan(self, info: Info[PlanContext, None], plan_id: strawberry.ID, reason: str) -> PlanResult:
        outcome = await plan_cases.return_plan(info.context.pool, info.context.caller, str(plan_id), reason)
        return _plan_result(outcome)
