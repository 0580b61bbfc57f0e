"""What inspection knows of plan's coded items and registered units (kept from plan's events)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

from wurao_common.auth import within_region
from wurao_inspection.domain.periods import end_of_day


class Level(enum.StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"

    @property
    def above(self) -> Level | None:
        return {Level.COUNTY: Level.CITY, Level.CITY: Level.PROVINCE}.get(self)

    @property
    def region_digits(self) -> int:
        return {Level.PROVINCE: 2, Level.CITY: 4, Level.COUNTY: 6}[self]


@dataclass(frozen=True)
class Inspector:
    """A member of an item's inspection group. `id` names them within inspection: the item's code number and
    their place in the group (`DC4310242600001/1`), stable because a code's group is never rewritten."""

    name: str
    title: str
    id: str = ""


def group_of(code_number: str, members: list[dict]) -> tuple[Inspector, ...]:
    return tuple(
        Inspector(name=m["name"], title=m.get("title", ""), id=f"{code_number}/{n}") for n, m in enumerate(members, 1)
    )


@dataclass(frozen=True)
class Office:
    id: str
    name: str
    level: Level
    kind: str
    region: str


@dataclass(frozen=True)
class CodedItem:
    id: str
    code_number: str
    key_id: int
    office: Office
    kind: str
    title: str
    basis: str
    content: str
    scope_regions: tuple[str, ...]
    scope_unit_kinds: tuple[str, ...]  # empty: every kind of unit
    window_start: date
    window_end: date
    not_before: datetime
    expires: datetime
    inspectors: tuple[Inspector, ...]
    per_unit_cap: int
    exemption: str | None  # 'complaint' | 'rectification_followup' | 'emergency'
    exemption_reason: str | None
    emergency: bool
    year: int
    revoked_reason: str | None = None

    @property
    def exempt(self) -> bool:
        """Exempt items are admitted and recorded, never counted against a cap."""
        return self.exemption is not None

    @property
    def revoked(self) -> bool:
        return self.revoked_reason is not None

    @property
    def ends_at(self) -> datetime:
        """After this nothing can be checked in under the item: its per-unit counter may go."""
        return max(self.expires, end_of_day(self.window_end))


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    kind: str
    region: str


def scope_problem(item: CodedItem, unit: Unit) -> str | None:
    """Why the unit lies outside the item's scope, or None."""
    if not any(within_region(scope, unit.region) for scope in item.scope_regions):
        return f"{unit.name} ({unit.region}) is outside the regions this item covers: {', '.join(item.scope_regions)}"
    if item.scope_unit_kinds and unit.kind not in item.scope_unit_kinds:
        return f"this item covers {', '.join(item.scope_unit_kinds)}, not {unit.kind}"
    return None
