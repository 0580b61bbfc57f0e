"""Plan's facts arrive over the bus; an event never overwrites what inspection already knows as plan's."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from wurao_common import codes
from wurao_inspection.adapters import reference


async def test_a_known_signing_key_id_keeps_its_key_and_a_different_key_for_it_is_logged(plan, caplog):
    original = await reference.signing_keys(plan.pool)
    forged = codes.public_key_text(Ed25519PrivateKey.generate().public_key())
    with caplog.at_level(logging.ERROR, logger="wurao.inspection.reference"):
        await plan.publish(
            "plan.signing_key.published",
            {"keyId": plan.key_id, "publicKey": forged, "publishedAt": datetime.now(UTC).isoformat()},
        )
    assert await reference.signing_keys(plan.pool) == original
    assert any("already known with a different key" in record.getMessage() for record in caplog.records)


async def test_a_replayed_signing_key_event_changes_nothing_and_logs_nothing(plan, caplog):
    original = await reference.signing_keys(plan.pool)
    with caplog.at_level(logging.ERROR, logger="wurao.inspection.reference"):
        await plan.signing_key()
    assert await reference.signing_keys(plan.pool) == original
    assert not caplog.records


async def test_a_second_coded_event_for_a_known_item_never_rewrites_its_scope(plan):
    coded = await plan.item(scope_regions=("431024",))
    item_id = coded.item_id
    async with plan.pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM items WHERE id = $1", uuid.UUID(item_id))
    data = {
        "itemId": item_id,
        "codeNumber": row["code_number"],
        "keyId": row["key_id"],
        "officeId": row["office_id"],
        "officeName": "x",
        "officeLevel": "county",
        "officeKind": "supervision",
        "officeRegion": "431024",
        "kind": row["kind"],
        "title": row["title"],
        "basis": row["basis"],
        "content": row["content"],
        "scopeRegions": ["43"],
        "scopeUnitKinds": [],
        "windowStart": "2026-01-01",
        "windowEnd": "2026-12-31",
        "notBefore": "2026-01-01T00:00:00+08:00",
        "expires": "2027-01-01T00:00:00+08:00",
        "inspectors": [],
        "perUnitCap": 9,
        "exemption": None,
        "exemptionReason": None,
        "emergency": False,
        "year": 2026,
    }
    await plan.publish("plan.item.coded", data)
    async with plan.pool.acquire() as conn:
        after = await conn.fetchrow("SELECT scope_regions, per_unit_cap FROM items WHERE id = $1", uuid.UUID(item_id))
    assert (list(after["scope_regions"]), after["per_unit_cap"]) == (["431024"], row["per_unit_cap"])
