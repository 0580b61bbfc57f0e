"""Region codes (GB/T 2260, extended to townships and villages) nest by prefix."""

from __future__ import annotations

import re

_CODE = re.compile(r"^\d{2}(\d{2}(\d{2}(\d{3}(\d{3})?)?)?)?$")


def is_code(text: str) -> bool:
    return bool(_CODE.match(text))


def within(region: str, scope: str) -> bool:
    """`region` lies inside `scope` (or is it)."""
    return region.startswith(scope)


def overlap(a: str, b: str) -> bool:
    """One region contains the other: an item scoped to a town concerns its villages, and the county above."""
    return a.startswith(b) or b.startswith(a)
