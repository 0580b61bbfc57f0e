"""Plan's facts, kept in inspection's own tables: a scan never calls another service.

Offices come from `plan.office.registered` and from each coded item (which names its office), so complaints
can be routed to a supervising office even before it codes anything. Every write is idempotent; a known
signing key id is never given another key. One durable consumer for all of them keeps plan's order (a key
before the items it signs).
"""

from __future__ import annotations

import asyncpg

from wurao_common.bus.envelope import Event
from wurao_inspection.adapters import reference

SAVERS = {
    "plan.signing_key.published": reference.save_signing_key,
    "plan.item.coded": reference.save_coded_item,
    "plan.item.revoked": reference.save_revocation,
    "plan.unit.registered": reference.save_unit,
    "plan.office.registered": reference.save_registered_office,
    "plan.cap_policy.published": reference.save_cap_policy,
    "plan.negative_list.published": reference.save_negative_list,
}


async def on_plan_event(conn: asyncpg.Connection, event: Event) -> None:
    await SAVERS[event.type](conn, event.data)
