"""GraphQL for the negative list (负面清单): the current version, the history, publishing a new one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from wurao_common.results import Conflict, InvalidInput, NotAllowed, refusal
from wurao_plan.adapters import negative_list as lists
from wurao_plan.api.context import PlanContext
from wurao_plan.domain import negative_list as rules
from wurao_plan.domain.caps import may_read_province_rules
from wurao_plan.usecases import negative_list as list_cases


@strawberry.type(description="One thing an inspection may not demand; units cite its code when they complain.")
class NegativeListEntry:
    code: str
    text: str


@strawberry.type(description="A published version of the negative list, whole.")
class NegativeList:
    version: int
    published_at: datetime
    entries: list[NegativeListEntry]

    @classmethod
    def of(cls, negative_list: rules.NegativeList) -> NegativeList:
        return cls(
            version=negative_list.version,
            published_at=negative_list.published_at,
            entries=[NegativeListEntry(code=entry.code, text=entry.text) for entry in negative_list.entries],
        )


@strawberry.input
class NegativeListEntryInput:
    code: str
    text: str


PublishNegativeListResult = Annotated[
    NegativeList | NotAllowed | InvalidInput | Conflict, strawberry.union("PublishNegativeListResult")
]


@strawberry.type
class NegativeListQuery:
    # Not `negativeList`: inspection's subgraph answers that one on the scan path, from the events.
    @strawberry.field(description="The negative list in force: the latest version, as the province published it.")
    async def current_negative_list(self, info: Info[PlanContext, None]) -> NegativeList | None:
        if not may_read_province_rules(info.context.caller):
            return None
        current = await lists.latest(info.context.pool)
        return NegativeList.of(current) if current else None

    @strawberry.field(description="Every version ever published, oldest first.")
    async def negative_list_history(self, info: Info[PlanContext, None]) -> list[NegativeList]:
        if not may_read_province_rules(info.context.caller):
            return []
        return [NegativeList.of(version) for version in await lists.all_versions(info.context.pool)]


@strawberry.type
class NegativeListMutation:
    @strawberry.mutation(description="Publish a new version of the whole list; the province office only.")
    async def publish_negative_list(
        self, info: Info[PlanContext, None], entries: list[NegativeListEntryInput]
    ) -> PublishNegativeListResult:
        outcome = await list_cases.publish_negative_list(
            info.context.pool, info.context.caller, [rules.Entry(code=entry.code, text=entry.text) for entry in entries]
        )
        return NegativeList.of(outcome) if isinstance(outcome, rules.NegativeList) else refusal(outcome)
