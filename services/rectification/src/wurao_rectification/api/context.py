from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import asyncpg
from strawberry.dataloader import DataLoader

from wurao_common.auth import Caller
from wurao_rectification.adapters import history
from wurao_rectification.domain.tasks import Task
from wurao_rectification.usecases import queries


@dataclass
class RectificationContext:
    caller: Caller
    pool: asyncpg.Pool
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    task_loader: DataLoader[str, Task | None] = field(init=False)
    history_loader: DataLoader[str, list[history.Entry]] = field(init=False)
    tasks_of_item: DataLoader[tuple[str, int], list[Task]] = field(init=False)  # (item id, how many)

    def __post_init__(self) -> None:
        async def load_tasks(ids: list[str]) -> list[Task | None]:
            return await queries.visible(self.pool, self.caller, ids)

        async def load_history(ids: list[str]) -> list[list[history.Entry]]:
            found = await history.for_tasks(self.pool, ids)
            return [found[task_id] for task_id in ids]

        async def load_tasks_of_items(keys: list[tuple[str, int]]) -> list[list[Task]]:
            found: dict[tuple[str, int], list[Task]] = {}
            for first in {first for _, first in keys}:  # one query per page size asked (normally one)
                item_ids = [item_id for item_id, wanted in keys if wanted == first]
                by_item = await queries.of_items(self.pool, self.caller, item_ids, first=first)
                found.update({(item_id, first): by_item[item_id] for item_id in item_ids})
            return [found[key] for key in keys]

        self.task_loader = DataLoader(load_fn=load_tasks)
        self.tasks_of_item = DataLoader(load_fn=load_tasks_of_items)
        self.history_loader = DataLoader(load_fn=load_history)
