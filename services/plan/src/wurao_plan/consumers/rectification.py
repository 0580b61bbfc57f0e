from __future__ import annotations

import logging
from datetime import datetime

import asyncpg

from wurao_common.bus.envelope import Event
from wurao_plan.domain.codes import CHINA
from wurao_plan.usecases.items import track_rectification

log = logging.getLogger("wurao.plan.consumers")

# Each task's opening and closing, by task id: their order on the wire does not matter.
_CLOSES = {"rectification.task.opened": False, "rectification.task.closed": True}


async def on_rectification(conn: asyncpg.Connection, event: Event) -> None:
    item_id, task_id = event.data.get("itemId"), event.data.get("taskId")
    if not isinstance(item_id, str) or not isinstance(task_id, str) or event.type not in _CLOSES:
        log.error("event %s (%s) is not one plan tracks, or lacks itemId or taskId; ignored", event.id, event.type)
        return
    today = datetime.now(CHINA).date()
    await track_rectification(conn, item_id, task_id, closed=_CLOSES[event.type], today=today)
