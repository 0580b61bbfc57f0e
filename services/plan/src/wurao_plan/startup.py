"""What the plan service does once its database is migrated and before it serves."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from wurao_common.service import Runtime
from wurao_plan.settings import PlanSettings
from wurao_plan.usecases.caps import seed_policies
from wurao_plan.usecases.codes import publish_signing_key


def on_start(settings: PlanSettings) -> Callable[[Runtime], AbstractAsyncContextManager[None]]:
    """Publishes the code signing key and the province's default rules; each is announced once, by one replica."""

    @asynccontextmanager
    async def start(runtime: Runtime) -> AsyncIterator[None]:
        await publish_signing_key(runtime.pool, settings.codes)
        async with runtime.pool.acquire() as conn:
            await seed_policies(conn)
        yield

    return start
