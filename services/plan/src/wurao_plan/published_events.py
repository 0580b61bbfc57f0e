"""What plan publishes: each event type's payload (`data`), the contract with every subscriber.

The JSON Schemas in docs/events/ are generated from these types (`make events`), and every event the test
suite sees on the bus is validated against them. Change a payload only by adding optional fields; anything
else is a new event type (see docs/events.md, "Versioning").
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

from wurao_common.bus.contract import Date, DateTime, Region
from wurao_plan.domain.items import Exemption, ItemKind
from wurao_plan.domain.offices import OfficeKind, OfficeLevel
from wurao_plan.domain.units import UnitKind


class PlanDrafted(TypedDict):
    planId: str
    officeId: str
    year: int


class PlanSubmitted(TypedDict):
    planId: str
    officeId: str
    year: int
    itemCount: int
    filedCount: int
    baseline: int
    # The year's ceiling (只减不增) and what it was derived from; added after the first release, hence optional.
    ceiling: NotRequired[int]
    lastYearActual: NotRequired[int | None]


class CeilingLowered(TypedDict):
    officeId: str
    year: int
    ceiling: int
    previousCeiling: int
    reason: str
    loweredByOfficeId: str


class PlanReturned(TypedDict):
    planId: str
    officeId: str
    year: int
    reason: str
    approverOfficeId: str


class PlanApproved(TypedDict):
    planId: str
    officeId: str
    year: int
    itemCount: int
    approverOfficeId: str


class ItemFacts(TypedDict):
    """What every item event says about the item: enough for a read model to show and count it."""

    itemId: str
    planId: str | None
    officeId: str
    officeLevel: OfficeLevel
    year: int
    kind: ItemKind
    title: str
    scopeRegions: list[Region]
    scopeUnitKinds: list[UnitKind]
    windowStart: Date
    windowEnd: Date
    perUnitCap: int
    exemption: Exemption | None
    emergency: bool


class ItemRemoved(TypedDict):
    itemId: str
    planId: str
    officeId: str
    # The item's, so that a subscriber hearing this before the item's other events still counts it there; added after
    # the first release, hence optional (the stream keeps a year of events without it).
    year: NotRequired[int]


class ItemCancelled(TypedDict):
    itemId: str
    planId: str | None
    officeId: str
    year: NotRequired[int]  # as for ItemRemoved
    reason: str


class ItemProgressed(TypedDict):
    """activated, completed, reopened: the item's window or its rectification moved it on."""

    itemId: str
    officeId: str
    codeNumber: str
    year: NotRequired[int]  # as for ItemRemoved


class FilingSubmitted(ItemFacts):
    filingId: str
    reason: str


class FilingApproved(TypedDict):
    filingId: str
    itemId: str
    officeId: str
    approverOfficeId: str


class FilingRejected(FilingApproved):
    reason: str


class UnitRegistered(TypedDict):
    unitId: str
    name: str
    kind: UnitKind
    region: Region


class OfficeRegistered(TypedDict):
    officeId: str
    name: str
    level: OfficeLevel
    kind: OfficeKind
    region: Region
    approverOfficeId: str | None
    yearlyBaseline: int


class SigningKeyPublished(TypedDict):
    keyId: int
    publicKey: str
    publishedAt: DateTime


class Inspector(TypedDict):
    name: str
    title: str


class ItemCoded(TypedDict):
    """Everything inspection needs to decide at the gate without asking plan."""

    itemId: str
    codeNumber: str
    keyId: int
    officeId: str
    officeName: str
    officeLevel: OfficeLevel
    officeKind: OfficeKind
    officeRegion: Region
    kind: ItemKind
    title: str
    basis: str
    content: str
    scopeRegions: list[Region]
    scopeUnitKinds: list[UnitKind]
    windowStart: Date
    windowEnd: Date
    notBefore: DateTime
    expires: DateTime
    inspectors: list[Inspector]
    perUnitCap: int
    exemption: Exemption | None
    exemptionReason: str | None
    emergency: bool
    year: int


class ItemRevoked(TypedDict):
    itemId: str
    codeNumber: str
    reason: str


class LevelCaps(TypedDict):
    province: int
    city: int
    county: int


class CapPolicyPublished(TypedDict):
    version: int
    effectiveFrom: Date
    perLevelPerYear: LevelCaps
    acrossLevelsPerYear: int
    defaultPerItemPerUnit: int


class NegativeListEntry(TypedDict):
    code: str
    text: str


class NegativeListPublished(TypedDict):
    version: int
    publishedAt: DateTime
    entries: list[NegativeListEntry]


EVENTS = {
    "plan.plan.drafted": PlanDrafted,
    "plan.plan.submitted": PlanSubmitted,
    "plan.plan.returned": PlanReturned,
    "plan.ceiling.lowered": CeilingLowered,
    "plan.plan.approved": PlanApproved,
    "plan.item.drafted": ItemFacts,
    "plan.item.revised": ItemFacts,
    "plan.item.removed": ItemRemoved,
    "plan.item.approved": ItemFacts,
    "plan.item.cancelled": ItemCancelled,
    "plan.item.activated": ItemProgressed,
    "plan.item.completed": ItemProgressed,
    "plan.item.reopened": ItemProgressed,
    "plan.filing.submitted": FilingSubmitted,
    "plan.filing.approved": FilingApproved,
    "plan.filing.rejected": FilingRejected,
    "plan.unit.registered": UnitRegistered,
    "plan.office.registered": OfficeRegistered,
    "plan.signing_key.published": SigningKeyPublished,
    "plan.item.coded": ItemCoded,
    "plan.item.revoked": ItemRevoked,
    "plan.cap_policy.published": CapPolicyPublished,
    "plan.negative_list.published": NegativeListPublished,
}
