"""Identifiers as clients send them: checked before they reach SQL, where asyncpg would fail the whole query."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence

# The spelling PostgreSQL and every id we issue use. uuid.UUID also takes braces, a `urn:uuid:` prefix and
# underscores between digits, which asyncpg refuses for a uuid parameter (the whole query failing).
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# GB/T 2260 codes (2, 4, 6 digits) extended to townships (9) and villages (12). ASCII digits, the whole text: `\d`
# also takes other scripts' digits, and `$` a trailing newline.
_REGION_CODE = re.compile(r"[0-9]{2}(?:[0-9]{2}(?:[0-9]{2}(?:[0-9]{3}(?:[0-9]{3})?)?)?)?")


def is_uuid(text: object) -> bool:
    return isinstance(text, str) and _UUID.fullmatch(text) is not None


def is_region_code(text: object) -> bool:
    return isinstance(text, str) and _REGION_CODE.fullmatch(text) is not None


def uuids(ids: Sequence[str]) -> list[uuid.UUID]:
    """The ids that are UUIDs; anything else cannot name a row we issued, so it finds nothing."""
    return [uuid.UUID(text) for text in ids if is_uuid(text)]
