from __future__ import annotations

from dataclasses import dataclass, field

import asyncpg
from strawberry.dataloader import DataLoader
from wurao_common.auth import Caller

from wurao_plan.adapters import offices
from wurao_plan.domain.offices import Office


@dataclass
class PlanContext:
    caller: Caller
    pool: asyncpg.Pool
    office_loader: DataLoader[str, Office | None] = field(init=False)

    def __post_init__(self) -> None:
        async def load(ids: list[str]) -> list[Office | None]:
            found = await offices.get_many(self.pool, ids)
            return [found.get(office_id) for office_id in ids]

        self.office_loader = DataLoader(load_fn=load)
