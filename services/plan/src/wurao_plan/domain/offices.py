"""Supervision offices (督查室) and inspecting departments, and who approves their plans."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass

from wurao_common.auth import Role
from wurao_common.outcomes import Invalid


class OfficeLevel(enum.StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"

    @property
    def region_digits(self) -> int:
        return {OfficeLevel.PROVINCE: 2, OfficeLevel.CITY: 4, OfficeLevel.COUNTY: 6}[self]

    @property
    def role(self) -> Role:
        """The JWT role of the people who act for an office of this level."""
        return {
            OfficeLevel.PROVINCE: Role.PROVINCE_OFFICE,
            OfficeLevel.CITY: Role.CITY_OFFICE,
            OfficeLevel.COUNTY: Role.COUNTY_OFFICE,
        }[self]

    @classmethod
    def of_region(cls, region: str) -> OfficeLevel | None:
        return {2: cls.PROVINCE, 4: cls.CITY, 6: cls.COUNTY}.get(len(region))


class OfficeKind(enum.StrEnum):
    SUPERVISION = "supervision"  # 督查室: plans, approves the level below, codes
    DEPARTMENT = "department"  # an inspecting bureau, approved by the supervision office of its own level


@dataclass(frozen=True)
class Office:
    id: str
    name: str
    level: str
    kind: str
    region: str
    approver_office_id: str | None
    yearly_baseline: int


_OFFICE_ID = re.compile(r"([0-9]{2}|[0-9]{4}|[0-9]{6})-[a-z0-9]{2,16}")  # fullmatch: no trailing newline


def check_new_office(office_id: str, name: str, region: str, yearly_baseline: int) -> Invalid | None:
    if OfficeLevel.of_region(region) is None:
        return Invalid("region", "an office sits at province (2 digits), city (4) or county (6) level")
    if not _OFFICE_ID.fullmatch(office_id) or office_id.split("-", 1)[0] != region:
        return Invalid("id", f"must be '<region>-<2 to 16 lowercase letters or digits>', e.g. '{region}-dcs'")
    if not 1 <= len(name.strip()) <= 100:
        return Invalid("name", "1 to 100 characters")
    if not 0 <= yearly_baseline <= 1000:
        return Invalid("yearlyBaseline", "between 0 and 1000")
    return None


def default_approver(kind: OfficeKind, region: str, supervision_offices: Iterable[Office]) -> Office | None:
    """The supervision office one level up; for a department, the supervision office of its own region.

    None for the province's own supervision office, which has nobody above it (its plan is approved inside the
    office, by someone other than its author).
    """
    level = OfficeLevel.of_region(region)
    if level is None:
        return None
    if kind is OfficeKind.DEPARTMENT:
        wanted = region
    elif level is OfficeLevel.PROVINCE:
        return None
    else:
        wanted = region[: level.region_digits - 2]
    return next((o for o in supervision_offices if o.kind == OfficeKind.SUPERVISION and o.region == wanted), None)
