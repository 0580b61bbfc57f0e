"""The reporting service's app factory: `uvicorn --factory wurao_reporting.app:create_app`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.types import ASGIApp

from wurao_common.service import CommonSettings, Runtime, service_app
from wurao_reporting.adapters.changes import FigureChanges, listening
from wurao_reporting.api import export
from wurao_reporting.api.context import ReportingContext
from wurao_reporting.api.schema import schema
from wurao_reporting.consumers import SUBSCRIPTIONS

MIGRATIONS = Path(__file__).parent / "migrations"


@asynccontextmanager
async def live_figures(runtime: Runtime) -> AsyncIterator[None]:
    changes = FigureChanges()
    async with listening(runtime.pool, changes):
        runtime.extras["changes"] = changes
        yield


def create_app(settings: CommonSettings | None = None) -> ASGIApp:
    return service_app(
        service="reporting",
        schema=schema,
        migrations=MIGRATIONS,
        settings=settings,
        subscriptions=SUBSCRIPTIONS,
        extend_runtime=live_figures,
        extra_routes=[(export.PATH, export.figures_csv)],
        make_context=lambda runtime, caller: ReportingContext(
            caller=caller, pool=runtime.pool, changes=runtime.extras["changes"]
        ),
    )
