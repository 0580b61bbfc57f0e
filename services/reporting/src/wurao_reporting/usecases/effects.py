"""What applying events writes besides the state later events read: facts, figures, regions, notifications.

Gathered in memory and written with one statement each, so a batch of events costs a handful of round trips.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import asyncpg

from wurao_reporting.adapters import changes, facts, figures, knowledge
from wurao_reporting.domain.caps import CapPolicy, CountedVisit
from wurao_reporting.domain.tallies import Tally
from wurao_reporting.usecases import cap_standing


@dataclass
class Effects:
    sums: defaultdict = field(default_factory=lambda: defaultdict(int))  # (kind, scope, year, month, metric) -> delta
    facts: list[facts.Fact] = field(default_factory=list)
    regions: dict[tuple[str, str], str] = field(default_factory=dict)  # (offices|units, id) -> region
    changed: set[str] = field(default_factory=set)  # regions whose figures changed
    counted_visits: list[CountedVisit] = field(default_factory=list)  # what caps count
    cap_policies: list[CapPolicy] = field(default_factory=list)
    open_tasks: defaultdict = field(default_factory=lambda: defaultdict(int))  # (kind, scope, year, month, deadline)

    def count(self, tally: Tally) -> None:
        sums, year, month = self.sums, tally.month.year, tally.month.month
        for kind, scope in tally.scopes():
            for metric, value in tally.metrics.items():
                sums[(kind, scope, year, month, metric)] += value
        self.changed.add(tally.region)

    def count_open(self, task: Tally, deadline: date, delta: int) -> None:
        """A task opened (1) or closed (-1), or its deadline moved (-1 at the old, 1 at the new): its open count in
        every scope `task` names (`tallies.open_task`)."""
        for kind, scope in task.scopes():
            self.open_tasks[(kind, scope, task.month.year, task.month.month, deadline)] += delta
        self.changed.add(task.region)

    async def write(self, conn: asyncpg.Connection) -> None:
        """Writes everything gathered; listeners hear of the changed regions when, and only if, it commits."""
        await facts.record_many(conn, self.facts)
        for table in ("offices", "units"):
            known = {entity: region for (kind, entity), region in self.regions.items() if kind == table}
            await knowledge.remember_regions(conn, table, known)
        for key, delta in (await cap_standing.learn(conn, self.counted_visits, self.cap_policies)).items():
            self.sums[key] += delta
            if key[0] == "region":
                self.changed.add(key[1])
        await figures.add_many(conn, self.sums)
        await figures.add_open_tasks(conn, self.open_tasks)
        if self.changed:
            await changes.notify(conn, sorted(self.changed))
