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

    def __post_init__(self) -> None:
        async def load_tasks(ids: list[str]) -> list[Task | None]:
            return await queries.visible(self.pool, self.caller, ids)

        async def load_history(ids: list[str]) -> list[list[history.Entry]]:
            found = await history.for_tasks(self.pool, ids)
            return [found[task_id] for task_id in ids]

        self.task_loader = DataLoader(load_fn=load_tasks)
        self.history_loader = DataLoader(load_fn=load_history)
