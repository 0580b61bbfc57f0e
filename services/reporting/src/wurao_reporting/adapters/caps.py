"""The `cap_policies` and `cap_visits` tables: what reporting knows of caps and of visits counted against them."""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import asyncpg

from wurao_reporting.domain.caps import CapPolicy, CountedVisit

_FIELDS = tuple(field.name for field in dataclasses.fields(CountedVisit))
_row_of = operator.attrgetter(*_FIELDS)
# A new policy changes the standing of every unit, and a batch of visits judges its units on the policies it reads:
# a batch with a policy takes this lock alone, others share it, before reading (two-key space: apart from
# knowledge.lock's keys). Two replicas' batches would otherwise each judge without what the other adds.
_POLICIES_LOCK = (0x7775, 0x6361)


@dataclass(frozen=True)
class Learnt:
    """What was stored before a batch, and which of the batch's visits were new."""

    policies: list[CapPolicy]
    visits: list[CountedVisit]  # of the batch's units in the batch's years, and of every unit from `from_year` on
    added: set[str]  # the ids of the batch's visits not known before


async def learn(conn: asyncpg.Connection, visits: Sequence[CountedVisit], policies: Sequence[CapPolicy]) -> Learnt:
    """Stores the visits and policy versions not known yet, in one statement that also reads what was known before
    it (every sub-statement sees the same snapshot): the policies, and the counted visits of the batch's units in
    the batch's years, and of every unit from the year of the earliest new policy on. Rows travel as JSON arrays
    (asyncpg inspects every element of an array parameter in Python). Until the transaction ends, no other batch
    with a policy runs it meanwhile (nor any batch while this one has a policy)."""
    take = "pg_advisory_xact_lock" if policies else "pg_advisory_xact_lock_shared"
    await conn.execute(f"SELECT {take}($1, $2)", *_POLICIES_LOCK)  # its own statement: the next one's snapshot follows
    row = await conn.fetchrow(
        f"""WITH batch AS (
                SELECT r->>0 AS visit_id, r->>1 AS unit_id, r->>2 AS region, (r->>3)::smallint AS year,
                       (r->>4)::smallint AS month, r->>5 AS level, r->>6 AS office_id, r->>7 AS occasion
                FROM jsonb_array_elements($1::jsonb) AS r
            ), fresh AS (
                SELECT (p->>0)::int AS version, (p->>1)::date AS effective_from, p->2 AS yearly
                FROM jsonb_array_elements($2::jsonb) AS p
                WHERE NOT EXISTS (SELECT FROM cap_policies c WHERE c.version = (p->>0)::int)
            ), new_policies AS (
                INSERT INTO cap_policies (version, effective_from, yearly) SELECT * FROM fresh ON CONFLICT DO NOTHING
            ), added AS (
                INSERT INTO cap_visits ({", ".join(_FIELDS)}) SELECT * FROM batch
                ON CONFLICT (visit_id) DO NOTHING RETURNING visit_id
            ), known AS (
                SELECT v.* FROM cap_visits v JOIN (SELECT DISTINCT unit_id, year FROM batch) k USING (unit_id, year)
                UNION SELECT * FROM cap_visits
                WHERE year >= (SELECT min(extract(year FROM effective_from))::smallint FROM fresh)
            )
            SELECT (SELECT coalesce(jsonb_agg(jsonb_build_array(version, effective_from, yearly)), '[]')
                    FROM cap_policies) AS policies,
                   (SELECT coalesce(jsonb_agg(jsonb_build_array({", ".join(_FIELDS)})), '[]') FROM known) AS visits,
                   (SELECT coalesce(array_agg(visit_id), '{{}}') FROM added) AS added""",
        [_row_of(visit) for visit in visits],
        [(policy.version, policy.effective_from.isoformat(), policy.yearly) for policy in policies],
    )
    return Learnt(
        [CapPolicy(version, date.fromisoformat(since), yearly) for version, since, yearly in row["policies"]],
        [CountedVisit(*fields) for fields in row["visits"]],
        set(row["added"]),
    )
