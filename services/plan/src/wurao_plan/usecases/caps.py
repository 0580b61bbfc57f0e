"""Publishing cap policies: only the province office, never retroactive, history kept."""

from __future__ import annotations

from datetime import UTC, date, datetime

import asyncpg

from wurao_common.auth import Caller
from wurao_common.bus import outbox
from wurao_common.bus.envelope import Event
from wurao_common.outcomes import Invalid, NotAllowed
from wurao_plan.adapters import caps, offices
from wurao_plan.domain.caps import (
    DEFAULT_LIMITS,
    PROVINCE,
    CapLimits,
    CapPolicy,
    effective_from_problem,
    event_data,
    limits_problem,
    may_publish_province_rules,
)
from wurao_plan.domain.codes import CHINA
from wurao_plan.usecases.negative_list import seed_negative_list

# Hunan has run undisturbed supervision since 2024.
DEFAULT_EFFECTIVE_FROM = date(2024, 1, 1)


async def _publish(conn: asyncpg.Connection, policy: CapPolicy, published_by: str) -> CapPolicy | None:
    stored = await caps.insert(conn, policy, published_by)
    if stored is not None:
        await outbox.record(
            conn,
            Event(
                type="plan.cap_policy.published",
                region=PROVINCE,
                subject=f"cap-policy/{stored.version}",
                data=event_data(stored),
            ),
        )
    return stored


async def publish_cap_policy(
    pool: asyncpg.Pool, caller: Caller, effective_from: date, limits: CapLimits, *, now: datetime | None = None
) -> CapPolicy | NotAllowed | Invalid:
    if not may_publish_province_rules(caller, await offices.get(pool, caller.office_id)):
        return NotAllowed("only the province supervision office publishes cap policies")
    problem = limits_problem(limits)
    if problem:
        return Invalid(*problem)
    now = now or datetime.now(UTC)
    async with pool.acquire() as conn, conn.transaction():
        await caps.lock_for_publishing(conn)
        versions = await caps.all_versions(conn)
        latest = versions[-1] if versions else None
        problem = effective_from_problem(effective_from, now.astimezone(CHINA).date(), latest)
        if problem:
            return Invalid("effectiveFrom", problem)
        policy = CapPolicy(
            version=(latest.version if latest else 0) + 1,
            effective_from=effective_from,
            limits=limits,
            published_at=now,
        )
        stored = await _publish(conn, policy, caller.subject)
    assert stored is not None  # the table lock makes the next version ours
    return stored


async def seed_policies(conn: asyncpg.Connection) -> None:
    """The province's default rules (cap policy and negative list, version 1), each announced once."""
    async with conn.transaction():
        default = CapPolicy(
            version=1, effective_from=DEFAULT_EFFECTIVE_FROM, limits=DEFAULT_LIMITS, published_at=datetime.now(UTC)
        )
        await _publish(conn, default, "seed")
    await seed_negative_list(conn)
