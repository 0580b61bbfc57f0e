"""`Item.timeline`: an item's story (全流程跟踪) from the events reporting applied, for callers reaching its office."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from wurao_reporting.adapters.facts import Fact
from wurao_reporting.api.context import ReportingContext
from wurao_reporting.domain import access, timeline


@strawberry.type(description="One step of an item's story: when, who (an office or a unit) and what.")
class TimelineEntry:
    at: datetime = strawberry.field(description="When it happened (a visit: when it was inspected).")
    step: str = strawberry.field(description="drafted, approved, coded, visited, refused, finding, task_opened, ...")
    event_type: str = strawberry.field(description="The event it comes from, e.g. inspection.visit.checked_in.")
    office_id: strawberry.ID | None = strawberry.field(description="The office that acted or was acted for.")
    unit_id: strawberry.ID | None = strawberry.field(
        description="The unit concerned; never given for a complaint (its author stays unnamed)."
    )
    what: str = strawberry.field(description="The step in words.")
    details: JSON = strawberry.field(description="The step's own fields (ids, code number, severity, deadline...).")

    @classmethod
    def of(cls, fact: Fact) -> TimelineEntry:
        return cls(
            at=fact.at,
            step=timeline.STEPS[fact.event_type].name,
            event_type=fact.event_type,
            office_id=fact.office_id,
            unit_id=fact.unit_id,
            what=timeline.says(fact.event_type, fact.detail),
            details=fact.detail,
        )


@strawberry.federation.type(keys=["id"], description="An item, as reporting sees it: its whole story.")
class Item:
    id: strawberry.ID

    @classmethod
    async def resolve_reference(cls, info: Info[ReportingContext, None], id: strawberry.ID) -> Item:
        return cls(id=id)

    @strawberry.field(
        description="Every step of the item in order, from drafting to completion; null unless the caller's "
        "region reaches the item's office and the caller is not a unit, nor an inspector of another office (or "
        "reporting has not heard of the item yet)."
    )
    async def timeline(self, info: Info[ReportingContext, None]) -> list[TimelineEntry] | None:
        context = info.context
        item = await context.item_loader.load(str(self.id))
        if item is None or not access.may_read_timeline(context.caller, item.office_id, item.region):
            return None
        return [TimelineEntry.of(fact) for fact in await context.facts_loader.load(str(self.id))]
