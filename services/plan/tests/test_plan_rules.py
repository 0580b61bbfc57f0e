"""The plan service's pure rules: items, plans, approvers, the item lifecycle (no I/O)."""

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from wurao_common.outcomes import Conflict
from wurao_plan.domain.items import (
    Exemption,
    Inspector,
    Item,
    ItemDetails,
    ItemKind,
    ItemStatus,
    can_move,
    check_details,
    due_to_activate,
    due_to_complete,
)
from wurao_plan.domain.offices import Office, OfficeKind, check_new_office, default_approver
from wurao_plan.domain.plans import Plan, PlanStatus, check_submission, check_year, planning_year

FLOOD = ItemDetails(
    kind=ItemKind.SUPERVISION,
    title="汛期防汛备汛专项督查",
    basis="隐患点多，汛期临近",
    scope_regions=("431024106", "431024103"),
    window_start=date(2026, 4, 1),
    window_end=date(2026, 12, 31),
    inspectors=(Inspector("陈跃辉", "主任"),),
)


def problem_field(details: ItemDetails, office_region: str = "431024", year: int = 2026) -> str | None:
    problem = check_details(details.normalised(), office_region, year)
    return problem.field if problem else None


def test_a_complete_item_inside_its_offices_region_and_year_passes():
    assert problem_field(FLOOD) is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"basis": ""}, "basis"),
        ({"basis": " \n "}, "basis"),  # blank is no basis: 无问题不督
        ({"basis": "x" * 2001}, "basis"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"content": "x" * 4001}, "content"),
        ({"scope_regions": ()}, "scopeRegions"),
        ({"scope_regions": ("4310",)}, "scopeRegions"),  # wider than the county office's region
        ({"scope_regions": ("430112",)}, "scopeRegions"),  # another county
        ({"scope_regions": ("43102410",)}, "scopeRegions"),  # not a code length
        ({"scope_regions": ("4310241%",)}, "scopeRegions"),
        ({"window_start": date(2026, 5, 1), "window_end": date(2026, 4, 30)}, "windowEnd"),
        ({"window_start": date(2025, 12, 31)}, "windowStart"),
        ({"window_end": date(2027, 1, 1)}, "windowStart"),
        ({"inspectors": ()}, "inspectors"),
        ({"inspectors": tuple(Inspector(f"p{n}", "t") for n in range(11))}, "inspectors"),
        ({"inspectors": (Inspector("", "主任"),)}, "inspectors"),
        ({"per_unit_cap": 0}, "perUnitCap"),
        ({"per_unit_cap": 13}, "perUnitCap"),
        ({"exemption": Exemption.COMPLAINT}, "exemptionReason"),
        ({"exemption": Exemption.COMPLAINT, "exemption_reason": "  "}, "exemptionReason"),
        ({"exemption_reason": "群众投诉"}, "exemptionReason"),
    ],
)
def test_an_item_breaking_a_rule_names_the_field(changes, field):
    assert problem_field(replace(FLOOD, **changes)) == field


def test_normalising_trims_text_and_drops_repeated_regions_keeping_their_order():
    details = replace(FLOOD, title=" 标题 ", scope_regions=("431024103", "431024106", "431024103")).normalised()
    assert details.title == "标题"
    assert details.scope_regions == ("431024103", "431024106")


def test_the_province_office_may_scope_an_item_to_any_region_of_the_province():
    assert problem_field(replace(FLOOD, scope_regions=("430112", "431024106201")), office_region="43") is None


def plan(status: PlanStatus = PlanStatus.DRAFT) -> Plan:
    return Plan(id="p", office_id="431024-dcs", year=2026, status=status, created_by="a")


@pytest.mark.parametrize("status", [PlanStatus.SUBMITTED, PlanStatus.APPROVED])
def test_only_a_draft_or_returned_plan_with_items_is_submitted(status):
    assert isinstance(check_submission(plan(status), planned=1), Conflict)
    assert check_submission(plan(PlanStatus.RETURNED), planned=1) is None
    assert isinstance(check_submission(plan(), planned=0), Conflict)


def test_plans_are_drafted_for_this_year_or_the_next_only():
    assert check_year(2026, 2026) is None
    assert check_year(2027, 2026) is None
    assert check_year(2025, 2026) is not None
    assert check_year(2028, 2026) is not None


def test_the_planning_year_is_chinas_which_turns_at_16_utc_on_new_years_eve():
    assert planning_year(datetime(2026, 12, 31, 15, 59, tzinfo=UTC)) == 2026
    assert planning_year(datetime(2026, 12, 31, 16, 0, tzinfo=UTC)) == 2027


def test_the_authors_of_a_plan_are_its_drafter_and_its_submitter():
    assert replace(plan(), submitted_by="b").authors == {"a", "b"}


SUPERVISION = [
    Office("43-dcs", "省", "province", "supervision", "43", None, 40),
    Office("4310-dcs", "郴州", "city", "supervision", "4310", "43-dcs", 30),
    Office("431024-dcs", "嘉禾", "county", "supervision", "431024", "4310-dcs", 20),
]


@pytest.mark.parametrize(
    ("kind", "region", "approver"),
    [
        (OfficeKind.SUPERVISION, "431024", "4310-dcs"),  # one level up
        (OfficeKind.SUPERVISION, "4310", "43-dcs"),
        (OfficeKind.DEPARTMENT, "431024", "431024-dcs"),  # its own level's supervision office
        (OfficeKind.DEPARTMENT, "4310", "4310-dcs"),
        (OfficeKind.DEPARTMENT, "43", "43-dcs"),
        (OfficeKind.SUPERVISION, "43", None),  # nobody above the province
        (OfficeKind.SUPERVISION, "430112", None),  # Changsha's office is not registered here
    ],
)
def test_the_default_approver_is_the_supervision_office_one_level_up_or_of_a_departments_own_level(
    kind, region, approver
):
    found = default_approver(kind, region, SUPERVISION)
    assert (found.id if found else None) == approver


@pytest.mark.parametrize(
    ("office_id", "region", "field"),
    [
        ("431024-yjj", "431024", None),
        ("431024-YJJ", "431024", "id"),
        ("430112-yjj", "431024", "id"),  # the id names another region
        ("431024106-zf", "431024106", "region"),  # offices sit at province, city or county level
        ("431024-yjj\n", "431024", "id"),  # a trailing newline once passed (`$`), and was stored
        ("٤٣١٠٢٤-yjj", "431024", "id"),  # digits of another script
    ],
)
def test_a_new_offices_id_names_its_region(office_id, region, field):
    problem = check_new_office(office_id, "应急管理局", region, 8)
    assert (problem.field if problem else None) == field


def test_the_item_lifecycle_moves_only_along_its_edges():
    assert can_move(ItemStatus.DRAFT, ItemStatus.APPROVED)
    assert can_move(ItemStatus.APPROVED, ItemStatus.CANCELLED)
    assert can_move(ItemStatus.ACTIVE, ItemStatus.REVOKED)
    assert not can_move(ItemStatus.CODED, ItemStatus.CANCELLED)  # a coded item is revoked with its code
    assert can_move(ItemStatus.COMPLETED, ItemStatus.ACTIVE)  # a task opened after completion reopens it
    assert not can_move(ItemStatus.COMPLETED, ItemStatus.CODED)
    assert not can_move(ItemStatus.REVOKED, ItemStatus.ACTIVE)
    assert not can_move(ItemStatus.DRAFT, ItemStatus.CODED)


def coded(**changes) -> Item:
    return replace(
        Item("i", "431024-dcs", "p", 2026, ItemStatus.CODED, FLOOD, "a", code_number="DC43102426" + "00001"),
        **changes,
    )


def test_a_coded_item_activates_when_its_window_opens():
    assert not due_to_activate(coded(), date(2026, 3, 31))
    assert due_to_activate(coded(), date(2026, 4, 1))
    assert not due_to_activate(coded(status=ItemStatus.APPROVED), date(2026, 4, 1))


def test_an_item_completes_after_its_window_unless_a_rectification_task_is_open():
    assert not due_to_complete(coded(status=ItemStatus.ACTIVE), date(2026, 12, 31))
    assert due_to_complete(coded(status=ItemStatus.ACTIVE), date(2027, 1, 1))
    assert due_to_complete(coded(), date(2027, 1, 1))  # coded, never visited: nothing left to do
    assert not due_to_complete(coded(status=ItemStatus.ACTIVE, rectification_open=True), date(2027, 1, 1))
    assert not due_to_complete(coded(status=ItemStatus.REVOKED), date(2027, 1, 1))
