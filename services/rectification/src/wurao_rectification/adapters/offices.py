"""Offices, as plan announces them: what an escalation needs to name the office it goes to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

SUPERVISION = "supervision"  # the kind plan gives a supervision office (督查室)


async def save(conn: asyncpg.Connection, data: Mapping[str, Any]) -> None:
    """The first announcement of an office is kept (plan never re-registers an id)."""
    await conn.execute(
        "INSERT INTO offices (office_id, kind, region) VALUES ($1, $2, $3) ON CONFLICT (office_id) DO NOTHING",
        data["officeId"],
        data["kind"],
        data["region"],
    )


async def supervision_office(conn: asyncpg.Connection, region: str) -> str | None:
    """The supervision office (督查室) of exactly this region, if plan has announced it."""
    return await conn.fetchval(
        "SELECT office_id FROM offices WHERE kind = 'supervision' AND region = $1 ORDER BY office_id LIMIT 1", region
    )
