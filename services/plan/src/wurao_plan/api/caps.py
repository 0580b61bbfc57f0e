"""GraphQL for frequency cap policies: the one in effect, the history, publishing a new version."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from wurao_common.results import InvalidInput, NotAllowed, refusal
from wurao_plan.adapters import caps as policies
from wurao_plan.api.context import PlanContext
from wurao_plan.domain import caps as rules
from wurao_plan.domain.codes import CHINA
from wurao_plan.usecases import caps as cap_cases


@strawberry.type(description="Inspections of one unit per year by offices of one level.")
class CapsPerLevel:
    province: int
    city: int
    county: int


@strawberry.type(
    description="How often one unit may be inspected. Items with an exemption (complaint, rectification "
    "follow-up, emergency) are recorded at check-in but never counted against these caps."
)
class CapPolicy:
    version: int
    effective_from: date
    per_level_per_year: CapsPerLevel
    across_levels_per_year: int
    default_per_item_per_unit: int = strawberry.field(description="Unless the item sets its own per-unit cap.")
    published_at: datetime

    @classmethod
    def of(cls, policy: rules.CapPolicy) -> CapPolicy:
        return cls(
            version=policy.version,
            effective_from=policy.effective_from,
            per_level_per_year=CapsPerLevel(**policy.limits.per_level_per_year),
            across_levels_per_year=policy.limits.across_levels_per_year,
            default_per_item_per_unit=policy.limits.default_per_item_per_unit,
            published_at=policy.published_at,
        )


@strawberry.input
class CapsPerLevelInput:
    province: int
    city: int
    county: int


@strawberry.input
class CapPolicyInput:
    effective_from: date
    per_level_per_year: CapsPerLevelInput
    across_levels_per_year: int
    default_per_item_per_unit: int


PublishCapPolicyResult = Annotated[CapPolicy | NotAllowed | InvalidInput, strawberry.union("PublishCapPolicyResult")]


@strawberry.type
class CapQuery:
    @strawberry.field(description="The policy in effect on a day (China time; today by default).")
    async def cap_policy(self, info: Info[PlanContext, None], on: date | None = None) -> CapPolicy | None:
        if not rules.may_read_province_rules(info.context.caller):
            return None
        day = on or datetime.now(UTC).astimezone(CHINA).date()
        policy = rules.in_effect(await policies.all_versions(info.context.pool), day)
        return CapPolicy.of(policy) if policy else None

    @strawberry.field(description="Every version ever published, oldest first.")
    async def cap_policies(self, info: Info[PlanContext, None]) -> list[CapPolicy]:
        if not rules.may_read_province_rules(info.context.caller):
            return []
        return [CapPolicy.of(policy) for policy in await policies.all_versions(info.context.pool)]


@strawberry.type
class CapMutation:
    @strawberry.mutation(description="Publish a new cap policy version; the province office only.")
    async def publish_cap_policy(self, info: Info[PlanContext, None], policy: CapPolicyInput) -> PublishCapPolicyResult:
        limits = rules.CapLimits(
            per_level_per_year={
                "province": policy.per_level_per_year.province,
                "city": policy.per_level_per_year.city,
                "county": policy.per_level_per_year.county,
            },
            across_levels_per_year=policy.across_levels_per_year,
            default_per_item_per_unit=policy.default_per_item_per_unit,
        )
        outcome = await cap_cases.publish_cap_policy(
            info.context.pool, info.context.caller, policy.effective_from, limits
        )
        return CapPolicy.of(outcome) if isinstance(outcome, rules.CapPolicy) else refusal(outcome)
