from __future__ import annotations

import strawberry
from strawberry.types import Info

from wurao_common.web import build_schema
from wurao_reporting.api.context import ReportingContext


@strawberry.type(description="How much supervision an office generates (一目了然).")
class OfficeLoad:
    plans_drafted: int


@strawberry.federation.type(keys=["id"], description="An office, as reporting sees it: its load.")
class Office:
    id: strawberry.ID

    @classmethod
    async def resolve_reference(cls, info: Info[ReportingContext, None], id: strawberry.ID) -> Office:
        return cls(id=id)

    @strawberry.field(description="The office's inspection load, if the office lies in the caller's region.")
    async def load(self, info: Info[ReportingContext, None]) -> OfficeLoad | None:
        found = await info.context.load_loader.load(str(self.id))
        if found is None:
            return OfficeLoad(plans_drafted=0)
        if not info.context.caller.can_reach(found.region):
            return None
        return OfficeLoad(plans_drafted=found.plans_drafted)


@strawberry.type
class Query:
    @strawberry.field(description="The load of one office, if it lies in the caller's region.")
    async def office_load(self, info: Info[ReportingContext, None], office_id: strawberry.ID) -> OfficeLoad | None:
        return await Office(id=office_id).load(info)


schema = build_schema(query=Query, types=[Office])
