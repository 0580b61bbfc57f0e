"""Every cell of the README's who-may-do-what-where table, checked against domain/access.py (no I/O).

The table is read from services/plan/README.md, so the documentation and the rules cannot drift apart.
"""

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from wurao_common.auth import Caller, Role
from wurao_plan.domain import access
from wurao_plan.domain.items import ItemStatus
from wurao_plan.domain.offices import Office, OfficeKind

README = Path(__file__).parents[1] / "README.md"
ROLES = [role.value for role in Role]


def office(office_id: str, approver: str | None, kind: str = "supervision") -> Office:
    region = office_id.split("-")[0]
    level = {2: "province", 4: "city", 6: "county"}[len(region)]
    return Office(office_id, office_id, level, kind, region, approver, 10)


OFFICES = {
    o.id: o
    for o in (
        office("43-dcs", None),
        office("44-dcs", None),
        office("4401-dcs", "44-dcs"),
        office("4310-dcs", "43-dcs"),
        office("4301-dcs", "43-dcs"),
        office("431024-dcs", "4310-dcs"),
        office("431024-yjj", "431024-dcs", kind="department"),
        office("430112-dcs", "4301-dcs"),
    )
}

# Each role's caller, the office of its region ("home"), and the office it sees as outside.
CALLERS = {
    Role.PROVINCE_OFFICE: (Caller("p", Role.PROVINCE_OFFICE, "43", office_id="43-dcs"), "43-dcs", "44-dcs"),
    Role.CITY_OFFICE: (Caller("c", Role.CITY_OFFICE, "4310", office_id="4310-dcs"), "4310-dcs", "4301-dcs"),
    Role.COUNTY_OFFICE: (Caller("x", Role.COUNTY_OFFICE, "431024", office_id="431024-dcs"), "431024-dcs", "4301-dcs"),
    Role.INSPECTOR: (Caller("i", Role.INSPECTOR, "431024"), "431024-dcs", "4301-dcs"),
    Role.UNIT: (Caller("u", Role.UNIT, "431024106201", unit_id="dfy"), "431024-dcs", "4301-dcs"),
    Role.OBSERVER: (Caller("o", Role.OBSERVER, "4310"), "4310-dcs", "4301-dcs"),
}


def target(caller: Caller, home: str, outside: str, inside: bool) -> tuple[Office, str]:
    """The office acted on, and the region of a unit or item target."""
    if inside:
        return OFFICES[home], caller.region
    return OFFICES[outside], OFFICES[outside].region


def read_unit(caller: Caller, office_: Office, region: str, inside: bool) -> bool:
    unit_id = caller.unit_id if caller.role is Role.UNIT and inside else "another-unit"
    return access.may_read_unit(caller, unit_id, region)


def decide(caller: Caller, office_: Office, region: str, inside: bool) -> bool:
    """A plan of an office that `office_` approves (each target office approves another in OFFICES)."""
    assert any(o.approver_office_id == office_.id for o in OFFICES.values())
    return access.check_decide(caller, office_, frozenset({"the-author"})) is None


def register_office(caller: Caller, office_: Office, region: str, inside: bool) -> bool:
    caller_office = OFFICES.get(caller.office_id) if caller.office_id else None
    return access.check_register_office(caller, caller_office, OfficeKind.DEPARTMENT, office_.region) is None


RULES: dict[str, Callable[[Caller, Office, str, bool], bool]] = {
    "regions.read": lambda caller, office_, region, inside: True,  # public: no rule restricts it
    "office.read": lambda caller, office_, region, inside: access.may_read_office(caller, office_.region),
    "office.register": register_office,
    "unit.read": read_unit,
    "unit.register": lambda caller, office_, region, inside: access.check_register_unit(caller, region) is None,
    "plan.read": lambda caller, office_, region, inside: (
        access.may_read_workings(caller, office_.region)
        and access.may_read_item(caller, office_.region, [region], ItemStatus.DRAFT)
    ),
    "item.read": lambda caller, office_, region, inside: access.may_read_item(
        caller, office_.region, [region], ItemStatus.APPROVED
    ),
    "plan.write": lambda caller, office_, region, inside: access.check_write_plan(caller, office_) is None,
    "plan.decide": decide,
}


def table() -> dict[str, dict[str, tuple[bool, bool]]]:
    text = README.read_text()
    rows = text.split("<!-- access-table")[1].split("\n\n")[0].splitlines()
    found = {}
    for line in rows:
        match = re.match(r"^\| `([a-z.]+)`[^|]*\|(.*)\|$", line)
        if not match:
            continue
        cells = [cell.strip() for cell in match.group(2).split("|")]
        found[match.group(1)] = {
            role: tuple(mark.strip() == "✓" for mark in cell.split("/"))
            for role, cell in zip(ROLES, cells, strict=True)
        }
    return found


TABLE = table()
CELLS = [
    pytest.param(action, role, inside, id=f"{action}-{role}-{'inside' if inside else 'outside'}")
    for action in TABLE
    for role in ROLES
    for inside in (True, False)
]


def test_the_table_covers_every_action_the_rules_know_and_every_role():
    assert set(TABLE) == set(RULES)
    assert all(set(cells) == set(ROLES) for cells in TABLE.values())


@pytest.mark.parametrize(("action", "role", "inside"), CELLS)
def test_each_cell_of_the_access_table_holds(action, role, inside):
    caller, home, outside = CALLERS[Role(role)]
    office_, region = target(caller, home, outside, inside)
    expected = TABLE[action][role][0 if inside else 1]
    assert RULES[action](caller, office_, region, inside) is expected


def test_a_decision_by_the_author_or_submitter_is_refused_even_by_the_approving_office():
    chenzhou = Caller("reviewer", Role.CITY_OFFICE, "4310", office_id="4310-dcs")
    assert access.check_decide(chenzhou, OFFICES["4310-dcs"], frozenset({"author", "reviewer"})) is not None
    assert access.check_decide(chenzhou, OFFICES["4310-dcs"], frozenset({"author"})) is None


def test_a_role_that_does_not_match_its_offices_level_does_not_act_for_it():
    city_role_on_county_office = Caller("x", Role.CITY_OFFICE, "431024", office_id="431024-dcs")
    assert access.check_write_plan(city_role_on_county_office, OFFICES["431024-dcs"]) is not None


def test_a_supervision_office_registers_supervision_offices_below_it_but_not_beside_it():
    chenzhou = Caller("c", Role.CITY_OFFICE, "4310", office_id="4310-dcs")
    jiahe_office = OFFICES["4310-dcs"]
    assert access.check_register_office(chenzhou, jiahe_office, OfficeKind.SUPERVISION, "431024") is None
    assert access.check_register_office(chenzhou, jiahe_office, OfficeKind.SUPERVISION, "4310") is not None
    department = Caller("d", Role.COUNTY_OFFICE, "431024", office_id="431024-yjj")
    assert access.check_register_office(department, OFFICES["431024-yjj"], OfficeKind.DEPARTMENT, "431024") is not None


def test_a_unit_sees_decided_items_that_may_inspect_it_but_not_drafts_nor_items_elsewhere():
    unit = Caller("u", Role.UNIT, "431024106201", unit_id="dfy")
    assert access.may_read_item(unit, "4310", ["431024106"], ItemStatus.CODED)  # a city item scoped to its town
    assert not access.may_read_item(unit, "4310", ["431024106"], ItemStatus.DRAFT)
    assert not access.may_read_item(unit, "4310", ["431024103"], ItemStatus.CODED)  # the neighbouring town
