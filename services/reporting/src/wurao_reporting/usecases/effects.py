"""What applying events writes besides the state later events read: facts, figures, regions, notifications.

Gathered in memory and written with one statement each, so a batch of events costs a handful of round trips.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

import asyncpg

from wurao_reporting.adapters import changes, facts, figures, knowledge
from wurao_reporting.domain.caps import CapPolicy, CountedVisit
from wurao_reporting.domain.tallies import Tally
from wurao_reporting.usecases import cap_standing


@dataclass
class Effects:
    # (year, month, metric) -> (kind, scope) -> delta: a tally's scopes are counted into one Counter per metric at C
    # speed (`Counter.update`), not one 5-tuple key at a time (what counting cost most per event); `sums` flattens them
    by_period: defaultdict = field(default_factory=lambda: defaultdict(Counter))
    facts: list[facts.Fact] = field(default_factory=list)
    regions: dict[tuple[str, str], str] = field(default_factory=dict)  # (offices|units, id) -> region
    changed: set[str] = field(default_factory=set)  # regions whose figures changed
    counted_visits: list[CountedVisit] = field(default_factory=list)  # what caps count
    cap_policies: list[CapPolicy] = field(default_factory=list)
    # (kind, scope, year, month opened, deadline) -> open tasks, and of them those awaiting verification
    open_tasks: defaultdict = field(default_factory=lambda: defaultdict(int))
    awaiting_verification: defaultdict = field(default_factory=lambda: defaultdict(int))

    def count(self, tally: Tally) -> None:
        scopes, year, month = tally.scopes(), tally.month.year, tally.month.month
        for metric, value in tally.metrics.items():
            by_scope = self.by_period[(year, month, metric)]
            if value == 1:
                by_scope.update(scopes)
            else:
                for scope in scopes:
                    by_scope[scope] += value
        self.changed.add(tally.region)

    @property
    def sums(self) -> dict[tuple[str, str, int, int, str], int]:
        """The deltas keyed (scope kind, scope id, year, month, metric), each key once."""
        return {
            (kind, scope, year, month, metric): delta
            for (year, month, metric), by_scope in self.by_period.items()
            for (kind, scope), delta in by_scope.items()
        }

    def count_open(self, task: Tally, deadline: date, delta: int, *, awaiting_verification: bool) -> None:
        """A task opened (1) or closed (-1), or its deadline moved (-1 at the old, 1 at the new): its open count in
        every scope `task` names (`tallies.open_task`), and its count awaiting verification if it does."""
        self._count(self.open_tasks, task, deadline, delta)
        if awaiting_verification:
            self._count(self.awaiting_verification, task, deadline, delta)

    def count_awaiting_verification(self, task: Tally, deadline: date, delta: int) -> None:
        """An open task the unit submitted (1) or that was sent back (-1): not overdue while it awaits verification."""
        self._count(self.awaiting_verification, task, deadline, delta)

    def _count(self, counts: defaultdict, task: Tally, deadline: date, delta: int) -> None:
        for kind, scope in task.scopes():
            counts[(kind, scope, task.month.year, task.month.month, deadline)] += delta
        self.changed.add(task.region)

    async def write(self, conn: asyncpg.Connection) -> None:
        """Writes everything gathered; listeners hear of the changed regions when, and only if, it commits."""
        await facts.record_many(conn, self.facts)
        for table in ("offices", "units"):
            known = {entity: region for (kind, entity), region in self.regions.items() if kind == table}
            await knowledge.remember_regions(conn, table, known)
        for (kind, scope, year, month, metric), delta in (
            await cap_standing.learn(conn, self.counted_visits, self.cap_policies)
        ).items():
            self.by_period[(year, month, metric)][(kind, scope)] += delta
            if kind == "region":
                self.changed.add(scope)
        await figures.add_many(conn, self.sums)
        await figures.add_open_tasks(conn, self.open_tasks, self.awaiting_verification)
        if self.changed:
            await changes.notify(conn, sorted(self.changed))
