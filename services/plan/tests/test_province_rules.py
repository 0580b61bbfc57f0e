"""Pure rules for cap policies and the negative list."""

from datetime import UTC, date, datetime

import pytest

from wurao_common.auth import Caller, Role
from wurao_plan.domain.caps import (
    DEFAULT_LIMITS,
    CapLimits,
    CapPolicy,
    effective_from_problem,
    in_effect,
    limits_problem,
    may_publish_province_rules,
    may_read_province_rules,
)
from wurao_plan.domain.negative_list import DEFAULT_ENTRIES, Entry, entries_problem
from wurao_plan.domain.offices import Office, OfficeKind

PUBLISHED = datetime(2024, 1, 1, tzinfo=UTC)


def policy(version: int, effective_from: date) -> CapPolicy:
    return CapPolicy(version=version, effective_from=effective_from, limits=DEFAULT_LIMITS, published_at=PUBLISHED)


def test_the_default_caps_are_two_per_level_four_across_one_per_item():
    assert CapLimits({"province": 2, "city": 2, "county": 2}, 4, 1) == DEFAULT_LIMITS
    assert limits_problem(DEFAULT_LIMITS) is None


@pytest.mark.parametrize(
    ("limits", "field"),
    [
        (CapLimits({"province": 2, "city": 2}, 4, 1), "perLevelPerYear"),
        (CapLimits({"province": 2, "city": 0, "county": 2}, 4, 1), "perLevelPerYear.city"),
        (CapLimits({"province": 2, "city": 2, "county": 2}, 0, 1), "acrossLevelsPerYear"),
        (CapLimits({"province": 2, "city": 2, "county": 2}, 4, 101), "defaultPerItemPerUnit"),
    ],
)
def test_caps_must_cover_every_level_and_stay_in_range(limits, field):
    assert limits_problem(limits)[0] == field


def test_a_policy_never_takes_effect_in_the_past_nor_before_its_predecessor_nor_after_next_year():
    latest = policy(2, date(2026, 3, 1))
    assert effective_from_problem(date(2026, 1, 9), date(2026, 1, 10), None) is not None
    assert effective_from_problem(date(2026, 2, 1), date(2026, 1, 10), latest) is not None
    assert effective_from_problem(date(2026, 3, 1), date(2026, 1, 10), latest) is None
    assert effective_from_problem(date(2027, 12, 31), date(2026, 1, 10), latest) is None
    # years off, it would hold every later version back until then
    assert effective_from_problem(date(2028, 1, 1), date(2026, 1, 10), latest) is not None
    assert effective_from_problem(date(9999, 12, 31), date(2026, 1, 10), latest) is not None


def test_the_policy_in_effect_is_the_newest_version_whose_date_has_come():
    versions = [policy(1, date(2024, 1, 1)), policy(2, date(2026, 3, 1)), policy(3, date(2026, 3, 1))]
    assert in_effect(versions, date(2023, 12, 31)) is None
    assert in_effect(versions, date(2026, 2, 28)).version == 1
    assert in_effect(versions, date(2026, 3, 1)).version == 3


PROVINCE_SUPERVISION = Office("43-dcs", "湖南省委督查室", "province", OfficeKind.SUPERVISION, "43", None, 40)


@pytest.mark.parametrize(
    ("role", "region", "reads", "publishes"),
    [
        (Role.PROVINCE_OFFICE, "43", True, True),
        (Role.PROVINCE_OFFICE, "4310", True, False),
        (Role.CITY_OFFICE, "4310", True, False),
        (Role.OBSERVER, "43", True, False),
        (Role.UNIT, "431024106201", True, False),
        (Role.OBSERVER, "44", False, False),
    ],
)
def test_everyone_in_the_province_reads_its_rules_only_its_office_publishes_them(role, region, reads, publishes):
    caller = Caller(subject="someone", role=role, region=region, office_id="43-dcs")
    assert may_read_province_rules(caller) is reads
    assert may_publish_province_rules(caller, PROVINCE_SUPERVISION) is publishes


def test_a_province_department_does_not_publish_the_rules_that_restrain_it():
    department = Office("43-yjt", "湖南省应急管理厅", "province", OfficeKind.DEPARTMENT, "43", "43-dcs", 10)
    caller = Caller(subject="someone", role=Role.PROVINCE_OFFICE, region="43", office_id="43-yjt")
    assert may_publish_province_rules(caller, department) is False
    assert may_publish_province_rules(caller, None) is False, "an office plan does not know publishes nothing"
    impostor = Caller(subject="someone", role=Role.PROVINCE_OFFICE, region="43", office_id="43-yjt")
    assert may_publish_province_rules(impostor, PROVINCE_SUPERVISION) is False, "the office must be the caller's"


def test_the_default_negative_list_is_publishable_and_names_the_design_briefs_entries():
    assert entries_problem(list(DEFAULT_ENTRIES)) is None
    texts = " ".join(entry.text for entry in DEFAULT_ENTRIES)
    for demand in ("资料材料", "记录纪要", "配套举措", "陪同", "汇报", "大队伍", "刚部署"):
        assert demand in texts


@pytest.mark.parametrize(
    ("entries", "field"),
    [
        ([], "entries"),
        ([Entry("N01", "a")] * 2, "entries"),
        ([Entry("1N", "a")], "entries[0].code"),
        ([Entry("N01\n", "a")], "entries[0].code"),  # a trailing newline once passed (`$`)
        ([Entry("N01", "a"), Entry("N02", "x" * 301)], "entries[1].text"),
    ],
)
def test_a_negative_list_needs_unique_well_formed_entries(entries, field):
    assert entries_problem(entries)[0] == field
