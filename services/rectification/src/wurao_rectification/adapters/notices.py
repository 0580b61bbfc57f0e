from __future__ import annotations

import asyncpg

from wurao_rectification.domain.schedule import Notice


async def claim(conn: asyncpg.Connection, task_id: str, notice: Notice, target_office_id: str | None) -> bool:
    """Records the notice as sent (to the office, for an escalation); False when it already was for its deadline, so
    it is never sent twice."""
    inserted = await conn.fetchval(
        """INSERT INTO task_notices (task_id, deadline, level, target_region, due_at, target_office_id)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (task_id, deadline, level) DO NOTHING RETURNING true""",
        task_id,
        notice.deadline,
        notice.level,
        notice.target_region,
        notice.at,
        target_office_id,
    )
    return bool(inserted)


async def address_to(conn: asyncpg.Connection, office_id: str, region: str) -> None:
    """Escalations to the region sent before plan announced its supervision office go to that office now, so that
    its list of escalated tasks holds them too (their events, already out, keep saying it was not known)."""
    await conn.execute(
        # level 0 is a reminder, which goes to no office; `level > 0` as written lets the partial index serve
        """UPDATE task_notices SET target_office_id = $1
           WHERE target_region = $2 AND target_office_id IS NULL AND level > 0""",
        office_id,
        region,
    )
