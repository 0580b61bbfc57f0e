from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator

import strawberry
from strawberry.types import Info

from wurao_common.auth import Caller
from wurao_common.web import build_schema
from wurao_reporting.api.context import ReportingContext
from wurao_reporting.api.figures import Figures, ScopeKind
from wurao_reporting.api.timeline import Item
from wurao_reporting.usecases import read_figures


@strawberry.type(description="How much supervision an office generates (一目了然).")
class OfficeLoad:
    plans_drafted: int


async def readable_figures(
    info: Info[ReportingContext, None], kind: ScopeKind, scope: str, year: int
) -> Figures | None:
    context = info.context
    sums = await read_figures.readable_sums(context.pool, context.held, context.caller, kind.value, scope, year)
    return None if sums is None else Figures.of(kind, scope, year, sums)


@strawberry.federation.type(keys=["id"], description="An office, as reporting sees it: its load and figures.")
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

    @strawberry.field(description="What the office did in a year, if it lies in the caller's region.")
    async def figures(self, info: Info[ReportingContext, None], year: int) -> Figures | None:
        return await readable_figures(info, ScopeKind.OFFICE, str(self.id), year)


@strawberry.type
class Query:
    @strawberry.field(description="The load of one office, if it lies in the caller's region.")
    async def office_load(self, info: Info[ReportingContext, None], office_id: strawberry.ID) -> OfficeLoad | None:
        return await Office(id=office_id).load(info)

    @strawberry.field(
        description="A region's figures for a year, its sub-regions included (province '43', a city, county, "
        "township or village); null when the region lies outside the caller's."
    )
    async def region_figures(self, info: Info[ReportingContext, None], region: str, year: int) -> Figures | None:
        return await readable_figures(info, ScopeKind.REGION, region, year)

    @strawberry.field(description="An office's figures for a year; null outside the caller's region.")
    async def office_figures(
        self, info: Info[ReportingContext, None], office_id: strawberry.ID, year: int
    ) -> Figures | None:
        return await readable_figures(info, ScopeKind.OFFICE, str(office_id), year)

    @strawberry.field(
        description="A unit's figures for a year; null outside the caller's region, and to any unit but itself."
    )
    async def unit_figures(
        self, info: Info[ReportingContext, None], unit_id: strawberry.ID, year: int
    ) -> Figures | None:
        return await readable_figures(info, ScopeKind.UNIT, str(unit_id), year)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="A region's figures for a year now, and again each time an event changes them; a single null "
        "when the region lies outside the caller's. The stream ends when the caller's token expires: subscribe "
        "again with a new one."
    )
    async def region_figures(
        self, info: Info[ReportingContext, None], region: str, year: int
    ) -> AsyncGenerator[Figures | None, None]:
        context = info.context
        async with context.changes.watch(region) as changed:
            sums = await read_figures.readable_sums(context.pool, context.held, context.caller, "region", region, year)
            yield None if sums is None else Figures.of(ScopeKind.REGION, region, year, sums)
            while sums is not None:
                if not await changed_while_signed_in(changed, context.caller):
                    return
                changed.clear()
                fresh = await read_figures.sums(context.pool, context.held, "region", region, year)
                if fresh.counts != sums.counts:
                    sums = fresh
                    yield Figures.of(ScopeKind.REGION, region, year, sums)


async def changed_while_signed_in(changed: asyncio.Event, caller: Caller) -> bool:
    """Waits for a change; False once the caller's token expires first (its region and role were checked once,
    when the stream opened: a token past its expiry, or a caller since moved, must not keep reading)."""
    left = None if caller.expires_at is None else caller.expires_at - time.time()
    if left is not None and left <= 0:  # a wait on a change already made returns at once, timeout or not
        return False
    try:
        async with asyncio.timeout(left):
            await changed.wait()
    except TimeoutError:
        return False
    return True


schema = build_schema(query=Query, subscription=Subscription, types=[Office, Item])
