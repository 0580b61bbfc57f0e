from __future__ import annotations

import asyncpg

from wurao_common.bus.envelope import Event
from wurao_reporting.adapters import office_load


async def on_plan_drafted(conn: asyncpg.Connection, event: Event) -> None:
    await office_load.count_plan_drafted(conn, event.data["officeId"], event.region)
