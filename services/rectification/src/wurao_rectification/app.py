"""The rectification service's app factory: `uvicorn --factory wurao_rectification.app:create_app`."""

from __future__ import annotations

from pathlib import Path

from starlette.types import ASGIApp

from wurao_common.service import CommonSettings, service_app
from wurao_rectification.api.context import RectificationContext
from wurao_rectification.api.schema import schema
from wurao_rectification.consumers import SUBSCRIPTIONS
from wurao_rectification.settings import RectificationSettings
from wurao_rectification.sweeper import sweeping

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: CommonSettings | None = None, own: RectificationSettings | None = None) -> ASGIApp:
    own = own or RectificationSettings.from_env()
    return service_app(
        service="rectification",
        schema=schema,
        migrations=MIGRATIONS,
        settings=settings,
        subscriptions=SUBSCRIPTIONS,
        extend_runtime=lambda runtime: sweeping(runtime.pool, every_seconds=own.sweep_seconds),
        make_context=lambda runtime, caller: RectificationContext(caller=caller, pool=runtime.pool),
    )
