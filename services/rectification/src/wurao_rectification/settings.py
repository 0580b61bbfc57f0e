"""What only this service reads from the environment, on top of wurao_common.service.CommonSettings."""

from __future__ import annotations

from dataclasses import dataclass

from wurao_common import config


@dataclass(frozen=True)
class RectificationSettings:
    sweep_seconds: float

    @classmethod
    def from_env(cls, env: config.Config | None = None) -> RectificationSettings:
        env = env or config.Config(environ=config.environ)
        sweep_seconds = config.read(env, "SWEEP_SECONDS", float, 60.0)
        if not 0 < sweep_seconds <= 3600:
            raise config.SettingsError("setting SWEEP_SECONDS: must be more than 0 and at most 3600")
        return cls(sweep_seconds=sweep_seconds)
