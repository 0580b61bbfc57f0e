"""Units at or near a yearly frequency cap (频次限制), counted the way inspection counts them.

Inspection counts a unit's counted visits (exempt ones never) on two kinds of yearly counter: one per level of
the inspecting office, one across levels; a joint visit (联合检查) counts once on each (its occasion), and each
check-in is judged against the cap policy in force that day (the newest version whose effective date has come).

A unit's standing at the end of a month of year Y is judged on its counted visits of Y up to that month's end,
against the policy in force on the month's last day (what a check-in that day is judged against):
- at a cap: some yearly cap has no room left (used >= allowed);
- near a cap: at none, and some yearly cap it has used has exactly one visit of room left.
Only units with a counted visit in Y by then have a standing. Items' own caps are left out: an item's cap is
typically one visit per unit, used up by every visit and saying nothing about the unit's load.

The figures are states, stored as their changes: `caps.units_at_cap` in a scope and month is how many units came
to stand at a cap at that month's end less how many stopped, so the state at a month's end is the sum of the year's
months up to it, and a quarter's or a year's is its last month's. A unit's visit thus writes one row per scope
when its standing changes, not one for every month left in the year. Each scope a unit counts in: its region and
every region above it, the unit, and each office that counted a visit to it that year (from the month of that
visit).
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from wurao_reporting.domain.periods import DEEPEST, region_scopes

AT_CAP, NEAR_CAP = "caps.units_at_cap", "caps.units_near_cap"
STANDINGS = (AT_CAP, NEAR_CAP)


ACROSS_LEVELS = "across_levels"


@dataclass(frozen=True)
class CapPolicy:
    """One version of the policy: the visits a unit may have a year by offices of each level, and ACROSS_LEVELS."""

    version: int
    effective_from: date
    yearly: Mapping[str, int]

    @classmethod
    def of(cls, data: dict) -> CapPolicy:
        """From a `plan.cap_policy.published` payload (items' own caps left out)."""
        yearly = {level: int(cap) for level, cap in data["perLevelPerYear"].items()}
        return cls(
            int(data["version"]),
            date.fromisoformat(data["effectiveFrom"]),
            yearly | {ACROSS_LEVELS: int(data["acrossLevelsPerYear"])},
        )


@dataclass(frozen=True)
class CountedVisit:
    visit_id: str
    unit_id: str
    region: str
    year: int
    month: int
    level: str
    office_id: str
    occasion: str  # the joint visit it was part of, else the visit itself


def counted_visit(data: dict, month: int) -> CountedVisit | None:
    """A `inspection.visit.checked_in` payload as it counts against caps; None for an exempt visit."""
    if not data["counted"]:
        return None
    return CountedVisit(
        visit_id=data["visitId"],
        unit_id=data["unitId"],
        region=data["unitRegion"],
        year=int(data["year"]),
        month=month,
        level=data["officeLevel"],
        office_id=data["officeId"],
        occasion=data.get("jointVisitId") or data["visitId"],
    )


def in_force(policies: Iterable[CapPolicy], on: date) -> CapPolicy | None:
    """The newest version whose effective date has come (plan's and inspection's rule)."""
    return max((p for p in policies if p.effective_from <= on), key=lambda p: p.version, default=None)


def standing(visits: Iterable[CountedVisit], policy: CapPolicy) -> str | None:
    """AT_CAP, NEAR_CAP or None for one unit's counted visits of one year."""
    used: dict[str, set[str]] = {ACROSS_LEVELS: set()}
    for visit in visits:
        _use(used, visit)
    return _judged(used, policy)


def _use(used: dict[str, set[str]], visit: CountedVisit) -> None:
    """Counts the visit's occasion on its level's counter and across levels."""
    used.setdefault(visit.level, set()).add(visit.occasion)
    used[ACROSS_LEVELS].add(visit.occasion)


def _judged(used: dict[str, set[str]], policy: CapPolicy) -> str | None:
    caps = [(len(used.get(cap, ())), allowed) for cap, allowed in policy.yearly.items()]
    if any(used >= allowed for used, allowed in caps if used):
        return AT_CAP
    if any(used == allowed - 1 for used, allowed in caps if used):
        return NEAR_CAP
    return None


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


# (scope kind, scope id, year, month, metric) -> change of the state at that month's end
States = Counter


def states(visits: Iterable[CountedVisit], policies: Iterable[CapPolicy]) -> States:
    """How the number of units at and near a cap changes at each month's end, in every scope, from their counted
    visits (a month's state is the sum of the year's changes up to it). A unit's standing can change only in a month
    with a visit of its own or a new policy in force, so only those months are judged."""
    policies = list(policies)
    by_unit_year: dict[tuple[str, int], list[CountedVisit]] = {}
    for visit in visits:
        by_unit_year.setdefault((visit.unit_id, visit.year), []).append(visit)
    in_force_by_year: dict[int, list[CapPolicy | None]] = {}
    found: States = Counter()

    def add(scopes: Iterable[tuple[str, str]], year: int, month: int, metric: str, delta: int) -> None:
        for kind, scope in scopes:
            key = (kind, scope, year, month, metric)
            found[key] = found.get(key, 0) + delta

    for (unit_id, year), visits_of_year in by_unit_year.items():
        if year not in in_force_by_year:  # index 0 unused: months count from 1
            in_force_by_year[year] = [None, *(in_force(policies, month_end(year, m)) for m in range(1, 13))]
        policy_of_month = in_force_by_year[year]
        visits_of_year.sort(key=lambda v: (v.month, v.visit_id))
        scopes = [*region_scopes(visits_of_year[-1].region, DEEPEST), ("unit", unit_id)]  # its latest visit's region
        turns = {visit.month for visit in visits_of_year}
        turns.update(
            m for m in range(visits_of_year[0].month + 1, 13) if policy_of_month[m] is not policy_of_month[m - 1]
        )
        used: dict[str, set[str]] = {ACROSS_LEVELS: set()}
        offices: list[tuple[str, str]] = []  # each office that counted a visit, in the order of its first
        counted, metric_before, offices_before = 0, None, 0
        for month in sorted(turns):
            while counted < len(visits_of_year) and visits_of_year[counted].month <= month:
                visit = visits_of_year[counted]
                _use(used, visit)
                if ("office", visit.office_id) not in offices:
                    offices.append(("office", visit.office_id))
                counted += 1
            policy = policy_of_month[month]
            metric = _judged(used, policy) if policy else None
            if metric != metric_before:  # every scope leaves its old standing and takes the new one
                if metric_before is not None:
                    add([*scopes, *offices[:offices_before]], year, month, metric_before, -1)
                if metric is not None:
                    add([*scopes, *offices], year, month, metric, 1)
            elif metric is not None:  # the offices new to the unit take its standing
                add(offices[offices_before:], year, month, metric, 1)
            metric_before, offices_before = metric, len(offices)
    return found


def changes(before: States, after: States) -> dict[tuple, int]:
    """What to add to the stored states to turn `before` into `after` (zeros left out)."""
    return {key: after[key] - before[key] for key in before.keys() | after.keys() if after[key] != before[key]}
