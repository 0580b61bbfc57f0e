"""The reporting service's app factory: `uvicorn --factory wurao_reporting.app:create_app`."""

from __future__ import annotations

from pathlib import Path

from starlette.types import ASGIApp

from wurao_common.service import CommonSettings, service_app
from wurao_reporting.api.context import ReportingContext
from wurao_reporting.api.schema import schema
from wurao_reporting.consumers import SUBSCRIPTIONS

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: CommonSettings | None = None) -> ASGIApp:
    return service_app(
        service="reporting",
        schema=schema,
        migrations=MIGRATIONS,
        settings=settings,
        subscriptions=SUBSCRIPTIONS,
        make_context=lambda runtime, caller: ReportingContext(caller=caller, pool=runtime.pool),
    )
