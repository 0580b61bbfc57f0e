"""Items (督查事项): what may be inspected, why, where, when, by whom and how often; and their lifecycle."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import date

from wurao_common.ids import is_region_code
from wurao_common.outcomes import Invalid
from wurao_plan.domain import regions
from wurao_plan.domain.units import UnitKind

MAX_SCOPE_REGIONS = 50
# An inspection group, not an entourage: the negative list forbids large ones.
MAX_INSPECTORS = 10
MAX_PER_UNIT_CAP = 12


class ItemKind(enum.StrEnum):
    SUPERVISION = "supervision"  # 督查
    INSPECTION = "inspection"  # 检查
    ASSESSMENT = "assessment"  # 考核
    RESEARCH = "research"  # 调研


class Exemption(enum.StrEnum):
    """Why an item's visits are recorded but not counted against the caps."""

    COMPLAINT = "complaint"
    RECTIFICATION_FOLLOWUP = "rectification_followup"
    EMERGENCY = "emergency"


class ItemStatus(enum.StrEnum):
    DRAFT = "draft"  # in a draft, submitted or returned plan, or in a filing awaiting its decision
    APPROVED = "approved"
    CODED = "coded"
    ACTIVE = "active"
    COMPLETED = "completed"
    REVOKED = "revoked"
    CANCELLED = "cancelled"
    REJECTED = "rejected"  # its filing was rejected


_NEXT: dict[ItemStatus, frozenset[ItemStatus]] = {
    ItemStatus.DRAFT: frozenset({ItemStatus.APPROVED, ItemStatus.REJECTED}),
    ItemStatus.APPROVED: frozenset({ItemStatus.CODED, ItemStatus.CANCELLED}),
    ItemStatus.CODED: frozenset({ItemStatus.ACTIVE, ItemStatus.COMPLETED, ItemStatus.REVOKED}),
    ItemStatus.ACTIVE: frozenset({ItemStatus.COMPLETED, ItemStatus.REVOKED}),
    # A task opened by a finding whose event arrived after the sweep completed the item: it is not done yet.
    ItemStatus.COMPLETED: frozenset({ItemStatus.ACTIVE}),
}


def can_move(current: ItemStatus, target: ItemStatus) -> bool:
    return target in _NEXT.get(current, frozenset())


@dataclass(frozen=True)
class Inspector:
    name: str
    title: str


@dataclass(frozen=True)
class ItemDetails:
    """What the office writes for an item; the rest of an item is its place in the workflow."""

    kind: ItemKind
    title: str
    basis: str
    scope_regions: tuple[str, ...]
    window_start: date
    window_end: date
    inspectors: tuple[Inspector, ...]
    content: str = ""
    scope_unit_kinds: tuple[UnitKind, ...] = ()
    per_unit_cap: int = 1
    exemption: Exemption | None = None
    exemption_reason: str | None = None
    emergency: bool = False

    def normalised(self) -> ItemDetails:
        """Trimmed text, duplicates dropped (order kept), a blank exemption reason as none."""
        return replace(
            self,
            title=self.title.strip(),
            basis=self.basis.strip(),
            content=self.content.strip(),
            scope_regions=tuple(dict.fromkeys(code.strip() for code in self.scope_regions)),
            scope_unit_kinds=tuple(dict.fromkeys(self.scope_unit_kinds)),
            inspectors=tuple(Inspector(i.name.strip(), i.title.strip()) for i in self.inspectors),
            exemption_reason=(self.exemption_reason or "").strip() or None,
        )


@dataclass(frozen=True)
class Item:
    id: str
    office_id: str
    plan_id: str | None  # None: filed one-off (一事一报)
    year: int
    status: ItemStatus
    details: ItemDetails
    created_by: str
    code_number: str | None = None
    cancel_reason: str | None = None
    rectification_open: bool = False  # a rectification task for it is open (from rectification's events)


def check_details(details: ItemDetails, office_region: str, year: int) -> Invalid | None:
    """The rules an item's text must meet, on normalised details. Region existence is checked against the
    directory by the use case."""
    checks = (
        _check_text(details),
        _check_scope(details, office_region),
        _check_window(details, year),
        _check_group(details),
        _check_exemption(details),
    )
    return next((problem for problem in checks if problem), None)


def _check_text(details: ItemDetails) -> Invalid | None:
    if not 1 <= len(details.title) <= 200:
        return Invalid("title", "1 to 200 characters")
    if not details.basis:
        return Invalid("basis", "state the problem or lead that justifies the item (无问题不督)")
    if len(details.basis) > 2000:
        return Invalid("basis", "at most 2000 characters")
    if len(details.content) > 4000:
        return Invalid("content", "at most 4000 characters")
    return None


def _check_scope(details: ItemDetails, office_region: str) -> Invalid | None:
    if not 1 <= len(details.scope_regions) <= MAX_SCOPE_REGIONS:
        return Invalid("scopeRegions", f"1 to {MAX_SCOPE_REGIONS} regions")
    for code in details.scope_regions:
        if not is_region_code(code):
            return Invalid("scopeRegions", f"{code!r} is not a region code of 2, 4, 6, 9 or 12 digits")
        if not regions.within(code, office_region):
            return Invalid("scopeRegions", f"{code} lies outside the office's region {office_region}")
    return None


def _check_window(details: ItemDetails, year: int) -> Invalid | None:
    if details.window_start > details.window_end:
        return Invalid("windowEnd", "the window ends before it starts")
    if details.window_start.year != year or details.window_end.year != year:
        return Invalid("windowStart", f"the window must lie within {year}")
    return None


def _check_group(details: ItemDetails) -> Invalid | None:
    if not 1 <= len(details.inspectors) <= MAX_INSPECTORS:
        return Invalid("inspectors", f"an inspection group of 1 to {MAX_INSPECTORS} people")
    for inspector in details.inspectors:
        if not 1 <= len(inspector.name) <= 50 or not 1 <= len(inspector.title) <= 50:
            return Invalid("inspectors", "each inspector needs a name and a title of 1 to 50 characters")
    if not 1 <= details.per_unit_cap <= MAX_PER_UNIT_CAP:
        return Invalid("perUnitCap", f"between 1 and {MAX_PER_UNIT_CAP} visits per unit")
    return None


def _check_exemption(details: ItemDetails) -> Invalid | None:
    if details.exemption is None and details.exemption_reason:
        return Invalid("exemptionReason", "a reason without an exemption; name the exemption or drop the reason")
    if details.exemption is not None and not details.exemption_reason:
        return Invalid("exemptionReason", "an exemption from the caps needs its reason")
    if details.exemption_reason and len(details.exemption_reason) > 500:
        return Invalid("exemptionReason", "at most 500 characters")
    return None


def check_reason(field: str, reason: str) -> Invalid | None:
    """Returns, rejections and cancellations say why."""
    if not 1 <= len(reason.strip()) <= 1000:
        return Invalid(field, "give a reason of 1 to 1000 characters")
    return None


def due_to_activate(item: Item, today: date) -> bool:
    """A coded item becomes active when its window opens."""
    return item.status is ItemStatus.CODED and item.details.window_start <= today


def due_to_reopen(item: Item) -> bool:
    """A completed item with a rectification task open is not done (办结 needs every task closed)."""
    return item.status is ItemStatus.COMPLETED and item.rectification_open


def due_to_complete(item: Item, today: date) -> bool:
    """Completed (办结) once the window is over and no rectification task for it is open."""
    return (
        item.status in (ItemStatus.CODED, ItemStatus.ACTIVE)
        and not item.rectification_open
        and today > item.details.window_end
    )
