"""The plan service's app factory: `uvicorn --factory wurao_plan.app:create_app`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from starlette.types import ASGIApp

from wurao_common.mirror import Mirror, RowChanges
from wurao_common.service import Runtime, service_app
from wurao_plan.adapters import offices
from wurao_plan.api.code_images import qr_image_route
from wurao_plan.api.context import PlanContext
from wurao_plan.api.public import public_routes
from wurao_plan.api.schema import schema
from wurao_plan.consumers import SUBSCRIPTIONS
from wurao_plan.settings import PlanSettings
from wurao_plan.startup import on_start
from wurao_plan.sweeper import item_sweeper

MIGRATIONS = Path(__file__).parent / "migrations"


def _extend(settings: PlanSettings) -> Callable[[Runtime], AbstractAsyncContextManager[None]]:
    start = on_start(settings)

    @asynccontextmanager
    async def extended(runtime: Runtime) -> AsyncIterator[None]:
        changes = RowChanges()
        runtime.extras["offices"] = Mirror(lambda ids: offices.get_many(runtime.pool, ids))
        changes.mirror(runtime.extras["offices"], "offices")
        async with start(runtime), item_sweeper(runtime.pool), changes.listening(runtime.pool):
            yield

    return extended


def create_app(settings: PlanSettings | None = None) -> ASGIApp:
    settings = settings or PlanSettings.from_env()
    return service_app(
        service="plan",
        schema=schema,
        migrations=MIGRATIONS,
        settings=settings.common,
        subscriptions=SUBSCRIPTIONS,
        make_context=lambda runtime, caller: PlanContext(
            caller=caller, pool=runtime.pool, codes=settings.codes, offices=runtime.extras["offices"]
        ),
        extend_runtime=_extend(settings),
        extra_routes=[qr_image_route(settings.codes.scan_base_url)],
        public_routes=public_routes(),
    )
