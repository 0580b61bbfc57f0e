"""Annual plans: what an office intends to inspect in a year (无计划不督), and their approval workflow."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from wurao_common.outcomes import Conflict
from wurao_plan.domain.codes import CHINA


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
    created_by: str = ""
    submitted_by: str | None = None
    return_reason: str | None = None

    @property
    def authors(self) -> frozenset[str]:
        """Who wrote or submitted it: none of them may decide on it (four eyes)."""
        return frozenset(subject for subject in (self.created_by, self.submitted_by) if subject)


def planning_year(now: datetime) -> int:
    """The year plans, filings and ceilings are judged in: China's, which from 16:00 UTC on 31 December is already
    the next."""
    return now.astimezone(CHINA).year


def check_year(year: int, current_year: int) -> str | None:
    """Plans are made a year ahead at most, and never for years already past."""
    if year < current_year or year > current_year + 1:
        return f"a plan may be drafted for {current_year} or {current_year + 1}, not {year}"
    return None


def check_editable(plan: Plan) -> Conflict | None:
    """Items change only while the office holds the plan: drafting, or revising after a return."""
    if plan.status in (PlanStatus.DRAFT, PlanStatus.RETURNED):
        return None
    return Conflict(f"the plan is {plan.status}: items change only in a draft or returned plan")


def check_submission(plan: Plan, *, planned: int) -> Conflict | None:
    """Submitting needs a draft or returned plan with items (the ceiling is checked beside it)."""
    if check_editable(plan):
        return Conflict(f"the plan is {plan.status}: only a draft or returned plan can be submitted")
    if planned == 0:
        return Conflict("the plan has no items")
    return None


def check_awaiting_decision(plan: Plan) -> Conflict | None:
    if plan.status is PlanStatus.SUBMITTED:
        return None
    return Conflict(f"the plan is {plan.status}: only a submitted plan can be approved or returned")
