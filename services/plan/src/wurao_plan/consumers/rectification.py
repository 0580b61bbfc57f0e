from __future__ import annotations

import logging
from datetime import datetime

import asyncpg

from wurao_common.bus.envelope import Event
from wurao_plan.domain.codes import CHINA
from wurao_plan.usecases.items import track_rectification

log = logging.getLogger("wurao.plan.consumers")

# A task opened for an item keeps it from completing; the item's last task closing (settled) frees it.
_OPENS = {"rectification.task.opened": True, "rectification.item.settled": False}


async def on_rectification(conn: asyncpg.Connection, event: Event) -> None:
    item_id = event.data.get("itemId")
    if not isinstance(item_id, str) or event.type not in _OPENS:
        log.error("event %s (%s) is not one plan tracks, or carries no itemId; ignored", event.id, event.type)
        return
    await track_rectification(conn, item_id, is_open=_OPENS[event.type], today=datetime.now(CHINA).date())
