"""Identifiers as clients send them: checked before they reach SQL, where asyncpg would fail the whole query."""

from __future__ import annotations

import uuid
from collections.abc import Sequence


def is_uuid(text: object) -> bool:
    try:
        uuid.UUID(text)  # type: ignore[arg-type]
    except (ValueError, TypeError, AttributeError):
        return False
    return True


def uuids(ids: Sequence[str]) -> list[uuid.UUID]:
    """The ids that are UUIDs; anything else cannot name a row we issued, so it finds nothing."""
    return [uuid.UUID(text) for text in ids if is_uuid(text)]
