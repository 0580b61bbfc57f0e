"""Where and when an event counts, what it adds, and how a period compares with the year before: no I/O."""

from datetime import UTC, datetime

from wurao_reporting.domain import tallies, timeline
from wurao_reporting.domain.figures import Compared, Period, Sums
from wurao_reporting.domain.periods import Month, month_of, month_within_year, region_ancestors
from wurao_reporting.testing import complaint, visit


def test_a_village_code_lies_in_its_township_county_city_and_province():
    assert region_ancestors("431024106201") == ["43", "4310", "431024", "431024106", "431024106201"]
    assert region_ancestors("4310") == ["43", "4310"]
    assert region_ancestors("431024106201", deepest=6) == ["43", "4310", "431024"]


def test_months_are_china_time():
    assert month_of(datetime(2025, 12, 31, 16, 30, tzinfo=UTC)) == Month(2026, 1)
    assert month_of(datetime(2026, 3, 31, 15, 59, tzinfo=UTC)) == Month(2026, 3)


def test_an_item_step_taken_outside_its_year_counts_at_that_years_edge():
    assert month_within_year(2027, datetime(2026, 11, 5, tzinfo=UTC)) == Month(2027, 1)
    assert month_within_year(2026, datetime(2027, 1, 5, tzinfo=UTC)) == Month(2026, 12)
    assert month_within_year(2026, datetime(2026, 5, 5, tzinfo=UTC)) == Month(2026, 5)


def test_a_visit_counts_in_every_region_above_its_unit_for_its_office_and_unit():
    tally = tallies.visit(visit().data)
    assert tally.metrics == {"visits.counted": 1}
    assert tally.scopes() == [
        ("region", "43"),
        ("region", "4399"),
        ("region", "439901"),
        ("region", "439901101"),
        ("region", "439901101201"),
        ("office", "439901-dcs"),
        ("unit", "439901101201-cwh"),
    ]


def test_an_exempt_late_emergency_visit_is_not_counted_but_is_flagged():
    tally = tallies.visit(visit(counted=False, registration="emergency", late=True).data)
    assert tally.metrics == {"visits.exempt": 1, "visits.emergency": 1, "visits.late": 1}


def test_a_complaint_counts_no_deeper_than_the_county_and_never_for_its_unit():
    tally = tallies.complaint(complaint().data)
    assert tally.scopes() == [("region", "43"), ("region", "4399"), ("region", "439901"), ("office", "439901-dcs")]


def test_days_to_close_are_counted_in_china_dates():
    opened = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # 2 March, 00:00 China time
    closed = datetime(2026, 3, 11, 15, 59, tzinfo=UTC)  # 11 March, 23:59
    data = {"onTime": False, "officeId": "o", "responsibleUnitId": "u"}
    tally = tallies.task_closed(data, at=closed, region="439901101201", opened_at=opened)
    assert tally.metrics == {"tasks.closed_late": 1, "tasks.days_to_close": 9, "tasks.closed_measured": 1}
    unseen = tallies.task_closed(data, at=closed, region="439901101201", opened_at=None)
    assert unseen.metrics == {"tasks.closed_late": 1}


def test_a_period_is_compared_with_the_same_months_a_year_earlier():
    sums = Sums({(2026, 1, "m"): 3, (2026, 4, "m"): 5, (2025, 1, "m"): 4, (2025, 7, "m"): 9})
    assert sums.compared(Period("2026-Q1", 2026, (1, 2, 3)), "m") == Compared(3, 4)
    assert Compared(3, 4).change == -1
    assert Compared(3, 4).change_percent == -25.0
    assert Compared(2, 0).change_percent is None
    assert sums.compared(Period("2026", 2026, tuple(range(1, 13))), "m") == Compared(8, 13)


def test_a_breakdown_lists_known_keys_then_unknown_ones():
    sums = Sums({(2026, 1, "refusals.new_reason"): 1, (2026, 1, "refusals.no_code"): 2})
    assert sums.keys("refusals.", ("no_code", "cap_reached")) == ["no_code", "cap_reached", "new_reason"]


def test_a_complaint_step_keeps_its_kind_and_never_its_author_or_text():
    data = complaint(item_id="i").data
    assert timeline.detail("inspection.complaint.filed", data) == {"kind": "over_cap"}
    assert timeline.unit_shown("inspection.complaint.filed", data["unitId"]) is None
    assert timeline.says("inspection.complaint.filed", {"kind": "over_cap"}) == "减负投诉：超频次督查"


def test_a_step_says_the_values_it_names_in_words_and_a_value_it_does_not_know_as_sent():
    assert timeline.says("inspection.visit.checked_in", {"registration": "on_site"}) == "现场督查（扫码签到）"
    assert timeline.says("inspection.refusal.recorded", {"reason": "cap_reached"}) == "拒绝检查：频次已满"
    finding = {"severity": "medium", "proposedDeadline": "2026-12-20"}
    assert timeline.says("inspection.finding.recorded", finding) == "发现问题（较重），建议整改期限 2026-12-20"
    assert timeline.says("inspection.refusal.recorded", {"reason": "new_reason"}) == "拒绝检查：new_reason"
    # A field that is free text elsewhere keeps its words: a rejected filing's reason is the approver's own.
    assert timeline.says("plan.filing.rejected", {"reason": "cap_reached"}) == "备案被驳回：cap_reached"


def test_a_reminder_and_an_escalation_say_which_deadline_they_are_for():
    # An approved extension brings the new deadline's own reminder and escalations: the steps must tell them apart.
    assert timeline.says("rectification.task.reminded", {"deadline": "2026-05-01"}) == "整改到期提醒：期限 2026-05-01"
    escalated = timeline.says("rectification.task.escalated", {"level": 1, "deadline": "2026-06-01"})
    assert escalated == "逾期上报（第 1 级，期限 2026-06-01）"


def test_every_step_says_something_even_with_fields_missing():
    for event_type in timeline.STEPS:
        assert timeline.says(event_type, {})


def test_a_joint_visits_other_items_count_for_their_office_alone():
    tally = tallies.visit(visit(countsTowardUnit=False, jointVisitId="j").data)
    assert tally.scopes() == [("office", "439901-dcs")]
    assert tallies.visit(visit(countsTowardUnit=True).data).scopes()[-1] == ("unit", "439901101201-cwh")
