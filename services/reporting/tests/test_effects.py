"""What a batch's tallies add up to, per scope, month and metric, before anything is written: no I/O."""

from wurao_reporting.domain.periods import Month
from wurao_reporting.domain.tallies import Tally
from wurao_reporting.usecases.effects import Effects


def test_tallies_add_up_per_scope_month_and_metric_whatever_their_values():
    effects = Effects()
    december, november = Month(2026, 12), Month(2026, 11)
    effects.count(Tally(december, "431024", {"tasks.closed_late": 1, "tasks.days_to_close": 9}, office_id="o1"))
    effects.count(Tally(december, "4310", {"tasks.closed_late": 1, "tasks.days_to_close": 0}, office_id="o1"))
    effects.count(Tally(december, "431024", {"items.planned": -1}, office_id="o2"))
    effects.count(Tally(december, "431024", {"items.planned": 1}, office_id="o2"))
    effects.count(Tally(november, "43", {"visits.counted": 1}, unit_id="u1"))
    effects.count(Tally(december, "43", {"visits.exempt": 1}, office_id="o3", office_only=True))

    assert effects.sums == {
        ("region", "43", 2026, 12, "tasks.closed_late"): 2,
        ("region", "4310", 2026, 12, "tasks.closed_late"): 2,
        ("region", "431024", 2026, 12, "tasks.closed_late"): 1,
        ("office", "o1", 2026, 12, "tasks.closed_late"): 2,
        ("region", "43", 2026, 12, "tasks.days_to_close"): 9,
        ("region", "4310", 2026, 12, "tasks.days_to_close"): 9,
        ("region", "431024", 2026, 12, "tasks.days_to_close"): 9,
        ("office", "o1", 2026, 12, "tasks.days_to_close"): 9,
        # a step and its undoing in one batch still write their (zero) sum, as each figure they touched
        ("region", "43", 2026, 12, "items.planned"): 0,
        ("region", "4310", 2026, 12, "items.planned"): 0,
        ("region", "431024", 2026, 12, "items.planned"): 0,
        ("office", "o2", 2026, 12, "items.planned"): 0,
        ("region", "43", 2026, 11, "visits.counted"): 1,
        ("unit", "u1", 2026, 11, "visits.counted"): 1,
        ("office", "o3", 2026, 12, "visits.exempt"): 1,
    }
    assert effects.changed == {"43", "4310", "431024"}
