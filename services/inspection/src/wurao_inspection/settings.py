"""Inspection's own settings, beside the common ones; a missing REDIS_URL stops the service from starting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from wurao_common import config


@dataclass(frozen=True)
class InspectionSettings:
    redis_url: config.Secret
    redis_max_connections: int
    emergency_grace: timedelta
    reconcile_seconds: float

    @classmethod
    def from_env(cls, env: config.Config | None = None) -> InspectionSettings:
        env = env or config.Config(environ=config.environ)
        grace_days = config.read(env, "EMERGENCY_GRACE_DAYS", int, 10)
        if not 0 < grace_days <= 90:
            raise config.SettingsError("setting EMERGENCY_GRACE_DAYS: must be between 1 and 90")
        reconcile_seconds = config.read(env, "CAPS_RECONCILE_SECONDS", float, 300.0)
        if not 1 <= reconcile_seconds <= 86400:
            raise config.SettingsError("setting CAPS_RECONCILE_SECONDS: must be between 1 and 86400")
        return cls(
            redis_url=config.read(env, "REDIS_URL", config.Secret),
            redis_max_connections=config.read_at_least(
                env, "REDIS_MAX_CONNECTIONS", 64, 1, "redis-py reads 0 as 100 and refuses a negative only once serving"
            ),
            emergency_grace=timedelta(days=grace_days),
            reconcile_seconds=reconcile_seconds,
        )
