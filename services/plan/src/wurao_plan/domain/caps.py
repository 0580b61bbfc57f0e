"""Frequency caps (频次限制): how often one unit may be inspected, versioned with effective dates.

The policy only states the limits; `inspection` counts visits against them at check-in. Items with an
exemption (complaint, rectification follow-up, emergency) are recorded there but never counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from wurao_common.auth import Caller, Role, within_region
from wurao_plan.domain.offices import Office, OfficeKind

PROVINCE = "43"
LEVELS = ("province", "city", "county")
MAX_CAP = 100


@dataclass(frozen=True)
class CapLimits:
    per_level_per_year: dict[str, int]
    across_levels_per_year: int
    default_per_item_per_unit: int


@dataclass(frozen=True)
class CapPolicy:
    version: int
    effective_from: date
    limits: CapLimits
    published_at: datetime


DEFAULT_LIMITS = CapLimits(
    per_level_per_year={"province": 2, "city": 2, "county": 2},
    across_levels_per_year=4,
    default_per_item_per_unit=1,
)


def limits_problem(limits: CapLimits) -> tuple[str, str] | None:
    """(field, reason) when the limits are not a usable policy."""
    if set(limits.per_level_per_year) != set(LEVELS):
        return "perLevelPerYear", f"give a cap for each of {', '.join(LEVELS)}"
    for name, value in (
        *((f"perLevelPerYear.{level}", cap) for level, cap in limits.per_level_per_year.items()),
        ("acrossLevelsPerYear", limits.across_levels_per_year),
        ("defaultPerItemPerUnit", limits.default_per_item_per_unit),
    ):
        if not 1 <= value <= MAX_CAP:
            return name, f"must be between 1 and {MAX_CAP}"
    return None


def effective_from_problem(effective_from: date, today: date, latest: CapPolicy | None) -> str | None:
    """History is never rewritten: a new version starts today or later, and not before the one it follows. Nor
    after next year: plans are made a year ahead at most, and every later version must start on or after it, so a
    date years off would hold every policy back until then."""
    if effective_from < today:
        return f"a policy cannot take effect in the past (today is {today.isoformat()})"
    if effective_from.year > today.year + 1:
        return f"a policy takes effect by the end of {today.year + 1} at the latest"
    if latest is not None and effective_from < latest.effective_from:
        return f"version {latest.version} takes effect on {latest.effective_from.isoformat()}; start on or after it"
    return None


def in_effect(policies: list[CapPolicy], on: date) -> CapPolicy | None:
    """The newest version whose effective date has come."""
    started = [policy for policy in policies if policy.effective_from <= on]
    return max(started, key=lambda policy: policy.version, default=None)


def event_data(policy: CapPolicy) -> dict[str, Any]:
    return {
        "version": policy.version,
        "effectiveFrom": policy.effective_from.isoformat(),
        "perLevelPerYear": {level: policy.limits.per_level_per_year[level] for level in LEVELS},
        "acrossLevelsPerYear": policy.limits.across_levels_per_year,
        "defaultPerItemPerUnit": policy.limits.default_per_item_per_unit,
    }


def may_read_province_rules(caller: Caller) -> bool:
    """Caps and the negative list bind everyone in the province, so everyone in it may read them."""
    return within_region(PROVINCE, caller.region)


def may_publish_province_rules(caller: Caller, office: Office | None) -> bool:
    """Only the province supervision office itself: the caps restrain the province's departments, which also
    act with the province-office role, so the caller's office must be the supervision office, not a department."""
    return (
        caller.role is Role.PROVINCE_OFFICE
        and caller.region == PROVINCE
        and office is not None
        and office.id == caller.office_id
        and office.kind == OfficeKind.SUPERVISION
        and office.region == PROVINCE
    )
