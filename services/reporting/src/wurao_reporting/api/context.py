from __future__ import annotations

from dataclasses import dataclass, field

import asyncpg
from strawberry.dataloader import DataLoader

from wurao_common.auth import Caller
from wurao_reporting.adapters import office_load
from wurao_reporting.adapters.office_load import OfficeLoad


@dataclass
class ReportingContext:
    caller: Caller
    pool: asyncpg.Pool
    load_loader: DataLoader[str, OfficeLoad | None] = field(init=False)

    def __post_init__(self) -> None:
        async def load(ids: list[str]) -> list[OfficeLoad | None]:
            found = await office_load.get_many(self.pool, ids)
            return [found.get(office_id) for office_id in ids]

        self.load_loader = DataLoader(load_fn=load)
