"""The ceiling "only decrease" (只减不增) as pure rules: derived from the years before, lowered, never raised."""

import pytest

from wurao_common.outcomes import Conflict, Invalid
from wurao_plan.domain.ceilings import Lowering, ceiling_of, check_within, lowering_problem


def ceiling(year: int, *, baseline: int = 20, approved=None, lowerings=None):
    return ceiling_of("431024-dcs", year, baseline=baseline, approved=approved or {}, lowerings=lowerings or {})


def test_an_office_without_history_has_its_baseline():
    found = ceiling(2026)
    assert (found.ceiling, found.derived, found.last_year_actual, found.lowering) == (20, 20, None, None)


def test_each_year_is_capped_by_last_years_actual_and_never_rises_when_the_actual_grows():
    approved = {2024: 15, 2025: 18}
    assert ceiling(2025, approved=approved).ceiling == 15
    found = ceiling(2026, approved=approved)
    assert (found.ceiling, found.last_year_actual) == (15, 18), "18 approved last year does not lift 15"
    assert ceiling(2026, approved={2025: 12}).ceiling == 12


def test_a_year_with_nothing_approved_keeps_the_ceiling_of_the_year_before():
    assert ceiling(2027, approved={2024: 15, 2025: 0}).ceiling == 15


def test_a_lowering_holds_for_its_year_and_carries_into_the_years_after():
    lowerings = {2025: Lowering(10, "减负")}
    found = ceiling(2025, approved={2024: 15}, lowerings=lowerings)
    assert (found.ceiling, found.derived, found.lowering) == (10, 15, Lowering(10, "减负"))
    assert ceiling(2026, approved={2024: 15, 2025: 12}, lowerings=lowerings).ceiling == 10
    assert ceiling(2024, approved={2024: 15}, lowerings=lowerings).ceiling == 20, "a later lowering is not retroactive"


def test_going_over_the_ceiling_is_refused_with_this_years_plan_last_years_actual_and_the_ceiling():
    current = ceiling(2026, approved={2025: 12})
    assert check_within(current, planned=10, filed=2) is None
    refused = check_within(current, planned=11, filed=2)
    assert (refused.planned, refused.filed, refused.total, refused.last_year_actual, refused.ceiling) == (
        11,
        2,
        13,
        12,
        12,
    )
    assert "11 planned + 2 filed = 13 items for 2026 exceed the ceiling of 12 (last year 12) by 1" in refused.reason


@pytest.mark.parametrize(
    ("new", "reason", "problem"),
    [
        (12, "减负", Conflict),
        (13, "减负", Conflict),
        (-1, "减负", Invalid),
        (5, " ", Invalid),
    ],
)
def test_a_ceiling_is_only_lowered_with_a_reason(new, reason, problem):
    assert isinstance(lowering_problem(ceiling(2026, approved={2025: 12}), new, reason), problem)
    assert lowering_problem(ceiling(2026, approved={2025: 12}), 11, "减负") is None
