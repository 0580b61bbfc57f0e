"""Plan's facts arrive over the bus; an event never overwrites what inspection already knows as plan's."""

from __future__ import annotations

import logging
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
