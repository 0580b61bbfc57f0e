"""Plan's facts a scan is judged on, held in this replica's memory (wurao_common.mirror): coded items with their
office and any revocation, units, and the cap policy in effect on a day.

Each is read from PostgreSQL on first use and forgotten when a change of its rows commits (migration 010), on any
replica: a revocation consumed by one replica is seen by every replica's next scan once the notification arrives.
Held only while the app listens for those changes (`watch`); otherwise every read goes to PostgreSQL. Check-ins
read theirs from PostgreSQL, in the statement that takes their locks (reference.facts with a hold).
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from datetime import date, datetime

import asyncpg

from wurao_common.mirror import Mirror, RowChanges
from wurao_inspection.adapters import reference
from wurao_inspection.domain import caps
from wurao_inspection.domain.caps import CapPolicy, Counter
from wurao_inspection.domain.items import CodedItem, Unit
from wurao_inspection.domain.periods import china_year

_Built = tuple[CodedItem, CapPolicy, tuple[Counter, ...], tuple[Counter, ...]]


class HeldReference:
    def __init__(self, pool: asyncpg.Pool):
        self._pool = pool
        self.items: Mirror[CodedItem] = Mirror(lambda ids: reference.items(pool, list(ids)))
        self.units: Mirror[Unit] = Mirror(lambda ids: reference.units(pool, list(ids)))
        self.policies: Mirror[CapPolicy] = Mirror(self._policies, size=64)  # by day (ISO date)
        self._counters: OrderedDict[tuple[str, str, int], _Built] = OrderedDict()
        self._counters_size = 4096

    def watch(self, changes: RowChanges) -> None:
        changes.mirror(self.items, "items")
        changes.mirror(self.items, "revocations")  # keyed by the item's id too
        changes.mirror(self.items, "offices", whole=True)  # an item carries its office's name
        changes.mirror(self.units, "units")
        changes.mirror(self.policies, "cap_policies", whole=True)

    async def _policies(self, days: list[str]) -> dict[str, CapPolicy]:
        found = {day: await reference.policy_in_effect(self._pool, date.fromisoformat(day)) for day in days}
        return {day: policy for day, policy in found.items() if policy is not None}

    async def facts(self, item_id: uuid.UUID, unit_id: str, on: date) -> reference.Facts:
        """What a scan is judged on, as `reference.facts` reads it without a request id or counted visits. One
        after the other: each held one answers at once, and they are held but for a replica's first scans."""
        return reference.Facts(
            item=await self.items.get(str(item_id)),
            unit=await self.units.get(unit_id),
            policy=await self.policies.get(on.isoformat()),
            earlier=None,
        )

    def counters(
        self, unit_id: str, item: CodedItem, policy: CapPolicy, at: datetime
    ) -> tuple[tuple[Counter, ...], tuple[Counter, ...]]:
        """What a scan at `at` shows (caps.shown_counters) and what a counted visit then needs room in
        (caps.counters_for), built once per unit, item and year (bounded, least recently used first) and used
        again while the item and the policy are the very ones this replica holds: a change of their rows makes the
        mirrors read new ones, and the counters are built again from those."""
        key = (unit_id, item.id, china_year(at))
        built = self._counters.get(key)
        if built is not None and built[0] is item and built[1] is policy:
            self._counters.move_to_end(key)
            return built[2], built[3]
        shown, applicable = caps.shown_counters(unit_id, item, policy, at), caps.counters_for(unit_id, item, policy, at)
        self._counters[key] = (item, policy, shown, applicable)
        if len(self._counters) > self._counters_size:
            self._counters.popitem(last=False)
        return shown, applicable
