"""Inspected units (被督查单位): village and community committees, township governments, parks, schools…"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from wurao_common.ids import is_region_code
from wurao_common.outcomes import Invalid


class UnitKind(enum.StrEnum):
    VILLAGE_COMMITTEE = "village_committee"
    COMMUNITY_COMMITTEE = "community_committee"
    TOWNSHIP_GOVERNMENT = "township_government"
    COUNTY_DEPARTMENT = "county_department"
    PARK = "park"
    SCHOOL = "school"
    HOSPITAL = "hospital"
    ENTERPRISE = "enterprise"
    OTHER = "other"


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    kind: UnitKind
    region: str


def check_new_unit(name: str, region: str) -> Invalid | None:
    if not 1 <= len(name.strip()) <= 100:
        return Invalid("name", "1 to 100 characters")
    if not is_region_code(region):
        return Invalid("region", "a region code of 2, 4, 6, 9 or 12 digits")
    return None
