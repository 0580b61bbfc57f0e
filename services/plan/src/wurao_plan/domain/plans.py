"""Annual plans: what an office intends to inspect in a year (无计划不督)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"


@dataclass(frozen=True)
class Plan:
    id: str
    office_id: str
    year: int
    status: PlanStatus


def check_year(year: int, current_year: int) -> str | None:
    """Plans are made a year ahead at most, and never for years already past."""
    if year < current_year or year > current_year + 1:
        return f"a plan may be drafted for {current_year} or {current_year + 1}, not {year}"
    return None
