"""Coding (赋码), revoking, and publishing the keys that let anyone verify a code offline."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg

from wurao_common.auth import Caller
from wurao_common.bus import outbox
from wurao_common.bus.envelope import Event
from wurao_common.codes import CodeClaims, sign
from wurao_common.config import SettingsError
from wurao_common.outcomes import Conflict, Invalid, NotAllowed
from wurao_plan.adapters import codes
from wurao_plan.domain.caps import PROVINCE
from wurao_plan.domain.codes import (
    MAX_SEQUENCE,
    CodableItem,
    ItemCode,
    code_number,
    coded_event_data,
    coding_problem,
    may_code,
    may_revoke,
    number_prefix,
    reason_problem,
    validity,
)
from wurao_plan.settings import CodeSigning


async def publish_signing_key(pool: asyncpg.Pool, signing: CodeSigning) -> None:
    """At start-up: a new key is recorded and announced; a known id must carry the same key."""
    async with pool.acquire() as conn, conn.transaction():
        published = await codes.publish_key(conn, signing.key_id, signing.public_key)
        if published is None:
            known = next(key for key in await codes.signing_keys(conn) if key.key_id == signing.key_id)
            if known.public_key != signing.public_key:
                raise SettingsError(
                    f"setting CODE_SIGNING_KEY_ID: key id {signing.key_id} already names another public key; "
                    "a rotated key needs a new id so codes signed before stay verifiable"
                )
            return
        await outbox.record(
            conn,
            Event(
                type="plan.signing_key.published",
                region=PROVINCE,
                subject=f"signing-key/{published.key_id}",
                data={
                    "keyId": published.key_id,
                    "publicKey": published.public_key,
                    "publishedAt": published.published_at.isoformat(),
                },
            ),
        )


async def _item_for(conn: asyncpg.Connection, caller: Caller, item_id: str) -> CodableItem | NotAllowed:
    """The locked item, or the same refusal whether it is missing or outside the caller's region."""
    try:
        parsed = uuid.UUID(item_id)
    except ValueError:
        parsed = None
    item = await codes.codable_item(conn, parsed) if parsed else None
    if item is None or not caller.can_reach(item.office_region):
        return NotAllowed(f"there is no item {item_id} in your region")
    return item


async def code_item(
    pool: asyncpg.Pool, caller: Caller, item_id: str, signing: CodeSigning, *, now: datetime | None = None
) -> ItemCode | NotAllowed | Conflict:
    """The item's office gives an approved item its number and signed token."""
    now = now or datetime.now(UTC)
    async with pool.acquire() as conn, conn.transaction():
        item = await _item_for(conn, caller, item_id)
        if isinstance(item, NotAllowed):
            return item
        if not may_code(caller, item):
            return NotAllowed(f"only {item.office_name} codes its items")
        problem = coding_problem(item, now)
        if problem:
            return Conflict(problem)
        prefix = number_prefix(item.office_kind, item.office_region, item.year)
        sequence = await codes.next_sequence(conn, prefix)
        if sequence is None:
            return Conflict(f"all {MAX_SEQUENCE} numbers under {prefix} are used")
        not_before, expires = validity(item.window_start, item.window_end)
        claims = CodeClaims(key_id=signing.key_id, item_id=uuid.UUID(item.id), not_before=not_before, expires=expires)
        code = ItemCode(
            item_id=item.id,
            number=code_number(prefix, sequence),
            token=sign(signing.private_key, signing.key_id, claims),
            key_id=signing.key_id,
            not_before=not_before,
            expires=expires,
            coded_at=now,
            office_id=item.office_id,
            office_region=item.office_region,
        )
        await codes.insert(conn, code, caller.subject)
        await outbox.record(
            conn,
            Event(
                type="plan.item.coded",
                region=item.office_region,
                subject=f"item/{item.id}",
                data=coded_event_data(item, code),
            ),
        )
    return code


async def revoke_code(
    pool: asyncpg.Pool, caller: Caller, item_id: str, reason: str, *, now: datetime | None = None
) -> ItemCode | NotAllowed | Invalid | Conflict:
    """The issuing office, or one above it, withdraws a code; scans of it are refused from then on."""
    problem = reason_problem(reason)
    if problem:
        return Invalid("reason", problem)
    now = now or datetime.now(UTC)
    async with pool.acquire() as conn, conn.transaction():
        item = await _item_for(conn, caller, item_id)
        if isinstance(item, NotAllowed):
            return item
        if not may_revoke(caller, item):
            return NotAllowed(f"only {item.office_name} or an office above it may revoke its codes")
        if item.status not in ("coded", "active"):
            return Conflict(f"only coded or active items can be revoked; this one is {item.status}")
        await codes.revoke(conn, uuid.UUID(item.id), by=caller.subject, reason=reason, at=now)
        code = (await codes.get_many(conn, [uuid.UUID(item.id)]))[item.id]
        await outbox.record(
            conn,
            Event(
                type="plan.item.revoked",
                region=item.office_region,
                subject=f"item/{item.id}",
                data={"itemId": item.id, "codeNumber": code.number, "reason": reason},
            ),
        )
    return code
