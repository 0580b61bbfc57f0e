"""The periodic entrypoint that sends due reminders and escalations. Every replica runs one; they share work."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg

from wurao_rectification.usecases.sweep import sweep_once

log = logging.getLogger("wurao.rectification.sweeper")


class Sweeper:
    def __init__(self, pool: asyncpg.Pool, *, every_seconds: float):
        self._pool = pool
        self._every = every_seconds
        self._stopping = asyncio.Event()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="rectification-sweeper")

    async def stop(self) -> None:
        """Lets a sweep in progress commit, then stops."""
        self._stopping.set()
        if self._task:
            await self._task

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                sent = await sweep_once(self._pool, datetime.now(UTC))
                if sent:
                    log.info("sweeper: sent %d reminders and escalations", sent)
            except Exception:  # PostgreSQL away: nothing was committed, the next sweep retries
                log.exception("sweeper: sweep failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._every)


@contextlib.asynccontextmanager
async def sweeping(pool: asyncpg.Pool, *, every_seconds: float) -> AsyncIterator[None]:
    sweeper = Sweeper(pool, every_seconds=every_seconds)
    sweeper.start()
    try:
        yield
    finally:
        await sweeper.stop()
