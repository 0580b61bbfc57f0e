from __future__ import annotations

from dataclasses import dataclass, field

import asyncpg
from strawberry.dataloader import DataLoader

from wurao_common.auth import Caller
from wurao_reporting.adapters import facts, knowledge, office_load
from wurao_reporting.adapters.changes import FigureChanges
from wurao_reporting.adapters.facts import Fact
from wurao_reporting.adapters.figures import HeldRegions
from wurao_reporting.adapters.knowledge import KnownItem
from wurao_reporting.adapters.office_load import OfficeLoad


@dataclass
class ReportingContext:
    caller: Caller
    pool: asyncpg.Pool
    changes: FigureChanges
    held: HeldRegions
    load_loader: DataLoader[str, OfficeLoad | None] = field(init=False)
    item_loader: DataLoader[str, KnownItem | None] = field(init=False)
    facts_loader: DataLoader[str, list[Fact]] = field(init=False)

    def __post_init__(self) -> None:
        async def load(ids: list[str]) -> list[OfficeLoad | None]:
            found = await office_load.get_many(self.pool, ids)
            return [found.get(office_id) for office_id in ids]

        async def load_items(ids: list[str]) -> list[KnownItem | None]:
            found = await knowledge.items(self.pool, ids)
            return [found.get(item_id) for item_id in ids]

        async def load_facts(ids: list[str]) -> list[list[Fact]]:
            found = await facts.of_items(self.pool, ids)
            return [found.get(item_id, []) for item_id in ids]

        self.load_loader = DataLoader(load_fn=load)
        self.item_loader = DataLoader(load_fn=load_items)
        self.facts_loader = DataLoader(load_fn=load_facts)
