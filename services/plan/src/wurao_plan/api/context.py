from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

import asyncpg
from strawberry.dataloader import DataLoader

from wurao_common.auth import Caller
from wurao_common.errors import ClientError
from wurao_common.mirror import Mirror, Unknown
from wurao_plan.adapters import codes, filings, items, plans, regions, units
from wurao_plan.domain.offices import Office
from wurao_plan.settings import CodeSigning

V = TypeVar("V")


def _loader(
    fetch: Callable[[asyncpg.Pool, Sequence[str]], Awaitable[dict[str, V]]],
) -> cached_property[DataLoader[str, V | None]]:
    """A request's DataLoader over an adapter's `get_many` (one query per batch of keys), made when the request
    first uses it: most requests use one or two of them, and every request makes a context."""

    def make(context: PlanContext) -> DataLoader[str, V | None]:
        async def load(keys: list[str]) -> list[V | None]:
            found = await fetch(context.pool, keys)
            return [found.get(key) for key in keys]

        return DataLoader(load_fn=load)

    return cached_property(make)


# QR images are CPU work: a list asking for one per item could keep a worker busy for seconds.
QR_IMAGES_PER_REQUEST = 10


class TooManyQrImages(ClientError):
    code = "TOO_MANY_QR_IMAGES"


@dataclass
class PlanContext:
    caller: Caller
    pool: asyncpg.Pool
    codes: CodeSigning
    offices: Mirror[Office]  # the replica's, kept by the runtime (see wurao_plan.app)
    _qr_images: int = field(init=False, default=0)

    unit_loader = _loader(units.get_many)
    region_loader = _loader(regions.get_many)
    plan_loader = _loader(plans.get_many)
    office_plans_loader = _loader(plans.for_offices)  # Office.plans: one query per request
    item_loader = _loader(items.get_many)
    plan_items_loader = _loader(items.for_plans)
    plan_steps_loader = _loader(plans.steps_for)
    filing_loader = _loader(filings.get_many)
    item_filing_loader = _loader(filings.for_items)
    code_loader = _loader(lambda db, ids: codes.get_many(db, [uuid.UUID(key) for key in ids]))

    @cached_property
    def _office_loader(self) -> DataLoader[str, Office | None]:
        async def load(keys: list[str]) -> list[Office | None]:
            found = await self.offices.get_many(keys)
            return [found.get(key) for key in keys]

        return DataLoader(load_fn=load)

    async def office(self, office_id: str) -> Office | None:
        """From the replica's memory when it holds the office; else read with the request's other offices."""
        office = self.offices.held(office_id)
        return await self._office_loader.load(office_id) if isinstance(office, Unknown) else office

    def count_qr_image(self) -> None:
        self._qr_images += 1
        if self._qr_images > QR_IMAGES_PER_REQUEST:
            raise TooManyQrImages(
                f"at most {QR_IMAGES_PER_REQUEST} QR images per request; fetch the others one by one "
                "(GET /codes/<itemId>.svg or .png)"
            )
