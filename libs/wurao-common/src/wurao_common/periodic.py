"""A job every service runs on a timer (sweeps, reconciliation): at start, then every so often, per replica.

Replicas each run their own; the jobs themselves make that safe (row locks, advisory locks). A failed round
is logged and the next one tries again. Stopping lets a round in progress finish, so what it commits is whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

log = logging.getLogger("wurao.periodic")


@asynccontextmanager
async def every(seconds: float, job: Callable[[], Awaitable[object]], *, name: str) -> AsyncIterator[None]:
    stopping = asyncio.Event()

    async def run() -> None:
        while not stopping.is_set():
            try:
                await job()
            except Exception:  # a server away: nothing half-done was committed, the next round retries
                log.exception("%s failed", name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=seconds)

    task = asyncio.create_task(run(), name=name)
    try:
        yield
    finally:
        stopping.set()
        await task
