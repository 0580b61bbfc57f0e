"""The inspection service's app factory: `uvicorn --factory wurao_inspection.app:create_app`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from starlette.types import ASGIApp

from wurao_common.mirror import RowChanges
from wurao_common.service import CommonSettings, Runtime, service_app
from wurao_inspection.adapters import counters
from wurao_inspection.adapters.keys import SigningKeys
from wurao_inspection.api.context import InspectionContext
from wurao_inspection.api.schema import schema
from wurao_inspection.consumers import SUBSCRIPTIONS
from wurao_inspection.reconcile import reconciling
from wurao_inspection.settings import InspectionSettings
from wurao_inspection.usecases.deps import Deps

MIGRATIONS = Path(__file__).parent / "migrations"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: CommonSettings | None = None,
    inspection: InspectionSettings | None = None,
    *,
    clock: Callable[[], datetime] = _utc_now,
) -> ASGIApp:
    inspection = inspection or InspectionSettings.from_env()

    @asynccontextmanager
    async def with_redis(runtime: Runtime) -> AsyncIterator[None]:
        async with counters.connect(
            str(inspection.redis_url), max_connections=inspection.redis_max_connections
        ) as cap_counters:
            runtime.extras["redis"] = cap_counters
            deps = runtime.extras["deps"] = Deps(
                pool=runtime.pool,
                counters=cap_counters,
                keys=SigningKeys(runtime.pool),
                emergency_grace=inspection.emergency_grace,
            )
            runtime.checks.append(cap_counters.problem)
            changes = RowChanges()
            deps.reference.watch(changes)
            async with (
                reconciling(runtime.pool, cap_counters, every_seconds=inspection.reconcile_seconds),
                changes.listening(runtime.pool),
            ):
                yield

    return service_app(
        service="inspection",
        schema=schema,
        migrations=MIGRATIONS,
        settings=settings,
        subscriptions=SUBSCRIPTIONS,
        extend_runtime=with_redis,
        make_context=lambda runtime, caller: InspectionContext(caller=caller, deps=runtime.extras["deps"], clock=clock),
    )
