"""Joint inspections (联合检查, "merge what can be merged"): several offices inspect one unit on one occasion.

The unit admits the occasion once, under the codes of every item in it. Each item keeps its own visit (its
findings, completion and story stay its own); the occasion counts once on the unit's yearly counters and
figures, and once on each item's own counter. One refused code refuses the whole joint visit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from wurao_inspection.domain.items import CodedItem, Inspector, Unit
from wurao_inspection.domain.scan import Refused, Valid
from wurao_inspection.domain.visits import Visit, counts_against_caps, new_visit

MIN_ITEMS = 2
MAX_ITEMS = 10


@dataclass(frozen=True)
class JointVisit:
    id: str
    unit_id: str
    unit_region: str
    inspected_at: datetime
    registered_by: str
    lead: Inspector
    present: tuple[Inspector, ...]
    visits: tuple[Visit, ...]

    @property
    def office_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(visit.office_id for visit in self.visits))

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(visit.item_id for visit in self.visits)

    @property
    def counted(self) -> bool:
        return any(visit.counted for visit in self.visits)


@dataclass(frozen=True)
class JointRefused:
    """The whole joint visit is refused, nothing counted: what each code, in the order given, verified as."""

    outcomes: tuple[Valid | Refused, ...]


def codes_problem(codes: Sequence[str]) -> str | None:
    if not MIN_ITEMS <= len(codes) <= MAX_ITEMS:
        return f"the codes of {MIN_ITEMS} to {MAX_ITEMS} items inspected together (one item: checkIn)"
    if len(set(codes)) != len(codes):
        return "each code once"
    return None


def items_problem(items: Sequence[CodedItem]) -> str | None:
    if len({item.id for item in items}) != len(items):
        return "two codes of the same item: each item once"
    return None


def presence(
    items: Sequence[CodedItem], lead_id: str, present_ids: Sequence[str] | None
) -> tuple[Inspector, tuple[Inspector, ...]] | tuple[str, str]:
    """The lead and everyone present, all from the items' inspection groups; (field, problem) otherwise.

    Without `present_ids`, every member of every group on the codes was present. The lead is always present.
    """
    group = {member.id: member for item in items for member in item.inspectors}
    if lead_id not in group:
        return "lead", "name the lead among the inspectors on the codes (e.g. DC4310242600001/1)"
    if present_ids is None:
        return group[lead_id], tuple(group.values())
    unknown = [member for member in present_ids if member not in group]
    if unknown:
        return "inspectorsPresent", f"not on any of the codes: {', '.join(unknown[:5])}"
    return group[lead_id], tuple(group[member] for member in dict.fromkeys([lead_id, *present_ids]))


def new_joint_visit(
    joint_id: str,
    visit_ids: Sequence[str],
    items: Sequence[CodedItem],
    unit: Unit,
    *,
    lead: Inspector,
    present: tuple[Inspector, ...],
    at: datetime,
    registered_by: str,
) -> JointVisit:
    """One visit per item; the first counted item's visit (else the first) stands for the occasion in the unit's
    figures (`counts_toward_unit`), so the unit's yearly visits count it once."""
    standing_for = next((n for n, item in enumerate(items) if counts_against_caps(item, False)), 0)
    visits = tuple(
        new_visit(
            visit_id,
            item,
            unit,
            inspected_at=at,
            registered_at=at,
            registered_by=registered_by,
            inspectors_present=tuple(member for member in present if member in item.inspectors),
            joint_visit_id=joint_id,
            counts_toward_unit=n == standing_for,
        )
        for n, (visit_id, item) in enumerate(zip(visit_ids, items, strict=True))
    )
    return JointVisit(joint_id, unit.id, unit.region, at, registered_by, lead, present, visits)
