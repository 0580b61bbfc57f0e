"""The reporting service's app factory: `uvicorn --factory wurao_reporting.app:create_app`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from starlette.types import ASGIApp

from wurao_common.service import CommonSettings, Runtime, service_app
from wurao_reporting.adapters import figures
from wurao_reporting.adapters.changes import FigureChanges
from wurao_reporting.api import export
from wurao_reporting.api.context import ReportingContext
from wurao_reporting.api.schema import schema
from wurao_reporting.consumers import SUBSCRIPTIONS

MIGRATIONS = Path(__file__).parent / "migrations"


def live_figures(changes: FigureChanges | None) -> Callable[[Runtime], AbstractAsyncContextManager[None]]:
    """This replica's listener for figure changes, and the regions' figures it holds while it listens."""

    @asynccontextmanager
    async def listening(runtime: Runtime) -> AsyncIterator[None]:
        held = figures.HeldRegions(runtime.pool)
        ear = changes or FigureChanges()
        ear.hold_regions(held)
        async with ear.listening(runtime.pool):
            runtime.extras["changes"], runtime.extras["held"] = ear, held
            yield

    return listening


def create_app(settings: CommonSettings | None = None, *, changes: FigureChanges | None = None) -> ASGIApp:
    """`changes`: the replica's listener, when a test wants to know what it heard (else one of its own)."""
    return service_app(
        service="reporting",
        schema=schema,
        migrations=MIGRATIONS,
        settings=settings,
        subscriptions=SUBSCRIPTIONS,
        extend_runtime=live_figures(changes),
        extra_routes=[(export.PATH, export.figures_csv)],
        make_context=lambda runtime, caller: ReportingContext(
            caller=caller, pool=runtime.pool, changes=runtime.extras["changes"], held=runtime.extras["held"]
        ),
    )
