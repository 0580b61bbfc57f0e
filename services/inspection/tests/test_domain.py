"""The inspection rules without I/O: which caps apply, period keys and lifetimes, scope, window, routing."""

import dataclasses
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from wurao_common.codes import CodeClaims
from wurao_inspection.api.types import scan_outcome
from wurao_inspection.domain import caps, feedback, joint, scan
from wurao_inspection.domain.caps import CapPolicy, CapScope
from wurao_inspection.domain.items import CodedItem, Inspector, Level, Office, Unit, scope_problem
from wurao_inspection.domain.periods import CHINA, KEY_MARGIN, MIN_TTL_SECONDS, china_year, ttl_seconds
from wurao_inspection.domain.visits import counts_against_caps, emergency_problem, is_late

POLICY = CapPolicy(1, date(2020, 1, 1), {"province": 1, "city": 2, "county": 3}, 4, 1)
COUNTY = Office("431024-dcs", "嘉禾县委督查室", Level.COUNTY, "supervision", "431024")
VILLAGE = Unit("u1", "大方元村", "village_committee", "431024106201")


def item(**changes) -> CodedItem:
    values = {
        "id": str(uuid.uuid4()),
        "code_number": "DCS-431024-2026-0001",
        "key_id": 1,
        "office": COUNTY,
        "kind": "supervision",
        "title": "t",
        "basis": "b",
        "content": "c",
        "scope_regions": ("431024",),
        "scope_unit_kinds": (),
        "window_start": date(2026, 3, 1),
        "window_end": date(2026, 3, 31),
        "not_before": datetime(2026, 1, 1, tzinfo=CHINA),
        "expires": datetime(2027, 1, 1, tzinfo=CHINA),
        "inspectors": (Inspector("张三", "组长"),),
        "per_unit_cap": 2,
        "exemption": None,
        "exemption_reason": None,
        "emergency": False,
        "year": 2026,
    }
    return CodedItem(**(values | changes))


def claims_for(coded: CodedItem) -> CodeClaims:
    return CodeClaims(1, uuid.UUID(coded.id), coded.not_before, coded.expires)


def test_a_counted_visit_touches_its_level_this_year_all_levels_this_year_and_its_item():
    coded = item()
    counters = caps.counters_for("u1", coded, POLICY, datetime(2026, 3, 10, tzinfo=CHINA))
    assert [(c.scope, c.level, c.year, c.limit) for c in counters] == [
        (CapScope.LEVEL, Level.COUNTY, 2026, 3),
        (CapScope.ACROSS_LEVELS, None, 2026, 4),
        (CapScope.ITEM, None, None, 2),
    ]


def test_a_city_item_counts_against_the_city_cap_not_the_county_cap():
    city = item(office=Office("4310-dcs", "郴州市委督查室", Level.CITY, "supervision", "4310"))
    level = caps.counters_for("u1", city, POLICY, datetime(2026, 3, 10, tzinfo=CHINA))[0]
    assert (level.level, level.limit) == (Level.CITY, 2)


def test_an_item_without_its_own_cap_takes_the_policy_default():
    assert caps.item_counter("u1", item(per_unit_cap=0), POLICY).limit == POLICY.default_per_item_per_unit


def test_the_year_is_chinas_year_at_the_boundary():
    assert china_year(datetime(2026, 12, 31, 15, 59, 59, tzinfo=UTC)) == 2026
    assert china_year(datetime(2026, 12, 31, 16, 0, 0, tzinfo=UTC)) == 2027
    last = caps.counters_for("u1", item(), POLICY, datetime(2026, 12, 31, 23, 59, 59, tzinfo=CHINA))
    first = caps.counters_for("u1", item(), POLICY, datetime(2027, 1, 1, 0, 0, 0, tzinfo=CHINA))
    assert last[0].key.endswith(":2026")
    assert first[0].key.endswith(":2027")


def test_all_counters_of_one_unit_share_a_hash_slot_tag_and_units_never_share_keys():
    coded = item()
    at = datetime(2026, 3, 10, tzinfo=CHINA)
    mine = caps.counters_for("u1", coded, POLICY, at)
    theirs = caps.counters_for("u2", coded, POLICY, at)
    assert all("{u1}" in counter.key for counter in mine)
    assert not {c.key for c in mine} & {c.key for c in theirs}


def test_a_year_counter_lives_until_the_year_ends_plus_the_margin():
    counter = caps.counters_for("u1", item(), POLICY, datetime(2026, 3, 10, tzinfo=CHINA))[1]
    now = datetime(2026, 12, 31, 0, 0, tzinfo=CHINA)
    assert counter.ttl(now) == int((timedelta(days=1) + KEY_MARGIN).total_seconds())


def test_a_counter_rebuilt_after_its_period_still_expires_soon():
    assert ttl_seconds(datetime(2020, 1, 1, tzinfo=CHINA), datetime(2026, 1, 1, tzinfo=CHINA)) == MIN_TTL_SECONDS


def test_the_item_counter_lives_as_long_as_the_code_can_be_used():
    coded = item(expires=datetime(2026, 4, 1, tzinfo=CHINA), window_end=date(2026, 4, 30))
    assert caps.item_counter("u1", coded, POLICY).ends_at == datetime(2026, 5, 1, tzinfo=CHINA)


def test_tally_counts_only_the_visits_each_counter_covers():
    coded = item()
    counters = caps.counters_for("u1", coded, POLICY, datetime(2026, 3, 10, tzinfo=CHINA))
    visits = [
        *((2026, "county", coded.id, f"a{n}") for n in range(2)),
        (2026, "city", "other", "b"),
        *((2025, "county", coded.id, f"c{n}") for n in range(5)),
    ]
    assert caps.tally(counters, visits) == {counters[0].key: 2, counters[1].key: 3, counters[2].key: 7}


def test_tally_counts_a_joint_visit_once_on_yearly_counters_and_once_per_item():
    first, second = item(), item()
    at = datetime(2026, 3, 10, tzinfo=CHINA)
    counters = caps.joint_counters("u1", [first, second], POLICY, at)
    assert len(counters) == 4, "county level and across levels once, and each item's own counter"
    visits = [(2026, "county", first.id, "joint"), (2026, "county", second.id, "joint")]
    assert caps.tally(counters, visits) == {counter.key: 1 for counter in counters}


def test_standing_is_full_only_for_caps_that_apply():
    coded = item()
    at = datetime(2026, 3, 10, tzinfo=CHINA)
    shown = caps.shown_counters("u1", coded, POLICY, at)
    applicable = caps.counters_for("u1", coded, POLICY, at)
    province = next(c for c in shown if c.level == Level.PROVINCE)
    standing = caps.standing(shown, applicable, {province.key: 1})
    assert [entry.full for entry in standing] == [False] * 5
    assert not next(s for s in standing if s.counter is province).applies


def test_the_newest_policy_in_effect_applies():
    later = CapPolicy(2, date(2026, 7, 1), POLICY.per_level_per_year, 9, 1)
    assert caps.policy_in_effect([POLICY, later], date(2026, 6, 30)) is POLICY
    assert caps.policy_in_effect([POLICY, later], date(2026, 7, 1)) is later
    assert caps.policy_in_effect([later], date(2026, 1, 1)) is None


@pytest.mark.parametrize(
    ("unit", "inside"),
    [
        (VILLAGE, True),
        (Unit("u", "x", "village_committee", "431024"), True),
        (Unit("u", "x", "village_committee", "431025106201"), False),
        (Unit("u", "x", "village_committee", "4310"), False),
    ],
)
def test_scope_regions_cover_their_sub_regions_only(unit, inside):
    assert (scope_problem(item(), unit) is None) is inside


def test_scope_unit_kinds_limit_who_may_be_inspected():
    assert scope_problem(item(scope_unit_kinds=("park",)), VILLAGE) is not None
    assert scope_problem(item(scope_unit_kinds=("park", "village_committee")), VILLAGE) is None


def test_the_window_is_judged_in_china_time_day_by_day():
    coded = item()
    claims = claims_for(coded)
    before = datetime(2026, 2, 28, 23, 59, tzinfo=CHINA)
    first = datetime(2026, 3, 1, 0, 0, tzinfo=CHINA)
    last = datetime(2026, 3, 31, 23, 59, tzinfo=CHINA)
    after = datetime(2026, 4, 1, 0, 0, tzinfo=CHINA)
    assert isinstance(scan.judge(coded, claims, VILLAGE, before), scan.NotYetValid)
    assert scan.judge(coded, claims, VILLAGE, first) is None
    assert scan.judge(coded, claims, VILLAGE, last) is None
    assert isinstance(scan.judge(coded, claims, VILLAGE, after), scan.Expired)


def test_the_tokens_own_expiry_ends_it_even_inside_the_window():
    coded = item()
    claims = CodeClaims(1, uuid.UUID(coded.id), coded.not_before, datetime(2026, 3, 15, tzinfo=CHINA))
    assert isinstance(scan.judge(coded, claims, VILLAGE, datetime(2026, 3, 20, tzinfo=CHINA)), scan.Expired)


def test_revocation_is_told_before_anything_else():
    coded = item(revoked_reason="计划调整")
    outside = Unit("u", "x", "park", "4301")
    verdict = scan.judge(coded, claims_for(coded), outside, datetime(2030, 1, 1, tzinfo=CHINA))
    assert verdict == scan.Revoked(coded, "计划调整")


def test_exempt_items_do_not_count_unless_registered_late():
    exempt = item(exemption="complaint", exemption_reason="投诉线索")
    assert not counts_against_caps(exempt, late=False)
    assert counts_against_caps(exempt, late=True)
    assert counts_against_caps(item(), late=False)


def test_an_emergency_registration_is_late_after_the_grace_period():
    inspected = datetime(2026, 3, 1, 9, 0, tzinfo=CHINA)
    grace = timedelta(days=10)
    assert not is_late(inspected, inspected + grace, grace)
    assert is_late(inspected, inspected + grace + timedelta(seconds=1), grace)


def test_only_emergency_items_register_afterwards_and_never_in_advance():
    now = datetime(2026, 3, 10, tzinfo=CHINA)
    assert emergency_problem(item(), now - timedelta(days=1), now, "险情")[0] == "code"
    assert emergency_problem(item(emergency=True), now + timedelta(hours=1), now, "险情")[0] == "inspectedAt"
    assert emergency_problem(item(emergency=True), now - timedelta(days=1), now, "  ")[0] == "reason"
    assert emergency_problem(item(emergency=True), now - timedelta(days=1), now, "堤坝险情") is None


@pytest.mark.parametrize(
    ("office", "level", "region"),
    [
        (Office("431024-yjj", "县应急局", Level.COUNTY, "department", "431024"), Level.CITY, "4310"),
        (Office("4310-dcs", "市委督查室", Level.CITY, "supervision", "4310"), Level.PROVINCE, "43"),
        (Office("43-dcs", "省委督查室", Level.PROVINCE, "supervision", "43"), Level.PROVINCE, "43"),
    ],
)
def test_a_complaint_goes_one_level_above_the_office_complained_about(office, level, region):
    assert feedback.route_complaint(office, "431024106201") == feedback.Route(level, region)


def test_a_complaint_about_an_unknown_office_goes_to_the_units_county():
    assert feedback.route_complaint(None, "431024106201") == feedback.Route(Level.COUNTY, "431024")


def test_ratings_are_withheld_while_the_year_is_open_and_the_average_until_enough_units_rated():
    enough = feedback.MIN_RATINGS_SHOWN
    assert feedback.shown_ratings(enough + 4, 40, closed=False) == (None, None), "a live figure tells who rated how"
    assert feedback.shown_ratings(enough - 1, 16, closed=True) == (enough - 1, None)
    assert feedback.shown_ratings(6, 26, closed=True) == (6, 4.33)


def test_a_joint_visit_stands_once_for_the_unit_on_its_first_counted_item():
    exempt, counted = item(exemption="complaint"), item()
    lead = counted.inspectors[0]
    occasion = joint.new_joint_visit(
        "j1",
        ["v1", "v2"],
        [exempt, counted],
        VILLAGE,
        lead=lead,
        present=(lead,),
        at=datetime(2026, 3, 10, tzinfo=CHINA),
        registered_by="user-1",
    )
    assert [visit.counts_toward_unit for visit in occasion.visits] == [False, True]
    assert [visit.occasion for visit in occasion.visits] == ["j1", "j1"]
    assert occasion.counted


def test_the_lead_and_those_present_must_be_on_the_codes():
    first = item(code_number="A-1", inspectors=(Inspector("张三", "组长", "A-1/1"), Inspector("李四", "组员", "A-1/2")))
    second = item(code_number="B-1", inspectors=(Inspector("王五", "组长", "B-1/1"),))
    assert joint.presence([first, second], "C-1/1", None)[0] == "lead"
    assert joint.presence([first, second], "A-1/1", ["B-9/9"])[0] == "inspectorsPresent"
    lead, present = joint.presence([first, second], "B-1/1", ["A-1/2"])
    assert lead.name == "王五"
    assert [member.id for member in present] == ["B-1/1", "A-1/2"], "the lead is present"
    assert len(joint.presence([first, second], "A-1/1", None)[1]) == 3, "unnamed: the whole groups were present"


def test_a_joint_visit_takes_two_to_ten_distinct_codes():
    assert joint.codes_problem(["a"])
    assert joint.codes_problem(["a"] * 11)
    assert joint.codes_problem(["a", "a"])
    assert joint.codes_problem(["a", "b"]) is None


def test_scans_of_one_held_item_share_its_graphql_value_and_a_changed_item_shows_its_new_values():
    held = item(title="before")
    first = scan_outcome(scan.Valid(held, ()))
    assert scan_outcome(scan.OutOfScope(held, "elsewhere")).item is first.item
    assert first.item.title == "before"
    changed = dataclasses.replace(held, title="after")  # what the mirror holds once it heard of a change
    assert scan_outcome(scan.Valid(changed, ())).item.title == "after"
    assert scan_outcome(scan.Revoked(changed, "withdrawn")).item.title == "after"
