"""The ceiling "only decrease" (只减不增): how many items an office may have in a year, never more than the year
before.

An office's first year's ceiling is its configured baseline; each later year's is last year's actual (the items
approved for it, planned or filed) when that is lower, never higher than last year's ceiling. The province office
may lower a year's ceiling further, with a reason, never raise it. Emergencies stay outside: they are neither
counted against the ceiling nor held back by it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from wurao_common.outcomes import Conflict, Invalid

MAX_REASON = 1000


@dataclass(frozen=True)
class Lowering:
    ceiling: int
    reason: str


@dataclass(frozen=True)
class Ceiling:
    office_id: str
    year: int
    ceiling: int
    baseline: int
    last_year_actual: int | None  # None: nothing was approved for the office the year before
    derived: int  # what the years before allow, before any lowering of this year
    lowering: Lowering | None  # the province office's latest lowering of this year, if any


@dataclass(frozen=True)
class CeilingExceeded:
    """A submission or approval refused because the year's count would pass the ceiling: the numbers, said."""

    year: int
    planned: int
    filed: int
    last_year_actual: int | None
    ceiling: int

    @property
    def total(self) -> int:
        return self.planned + self.filed

    @property
    def reason(self) -> str:
        last = "nothing approved last year" if self.last_year_actual is None else f"last year {self.last_year_actual}"
        return (
            f"{self.planned} planned + {self.filed} filed = {self.total} items for {self.year} exceed the ceiling of "
            f"{self.ceiling} ({last}) by {self.total - self.ceiling} (只减不增: only decrease, never increase)"
        )


def readable_year_problem(year: int, current_year: int) -> str | None:
    """A ceiling is derived year by year up to the one asked for: none is set beyond next year (plans are made a
    year ahead at most), so none is worked out there either."""
    if year > current_year + 1:
        return f"ceilings are set for {current_year + 1} at the latest, not {year}"
    return None


def ceiling_of(
    office_id: str,
    year: int,
    *,
    baseline: int,
    approved: Mapping[int, int],
    lowerings: Mapping[int, Lowering],
) -> Ceiling:
    """`approved`: items approved per earlier year (emergencies not counted); `lowerings`: the latest lowering of
    each year up to `year`. The first year is the earliest with approved items or a lowering."""
    known = [y for y in (*approved, *lowerings) if y <= year and (y in lowerings or approved[y] > 0)]
    first = min(known, default=year)
    ceiling, derived = baseline, baseline
    for current in range(first, year + 1):
        last = approved.get(current - 1, 0)
        derived = min(ceiling, last) if current > first and last > 0 else ceiling
        ceiling = min(derived, lowerings[current].ceiling) if current in lowerings else derived
    last_year = approved.get(year - 1, 0)
    return Ceiling(
        office_id=office_id,
        year=year,
        ceiling=ceiling,
        baseline=baseline,
        last_year_actual=last_year or None,
        derived=derived,
        lowering=lowerings.get(year),
    )


def check_within(ceiling: Ceiling, *, planned: int, filed: int) -> CeilingExceeded | None:
    if planned + filed <= ceiling.ceiling:
        return None
    return CeilingExceeded(ceiling.year, planned, filed, ceiling.last_year_actual, ceiling.ceiling)


def lowering_problem(ceiling: Ceiling, new_ceiling: int, reason: str) -> Invalid | Conflict | None:
    """Lower only: a new ceiling at or above the one in force is a conflict (the ceiling is never raised)."""
    if not reason.strip() or len(reason) > MAX_REASON:
        return Invalid("reason", f"1 to {MAX_REASON} characters: why the ceiling is lowered")
    if new_ceiling < 0:
        return Invalid("ceiling", "zero or more")
    if new_ceiling >= ceiling.ceiling:
        return Conflict(
            f"the ceiling for {ceiling.year} is {ceiling.ceiling}: it may only be lowered, never raised or kept "
            "(只减不增)"
        )
    return None
