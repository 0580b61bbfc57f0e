"""Which units stand at or near a yearly cap: keeps the counted visits and cap policies reporting learnt, and
turns what a batch of events teaches into changes of the stored standings (see domain.caps)."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from wurao_reporting.adapters import caps as stored
from wurao_reporting.domain.caps import CapPolicy, CountedVisit, changes, states


async def learn(
    conn: asyncpg.Connection, visits: Sequence[CountedVisit], policies: Sequence[CapPolicy]
) -> dict[tuple, int]:
    """Stores the visits and policy versions not known yet; returns what to add to the figures, keyed (scope kind,
    scope id, year, month, metric). A new policy may change the standing of every unit from its year on."""
    if not visits and not policies:
        return {}
    known = await stored.policies(conn)
    versions = {policy.version for policy in known}
    fresh = list({p.version: p for p in reversed(policies) if p.version not in versions}.values())  # first wins
    visits = list({visit.visit_id: visit for visit in reversed(visits)}.values())
    before = await stored.visits_of(
        conn,
        {(visit.unit_id, visit.year) for visit in visits},
        from_year=min((policy.effective_from.year for policy in fresh), default=None),
    )
    added = await stored.add_visits(conn, visits)
    await stored.add_policies(conn, fresh)
    after = [*before, *(visit for visit in visits if visit.visit_id in added)]
    return changes(states(before, known), states(after, [*known, *fresh]))
