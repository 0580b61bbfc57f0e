"""Region codes (GB/T 2260, extended to townships and villages) nest by prefix."""

from __future__ import annotations


def within(region: str, scope: str) -> bool:
    """`region` lies inside `scope` (or is it)."""
    return region.startswith(scope)


def overlap(a: str, b: str) -> bool:
    """One region contains the other: an item scoped to a town concerns its villages, and the county above."""
    return a.startswith(b) or b.startswith(a)
