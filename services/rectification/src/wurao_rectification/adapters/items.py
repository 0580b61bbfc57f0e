from __future__ import annotations

from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True)
class ItemProgress:
    item_id: str
    office_id: str
    office_region: str
    open_tasks: int


async def task_opened(conn: asyncpg.Connection, item_id: str, office_id: str, office_region: str) -> None:
    await conn.execute(
        """INSERT INTO item_progress (item_id, office_id, office_region, open_tasks) VALUES ($1, $2, $3, 1)
           ON CONFLICT (item_id) DO UPDATE SET open_tasks = item_progress.open_tasks + 1, updated_at = now()""",
        item_id,
        office_id,
        office_region,
    )


async def task_closed(conn: asyncpg.Connection, item_id: str) -> ItemProgress:
    """Counts one task of the item closed; the row lock makes concurrent closings see distinct counts."""
    row = await conn.fetchrow(
        """UPDATE item_progress SET open_tasks = open_tasks - 1, updated_at = now() WHERE item_id = $1
           RETURNING item_id, office_id, office_region, open_tasks""",
        item_id,
    )
    return ItemProgress(row["item_id"], row["office_id"], row["office_region"], row["open_tasks"])
