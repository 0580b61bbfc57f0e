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
    policies = list({p.version: p for p in reversed(policies)}.values())  # of one version, the first wins
    visits = list({visit.visit_id: visit for visit in reversed(visits)}.values())
    known = await stored.learn(conn, visits, policies)
    versions = {policy.version for policy in known.policies}
    fresh = [policy for policy in policies if policy.version not in versions]
    after = [*known.visits, *(visit for visit in visits if visit.visit_id in known.added)]
    return changes(states(known.visits, known.policies), states(after, [*known.policies, *fresh]))
