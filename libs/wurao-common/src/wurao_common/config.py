"""Settings from the environment, failing loudly on a missing or malformed value."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from starlette.config import Config, environ
from starlette.datastructures import Secret

__all__ = ["Config", "Secret", "SettingsError", "environ", "read", "read_at_least", "read_file"]

T = TypeVar("T")


class SettingsError(RuntimeError):
    """A setting is missing or malformed; the service refuses to start."""


def read(config: Config, key: str, cast: Callable[[Any], T] = str, default: Any = ...) -> T:  # type: ignore[assignment]
    try:
        if default is ...:
            return config(key, cast=cast)
        return config(key, cast=cast, default=default)
    except (KeyError, ValueError) as error:
        raise SettingsError(f"setting {key}: {error}") from None


def read_at_least(config: Config, key: str, default: int, least: int, why: str) -> int:
    """A whole number with a floor: below it the service would start and then fail on every request (or with a
    library's error that names no setting), so it refuses to start instead."""
    value = read(config, key, int, default)
    if value < least:
        raise SettingsError(f"setting {key}: must be at least {least} ({why})")
    return value


def read_file(config: Config, key: str) -> bytes:
    """A setting naming a file (keys, certificates): the file must exist and be readable."""
    path = Path(read(config, key))
    try:
        return path.read_bytes()
    except OSError as error:
        raise SettingsError(f"setting {key}: cannot read {path}: {error.strerror}") from None
