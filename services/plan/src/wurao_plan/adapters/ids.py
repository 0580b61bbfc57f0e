from __future__ import annotations

import uuid
from collections.abc import Sequence


def uuids(ids: Sequence[str]) -> list[uuid.UUID]:
    """The ids that are UUIDs; anything else cannot name a row we issued, so it finds nothing."""
    parsed = []
    for text in ids:
        try:
            parsed.append(uuid.UUID(text))
        except ValueError:
            continue
    return parsed
