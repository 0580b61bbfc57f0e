from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import asyncpg
from strawberry.dataloader import DataLoader

from wurao_common.auth import Caller
from wurao_common.errors import ClientError
from wurao_plan.adapters import codes, filings, items, offices, plans, regions, units
from wurao_plan.adapters.plans import PlanStep
from wurao_plan.adapters.regions import Region
from wurao_plan.domain.codes import ItemCode
from wurao_plan.domain.filings import Filing
from wurao_plan.domain.items import Item
from wurao_plan.domain.offices import Office
from wurao_plan.domain.plans import Plan
from wurao_plan.domain.units import Unit
from wurao_plan.settings import CodeSigning

V = TypeVar("V")


def _loader(pool: asyncpg.Pool, fetch: Callable[[asyncpg.Pool, Sequence[str]], Awaitable[dict[str, V]]]):
    """A per-request DataLoader over an adapter's `get_many`: one query per batch of keys."""

    async def load(keys: list[str]) -> list[V | None]:
        found = await fetch(pool, keys)
        return [found.get(key) for key in keys]

    return DataLoader(load_fn=load)


# QR images are CPU work: a list asking for one per item could keep a worker busy for seconds.
QR_IMAGES_PER_REQUEST = 10


class TooManyQrImages(ClientError):
    code = "TOO_MANY_QR_IMAGES"


@dataclass
class PlanContext:
    caller: Caller
    pool: asyncpg.Pool
    codes: CodeSigning
    office_loader: DataLoader[str, Office | None] = field(init=False)
    unit_loader: DataLoader[str, Unit | None] = field(init=False)
    region_loader: DataLoader[str, Region | None] = field(init=False)
    plan_loader: DataLoader[str, Plan | None] = field(init=False)
    office_plans_loader: DataLoader[str, list[Plan] | None] = field(init=False)
    item_loader: DataLoader[str, Item | None] = field(init=False)
    plan_items_loader: DataLoader[str, list[Item] | None] = field(init=False)
    plan_steps_loader: DataLoader[str, list[PlanStep] | None] = field(init=False)
    filing_loader: DataLoader[str, Filing | None] = field(init=False)
    item_filing_loader: DataLoader[str, Filing | None] = field(init=False)
    code_loader: DataLoader[str, ItemCode | None] = field(init=False)
    _qr_images: int = field(init=False, default=0)

    def count_qr_image(self) -> None:
        self._qr_images += 1
        if self._qr_images > QR_IMAGES_PER_REQUEST:
            raise TooManyQrImages(
                f"at most {QR_IMAGES_PER_REQUEST} QR images per request; fetch the others one by one "
                "(GET /codes/<itemId>.svg or .png)"
            )

    def __post_init__(self) -> None:
        pool = self.pool
        self.office_loader = _loader(pool, offices.get_many)
        self.unit_loader = _loader(pool, units.get_many)
        self.region_loader = _loader(pool, regions.get_many)
        self.plan_loader = _loader(pool, plans.get_many)
        self.office_plans_loader = _loader(pool, plans.for_offices)  # Office.plans: one query per request
        self.item_loader = _loader(pool, items.get_many)
        self.plan_items_loader = _loader(pool, items.for_plans)
        self.plan_steps_loader = _loader(pool, plans.steps_for)
        self.filing_loader = _loader(pool, filings.get_many)
        self.item_filing_loader = _loader(pool, filings.for_items)
        self.code_loader = _loader(pool, lambda db, ids: codes.get_many(db, [uuid.UUID(key) for key in ids]))
