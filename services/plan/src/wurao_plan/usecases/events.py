"""The events the plan workflow records, built in one place so their payloads stay alike."""

from __future__ import annotations

from typing import Any

import asyncpg

from wurao_common.bus import outbox
from wurao_common.bus.envelope import Event
from wurao_plan.domain.items import Item
from wurao_plan.domain.offices import Office


async def record(conn: asyncpg.Connection, event_type: str, region: str, subject: str, data: dict[str, Any]) -> None:
    """Workflow events carry the acting office's region (a unit's, for units), so subscribers filter by it."""
    await outbox.record(conn, Event(type=event_type, region=region, subject=subject, data=data))


def item_data(item: Item, office: Office) -> dict[str, Any]:
    """What an item event says about the item: enough for a read model to show and count it."""
    details = item.details
    return {
        "itemId": item.id,
        "planId": item.plan_id,
        "officeId": office.id,
        "officeLevel": office.level,
        "year": item.year,
        "kind": details.kind,
        "title": details.title,
        "scopeRegions": list(details.scope_regions),
        "scopeUnitKinds": [str(kind) for kind in details.scope_unit_kinds],
        "windowStart": details.window_start.isoformat(),
        "windowEnd": details.window_end.isoformat(),
        "perUnitCap": details.per_unit_cap,
        "exemption": details.exemption,
        "emergency": details.emergency,
    }
