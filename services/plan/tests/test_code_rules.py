"""Pure rules for codes: numbering, validity windows, the scan URL, who may code, read and revoke."""

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from wurao_common.auth import Caller, Role
from wurao_plan.domain.codes import (
    CodableItem,
    ItemCode,
    code_number,
    coding_problem,
    may_code,
    may_read_code,
    may_revoke,
    number_prefix,
    scan_base_url_problem,
    validity,
)

ITEM = CodableItem(
    id="0b6f0c1e-8f3a-4a53-9a0c-2f4a1f7d9e11",
    status="approved",
    year=2025,
    kind="inspection",
    title="汛期防汛备汛专项督查",
    basis="汛期将至",
    content="",
    scope_regions=["431024106"],
    scope_unit_kinds=[],
    window_start=date(2025, 6, 1),
    window_end=date(2025, 6, 30),
    inspectors=[],
    per_unit_cap=1,
    exemption=None,
    exemption_reason=None,
    emergency=False,
    office_id="431024-yjj",
    office_name="嘉禾县应急管理局",
    office_level="county",
    office_kind="department",
    office_region="431024",
    office_approver_id="431024-dcs",
)


def caller(role: Role, region: str, office: str | None = None) -> Caller:
    return Caller(subject="someone", role=role, region=region, office_id=office)


@pytest.mark.parametrize(
    ("kind", "region", "year", "prefix"),
    [
        ("supervision", "431024", 2025, "DC43102425"),
        ("department", "431024", 2025, "BM43102425"),
        ("supervision", "4310", 2026, "DC43100026"),
        ("supervision", "43", 2030, "DC43000030"),
    ],
)
def test_the_number_prefix_is_kind_letters_six_digit_region_and_two_digit_year(kind, region, year, prefix):
    assert number_prefix(kind, region, year) == prefix


def test_the_sequence_is_five_digits_and_never_overflows_silently():
    assert code_number("DC43102425", 7) == "DC4310242500007"
    with pytest.raises(ValueError):
        code_number("DC43102425", 100_000)


def test_a_code_is_valid_from_the_first_day_0000_to_the_last_day_2400_china_time():
    not_before, expires = validity(date(2025, 6, 1), date(2025, 6, 30))
    assert not_before == datetime(2025, 5, 31, 16, 0, tzinfo=UTC)
    assert expires == datetime(2025, 6, 30, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize("status", ["draft", "coded", "active", "completed", "revoked", "cancelled"])
def test_only_approved_items_can_be_coded(status):
    assert "only approved items" in coding_problem(replace(ITEM, status=status), datetime(2025, 6, 1, tzinfo=UTC))
    assert coding_problem(ITEM, datetime(2025, 6, 1, tzinfo=UTC)) is None


def test_an_item_whose_window_is_over_cannot_be_coded():
    assert coding_problem(ITEM, datetime(2025, 6, 30, 16, 0, tzinfo=UTC)) == "the item's window ended on 2025-06-30"
    assert coding_problem(ITEM, datetime(2025, 6, 30, 15, 59, tzinfo=UTC)) is None


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        (caller(Role.COUNTY_OFFICE, "431024", "431024-yjj"), True),
        (caller(Role.COUNTY_OFFICE, "431024", "431024-dcs"), False),  # its approver codes its own items only
        (caller(Role.CITY_OFFICE, "4310", "4310-dcs"), False),  # a higher office does not code for it
        (caller(Role.COUNTY_OFFICE, "430112", "431024-yjj"), False),  # the office claim outside its region
        (caller(Role.INSPECTOR, "431024", "431024-yjj"), False),
        (caller(Role.UNIT, "431024", "431024-yjj"), False),
    ],
)
def test_only_the_items_own_office_codes_it(who, allowed):
    assert may_code(who, ITEM) is allowed


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        (caller(Role.COUNTY_OFFICE, "431024", "431024-yjj"), True),  # the issuing office
        (caller(Role.COUNTY_OFFICE, "431024", "431024-dcs"), True),  # the office that approves its plans
        (caller(Role.CITY_OFFICE, "4310", "4310-dcs"), True),  # above it
        (caller(Role.PROVINCE_OFFICE, "43", "43-dcs"), True),
        (caller(Role.COUNTY_OFFICE, "431024", "431024-other"), False),  # a peer in the same county
        (caller(Role.CITY_OFFICE, "4301", "4301-dcs"), False),  # above, but another city
        (caller(Role.COUNTY_OFFICE, "431024106", "431024-yjj"), False),  # its claim, but not its region
        (caller(Role.OBSERVER, "43"), False),
        (caller(Role.INSPECTOR, "431024"), False),
    ],
)
def test_the_issuing_office_its_approver_or_an_office_above_may_revoke(who, allowed):
    assert may_revoke(who, ITEM) is allowed


CODE = ItemCode(
    item_id=ITEM.id,
    number="BM4310242500001",
    token="t",
    key_id=1,
    not_before=datetime(2025, 6, 1, tzinfo=UTC),
    expires=datetime(2025, 7, 1, tzinfo=UTC),
    coded_at=datetime(2025, 5, 20, tzinfo=UTC),
    office_id="431024-yjj",
    office_region="431024",
)


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        (caller(Role.COUNTY_OFFICE, "431024", "431024-dcs"), True),  # offices in reach, the issuing one or not
        (caller(Role.CITY_OFFICE, "4310", "4310-dcs"), True),
        (caller(Role.OBSERVER, "43"), True),
        (caller(Role.INSPECTOR, "431024", "431024-yjj"), True),  # an inspector of the issuing office
        (caller(Role.INSPECTOR, "431024", "431024-dcs"), False),  # another office's inspector in the same county
        (caller(Role.INSPECTOR, "431024"), False),  # an inspector of no office
        (caller(Role.INSPECTOR, "430112", "431024-yjj"), False),  # its office's claim, outside the office's region
        (caller(Role.CITY_OFFICE, "4301", "4301-dcs"), False),
        (caller(Role.UNIT, "431024"), False),
    ],
)
def test_codes_are_read_by_offices_and_observers_in_reach_inspectors_only_their_offices_never_units(who, allowed):
    assert may_read_code(who, CODE) is allowed


@pytest.mark.parametrize(
    ("url", "production", "fine"),
    [
        ("https://wurao.example/s/", True, True),
        ("https://wurao.example/scan?t=", True, True),
        ("http://127.0.0.1:4000/s/", False, True),
        ("http://wurao.example/s/", True, False),  # plain HTTP only in development
        ("https://wurao.example/s", True, False),  # the token would run into the path
        ("https://wurao.example/s/#", True, False),
        ("wurao.example/s/", False, False),
        ("https://无扰.example/s/", True, False),
        ("https://" + "w" * 69 + "/s/", True, True),  # 80 characters
        ("https://" + "w" * 70 + "/s/", True, False),  # 81: the QR code would outgrow version 12-Q
    ],
)
def test_the_scan_base_url_is_checked_at_start_up(url, production, fine):
    assert (scan_base_url_problem(url, production=production) is None) is fine
