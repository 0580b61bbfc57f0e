"""Identifiers as clients send them: checked before they reach SQL, so a typo is invalid input, not an error."""

from __future__ import annotations

import uuid


def is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except (ValueError, TypeError, AttributeError):
        return False
    return True
