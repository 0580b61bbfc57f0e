from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from strawberry.dataloader import DataLoader

from wurao_common.auth import Caller
from wurao_common.ids import is_uuid
from wurao_inspection.adapters import feedback, reference, visits
from wurao_inspection.domain.feedback import Finding
from wurao_inspection.domain.items import CodedItem
from wurao_inspection.domain.visits import Visit
from wurao_inspection.usecases.deps import Deps


@dataclass
class InspectionContext:
    caller: Caller
    deps: Deps
    clock: Callable[[], datetime]
    visit_loader: DataLoader[str, Visit | None] = field(init=False)
    item_loader: DataLoader[str, CodedItem | None] = field(init=False)
    finding_loader: DataLoader[str, Finding | None] = field(init=False)
    findings_of_visit: DataLoader[str, list[Finding]] = field(init=False)
    _negative_list: list[dict[str, str]] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        pool = self.deps.pool

        def by_uuid(get_many):
            """A batch loader that answers None for ids that are not UUIDs instead of sending them to PostgreSQL
            (asyncpg would fail the whole batch, and so every other entity of the request)."""

            async def load(ids: list[str]) -> list:
                found = await get_many(pool, [key for key in ids if is_uuid(key)])
                return [found.get(key) for key in ids]

            return load

        async def load_findings_of_visits(ids: list[str]) -> list[list[Finding]]:
            found = await feedback.findings_of_visits(pool, [key for key in ids if is_uuid(key)])
            return [found.get(visit_id, []) for visit_id in ids]

        load_visits = by_uuid(visits.get_many)
        load_items = by_uuid(reference.items)
        load_findings = by_uuid(feedback.findings)

        self.visit_loader = DataLoader(load_fn=load_visits)
        self.item_loader = DataLoader(load_fn=load_items)
        self.finding_loader = DataLoader(load_fn=load_findings)
        self.findings_of_visit = DataLoader(load_fn=load_findings_of_visits)

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
