"""The plan service's app factory: `uvicorn --factory wurao_plan.app:create_app`."""

from __future__ import annotations

from pathlib import Path

from starlette.types import ASGIApp
from wurao_common.service import CommonSettings, service_app

from wurao_plan.api.context import PlanContext
from wurao_plan.api.schema import schema

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: CommonSettings | None = None) -> ASGIApp:
    return service_app(
        service="plan",
        schema=schema,
        migrations=MIGRATIONS,
        settings=settings,
        make_context=lambda runtime, caller: PlanContext(caller=caller, pool=runtime.pool),
    )
