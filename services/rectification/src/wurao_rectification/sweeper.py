"""The periodic entrypoint that sends due reminders and escalations. Every replica runs one; they share work."""

from __future__ import annotations

import logging
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime

import asyncpg

from wurao_common import periodic
from wurao_rectification.usecases.sweep import sweep_once

log = logging.getLogger("wurao.rectification.sweeper")


def sweeping(pool: asyncpg.Pool, *, every_seconds: float) -> AbstractAsyncContextManager[None]:
    async def sweep() -> None:
        sent = await sweep_once(pool, datetime.now(UTC))
        if sent:
            log.info("sweeper: sent %d reminders and escalations", sent)

    return periodic.every(every_seconds, sweep, name="rectification sweep")
