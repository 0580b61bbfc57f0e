from __future__ import annotations

import asyncpg

from wurao_common.bus.envelope import Event
from wurao_rectification.adapters import notices, offices


async def on_office_registered(conn: asyncpg.Connection, event: Event) -> None:
    """Learns the office, so that escalations to its region name it, those already sent included."""
    await offices.save(conn, event.data)
    if event.data["kind"] == offices.SUPERVISION:
        await notices.address_to(conn, event.data["officeId"], event.data["region"])
