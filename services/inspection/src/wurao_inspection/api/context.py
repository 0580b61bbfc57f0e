from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from strawberry.dataloader import DataLoader

from wurao_common.auth import Caller
from wurao_common.ids import is_uuid
from wurao_inspection.adapters import feedback, reference, visits
from wurao_inspection.domain import access
from wurao_inspection.domain.feedback import Finding
from wurao_inspection.domain.items import CodedItem
from wurao_inspection.domain.joint import JointVisit
from wurao_inspection.domain.visits import Visit
from wurao_inspection.usecases.deps import Deps


@dataclass
class InspectionContext:
    caller: Caller
    deps: Deps
    clock: Callable[[], datetime]
    _negative_list: list[dict[str, str]] | None = field(init=False, default=None)

    # The request's DataLoaders, each made when the request first uses it: most use one, if any.
    @cached_property
    def visit_loader(self) -> DataLoader[str, Visit | None]:
        return DataLoader(load_fn=self._by_uuid(visits.get_many))

    @cached_property
    def item_loader(self) -> DataLoader[str, CodedItem | None]:
        return DataLoader(load_fn=self._by_uuid(reference.items))

    @cached_property
    def finding_loader(self) -> DataLoader[str, Finding | None]:
        return DataLoader(load_fn=self._by_uuid(feedback.findings))

    @cached_property
    def findings_of_visit(self) -> DataLoader[str, list[Finding]]:
        return DataLoader(load_fn=self._load_findings_of_visits)

    @cached_property
    def visits_of_item(self) -> DataLoader[tuple[str, int], list[Visit]]:  # (item id, how many)
        return DataLoader(load_fn=self._load_visits_of_items)

    @cached_property
    def joint_loader(self) -> DataLoader[str, JointVisit | None]:
        return DataLoader(load_fn=self._by_uuid(visits.joints))

    def _by_uuid(self, get_many):
        """A batch loader that answers None for ids that are not UUIDs instead of sending them to PostgreSQL
        (asyncpg would fail the whole batch, and so every other entity of the request)."""

        async def load(ids: list[str]) -> list:
            found = await get_many(self.deps.pool, [key for key in ids if is_uuid(key)])
            return [found.get(key) for key in ids]

        return load

    async def _load_findings_of_visits(self, ids: list[str]) -> list[list[Finding]]:
        found = await feedback.findings_of_visits(self.deps.pool, [key for key in ids if is_uuid(key)])
        return [found.get(visit_id, []) for visit_id in ids]

    async def _load_visits_of_items(self, keys: list[tuple[str, int]]) -> list[list[Visit]]:
        """The newest visits of each item the caller may read, one query per page size asked (normally one)."""
        unit_id, office_id = access.visit_scope(self.caller)
        found: dict[tuple[str, int], list[Visit]] = {}
        for limit in {limit for _, limit in keys}:
            item_ids = [item_id for item_id, wanted in keys if wanted == limit]
            by_item = await visits.in_region_for_items(
                self.deps.pool, self.caller.region, item_ids, unit_id=unit_id, office_id=office_id, limit=limit
            )
            found.update({(item_id, limit): by_item[item_id] for item_id in item_ids})
        return [found[key] for key in keys]

    @property
    def pool(self):
        return self.deps.pool

    def now(self) -> datetime:
        return self.clock()

    async def negative_list(self) -> list[dict[str, str]]:
        """Read once per request, however many results show it."""
        if self._negative_list is None:
            self._negative_list = await reference.negative_list(self.deps.pool)
        return self._negative_list
