from __future__ import annotations

import logging

import asyncpg

from wurao_common.bus.envelope import Event
from wurao_common.outcomes import Invalid
from wurao_rectification.usecases.tasks import open_for_finding

log = logging.getLogger("wurao.rectification")


async def on_finding_recorded(conn: asyncpg.Connection, event: Event) -> None:
    """Opens the finding's task. A payload that can never open one is logged and consumed, not retried forever."""
    outcome = await open_for_finding(conn, event.data, event.time)
    if isinstance(outcome, Invalid):
        log.error("finding event %s opens no task: %s %s", event.id, outcome.field, outcome.reason)
