"""GraphQL for the ceiling "only decrease" (只减不增): an office's yearly ceiling, and the province's lowering."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from wurao_common.errors import ClientError
from wurao_common.results import Conflict, InvalidInput, NotAllowed, RequestId, refusal
from wurao_plan.adapters import ceilings as ceiling_rows
from wurao_plan.api.context import PlanContext
from wurao_plan.domain import access
from wurao_plan.domain import ceilings as model
from wurao_plan.domain.plans import planning_year
from wurao_plan.usecases import ceilings as ceiling_cases


@strawberry.type(description="How many items an office may have in a year (只减不增), and why.")
class Ceiling:
    office_id: strawberry.ID
    year: int
    ceiling: int = strawberry.field(description="Planned items plus approved filings may not exceed it.")
    baseline: int = strawberry.field(description="The office's configured baseline: the ceiling of its first year.")
    last_year_actual: int | None = strawberry.field(
        description="Items approved for the year before (planned and filed, emergencies apart); null if none."
    )
    derived_ceiling: int = strawberry.field(
        description="What the years before allow: never above last year's actual nor last year's ceiling."
    )
    lowered_reason: str | None = strawberry.field(description="Why the province office lowered it, if it did.")
    emergency_count: int = strawberry.field(
        description="Emergency filings approved for the year: reported here, outside the ceiling."
    )

    @classmethod
    def of(cls, ceiling: model.Ceiling, emergency_count: int) -> Ceiling:
        return cls(
            office_id=strawberry.ID(ceiling.office_id),
            year=ceiling.year,
            ceiling=ceiling.ceiling,
            baseline=ceiling.baseline,
            last_year_actual=ceiling.last_year_actual,
            derived_ceiling=ceiling.derived,
            lowered_reason=ceiling.lowering.reason if ceiling.lowering else None,
            emergency_count=emergency_count,
        )


@strawberry.type(description="Refused: the year's items would exceed the office's ceiling (只减不增); nothing changed.")
class CeilingExceeded:
    year: int
    planned: int = strawberry.field(description="This year's plan: its items (with the one being approved).")
    filed: int = strawberry.field(description="Approved filings of the year, emergencies apart.")
    total: int
    last_year_actual: int | None = strawberry.field(description="Items approved for the year before; null if none.")
    ceiling: int
    reason: str

    @classmethod
    def of(cls, exceeded: model.CeilingExceeded) -> CeilingExceeded:
        return cls(
            year=exceeded.year,
            planned=exceeded.planned,
            filed=exceeded.filed,
            total=exceeded.total,
            last_year_actual=exceeded.last_year_actual,
            ceiling=exceeded.ceiling,
            reason=exceeded.reason,
        )


async def office_ceiling(info: Info[PlanContext, None], office_id: str, year: int) -> Ceiling | None:
    """The ceiling, to those who may read the office's workings."""
    if problem := model.readable_year_problem(year, planning_year(datetime.now(UTC))):
        raise ClientError(problem)
    context = info.context
    office = await context.office(office_id)
    if office is None or not access.may_read_workings(context.caller, office.region):
        return None
    async with context.pool.acquire() as conn:
        ceiling = await ceiling_cases.ceiling_for(conn, office, year)
    return await _shown(context, ceiling)


async def _shown(context: PlanContext, ceiling: model.Ceiling) -> Ceiling:
    return Ceiling.of(ceiling, await ceiling_rows.emergency_count(context.pool, ceiling.office_id, ceiling.year))


LowerCeilingResult = Annotated[Ceiling | NotAllowed | InvalidInput | Conflict, strawberry.union("LowerCeilingResult")]


@strawberry.type
class CeilingMutation:
    @strawberry.mutation(
        description="The province supervision office lowers an office's ceiling for this year or the next, with the "
        "reason (recorded, announced as plan.ceiling.lowered); it is never raised."
    )
    async def lower_ceiling(
        self,
        info: Info[PlanContext, None],
        office_id: strawberry.ID,
        year: int,
        ceiling: int,
        reason: str,
        request_id: RequestId = None,
    ) -> LowerCeilingResult:
        context = info.context
        outcome = await ceiling_cases.lower_ceiling(
            context.pool, context.caller, str(office_id), year, ceiling, reason, request_id=request_id
        )
        return await _shown(context, outcome) if isinstance(outcome, model.Ceiling) else refusal(outcome)
