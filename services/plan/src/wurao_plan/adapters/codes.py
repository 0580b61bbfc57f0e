"""PostgreSQL access for codes: the item as coding sees it, the number counters, the codes, the signing keys."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from wurao_plan.domain.codes import MAX_SEQUENCE, CodableItem, ItemCode

Connection = asyncpg.Connection | asyncpg.Pool


@dataclass(frozen=True)
class SigningKey:
    key_id: int
    public_key: str
    published_at: datetime


async def codable_item(conn: asyncpg.Connection, item_id: uuid.UUID) -> CodableItem | None:
    """The item with its office, locked until the transaction ends so it is coded or revoked once."""
    row = await conn.fetchrow(
        """SELECT i.*, o.name AS office_name, o.level AS office_level, o.kind AS office_kind,
                  o.region_code AS office_region, o.approver_office_id AS office_approver_id
           FROM items i JOIN offices o ON o.id = i.office_id WHERE i.id = $1 FOR UPDATE OF i""",
        item_id,
    )
    if row is None:
        return None
    return CodableItem(
        id=str(row["id"]),
        status=row["status"],
        year=row["year"],
        kind=row["kind"],
        title=row["title"],
        basis=row["basis"],
        content=row["content"],
        scope_regions=list(row["scope_regions"]),
        scope_unit_kinds=list(row["scope_unit_kinds"]),
        window_start=row["window_start"],
        window_end=row["window_end"],
        inspectors=row["inspectors"],
        per_unit_cap=row["per_unit_cap"],
        exemption=row["exemption"],
        exemption_reason=row["exemption_reason"],
        emergency=row["emergency"],
        office_id=row["office_id"],
        office_name=row["office_name"],
        office_level=row["office_level"],
        office_kind=row["office_kind"],
        office_region=row["office_region"],
        office_approver_id=row["office_approver_id"],
    )


async def next_sequence(conn: asyncpg.Connection, prefix: str) -> int | None:
    """The next number under `prefix`, or None when the year's numbers are used up.

    The counter row stays locked until the transaction ends: a rollback returns the number, so none is skipped.
    """
    return await conn.fetchval(
        """INSERT INTO code_counters AS c (prefix, last_sequence) VALUES ($1, 1)
           ON CONFLICT (prefix) DO UPDATE SET last_sequence = c.last_sequence + 1 WHERE c.last_sequence < $2
           RETURNING last_sequence""",
        prefix,
        MAX_SEQUENCE,
    )


async def insert(conn: asyncpg.Connection, code: ItemCode, coded_by: str) -> None:
    await conn.execute(
        """INSERT INTO item_codes (item_id, number, token, key_id, not_before, expires, coded_at, coded_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        uuid.UUID(code.item_id),
        code.number,
        code.token,
        code.key_id,
        code.not_before,
        code.expires,
        code.coded_at,
        coded_by,
    )
    await conn.execute(
        "UPDATE items SET status = 'coded', code_number = $2, updated_at = $3 WHERE id = $1",
        uuid.UUID(code.item_id),
        code.number,
        code.coded_at,
    )


async def revoke(conn: asyncpg.Connection, item_id: uuid.UUID, *, by: str, reason: str, at: datetime) -> None:
    await conn.execute(
        "UPDATE item_codes SET revoked_at = $2, revoked_by = $3, revoke_reason = $4 WHERE item_id = $1",
        item_id,
        at,
        by,
        reason,
    )
    await conn.execute("UPDATE items SET status = 'revoked', updated_at = $2 WHERE id = $1", item_id, at)


async def get_many(conn: Connection, item_ids: Sequence[uuid.UUID]) -> dict[str, ItemCode]:
    rows = await conn.fetch(
        """SELECT c.*, i.office_id, o.region_code AS office_region
           FROM item_codes c JOIN items i ON i.id = c.item_id JOIN offices o ON o.id = i.office_id
           WHERE c.item_id = ANY($1::uuid[])""",
        list(item_ids),
    )
    return {str(row["item_id"]): _code(row) for row in rows}


def _code(row: asyncpg.Record) -> ItemCode:
    return ItemCode(
        item_id=str(row["item_id"]),
        number=row["number"],
        token=row["token"],
        key_id=row["key_id"],
        not_before=row["not_before"],
        expires=row["expires"],
        coded_at=row["coded_at"],
        office_id=row["office_id"],
        office_region=row["office_region"],
        revoked_at=row["revoked_at"],
        revoke_reason=row["revoke_reason"],
    )


@dataclass(frozen=True)
class PublicSummary:
    """What anyone holding a code may read: nothing about any unit."""

    code: ItemCode
    title: str
    office_name: str
    window_start: date
    window_end: date


async def public_summary(conn: Connection, item_id: uuid.UUID, token: str) -> PublicSummary | None:
    """The code issued with exactly this token, with its item's title and window and its office's name."""
    row = await conn.fetchrow(
        """SELECT c.*, i.office_id, o.region_code AS office_region, o.name AS office_name, i.title, i.window_start,
                  i.window_end
           FROM item_codes c JOIN items i ON i.id = c.item_id JOIN offices o ON o.id = i.office_id
           WHERE c.item_id = $1 AND c.token = $2""",
        item_id,
        token,
    )
    if row is None:
        return None
    return PublicSummary(
        code=_code(row),
        title=row["title"],
        office_name=row["office_name"],
        window_start=row["window_start"],
        window_end=row["window_end"],
    )


async def publish_key(conn: asyncpg.Connection, key_id: int, public_key: str) -> SigningKey | None:
    """Records the key unless its id is known; returns it only when it is new."""
    row = await conn.fetchrow(
        """INSERT INTO signing_keys (key_id, public_key) VALUES ($1, $2)
           ON CONFLICT (key_id) DO NOTHING RETURNING key_id, public_key, published_at""",
        key_id,
        public_key,
    )
    return SigningKey(**row) if row else None


async def signing_keys(conn: Connection) -> list[SigningKey]:
    rows = await conn.fetch("SELECT key_id, public_key, published_at FROM signing_keys ORDER BY key_id")
    return [SigningKey(**row) for row in rows]
