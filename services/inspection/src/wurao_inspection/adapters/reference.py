"""Plan's facts as inspection keeps them: coded items, units, offices, signing keys, cap policies, negative list."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg

from wurao_inspection.adapters import visits
from wurao_inspection.domain.caps import CapPolicy
from wurao_inspection.domain.items import CodedItem, Level, Office, Unit, group_of
from wurao_inspection.domain.visits import Visit

Conn = asyncpg.Connection | asyncpg.Pool

log = logging.getLogger("wurao.inspection.reference")

_ITEM_SELECT = """
    SELECT i.*, o.name AS office_name, o.level AS office_level, o.kind AS office_kind, o.region AS office_region,
           r.reason AS revoked_reason
    FROM items i JOIN offices o ON o.id = i.office_id LEFT JOIN revocations r ON r.item_id = i.id"""


def _office(row: asyncpg.Record) -> Office:
    return Office(id=row["id"], name=row["name"], level=Level(row["level"]), kind=row["kind"], region=row["region"])


def _item(row: asyncpg.Record) -> CodedItem:
    return CodedItem(
        id=str(row["id"]),
        code_number=row["code_number"],
        key_id=row["key_id"],
        office=Office(
            id=row["office_id"],
            name=row["office_name"],
            level=Level(row["office_level"]),
            kind=row["office_kind"],
            region=row["office_region"],
        ),
        kind=row["kind"],
        title=row["title"],
        basis=row["basis"],
        content=row["content"],
        scope_regions=tuple(row["scope_regions"]),
        scope_unit_kinds=tuple(row["scope_unit_kinds"]),
        window_start=row["window_start"],
        window_end=row["window_end"],
        not_before=row["not_before"],
        expires=row["expires"],
        inspectors=group_of(row["code_number"], row["inspectors"]),
        per_unit_cap=row["per_unit_cap"],
        exemption=row["exemption"],
        exemption_reason=row["exemption_reason"],
        emergency=row["emergency"],
        year=row["year"],
        revoked_reason=row["revoked_reason"],
    )


async def item(conn: Conn, item_id: str | uuid.UUID) -> CodedItem | None:
    row = await conn.fetchrow(f"{_ITEM_SELECT} WHERE i.id = $1", uuid.UUID(str(item_id)))
    return _item(row) if row else None


async def items(conn: Conn, item_ids: list[str]) -> dict[str, CodedItem]:
    rows = await conn.fetch(f"{_ITEM_SELECT} WHERE i.id = ANY($1::uuid[])", item_ids)
    return {str(row["id"]): _item(row) for row in rows}


async def unit(conn: Conn, unit_id: str) -> Unit | None:
    row = await conn.fetchrow("SELECT * FROM units WHERE id = $1", unit_id)
    return _unit(row) if row else None


async def units(conn: Conn, unit_ids: list[str]) -> dict[str, Unit]:
    rows = await conn.fetch("SELECT * FROM units WHERE id = ANY($1::text[])", unit_ids)
    return {row["id"]: _unit(row) for row in rows}


async def office(conn: Conn, office_id: str) -> Office | None:
    row = await conn.fetchrow("SELECT * FROM offices WHERE id = $1", office_id)
    return _office(row) if row else None


async def supervision_office(conn: Conn, level: Level, region: str) -> Office | None:
    row = await conn.fetchrow(
        "SELECT * FROM offices WHERE level = $1 AND region = $2 AND kind = 'supervision' ORDER BY id LIMIT 1",
        str(level),
        region,
    )
    return _office(row) if row else None


_POLICY_COLUMNS = (
    "policy_version",
    "policy_effective_from",
    "policy_per_level_per_year",
    "policy_across_levels_per_year",
    "policy_default_per_item_per_unit",
)


def _policy(row: asyncpg.Record | dict) -> CapPolicy:
    return CapPolicy(
        version=row["version"],
        effective_from=row["effective_from"],
        per_level_per_year=row["per_level_per_year"],
        across_levels_per_year=row["across_levels_per_year"],
        default_per_item_per_unit=row["default_per_item_per_unit"],
    )


def _unit(row: asyncpg.Record) -> Unit:
    return Unit(id=row["id"], name=row["name"], kind=row["kind"], region=row["region"])


async def policy_in_effect(conn: Conn, on: date) -> CapPolicy | None:
    """The newest version whose effective date has come (plan's rule)."""
    row = await conn.fetchrow("SELECT * FROM cap_policies WHERE effective_from <= $1 ORDER BY version DESC LIMIT 1", on)
    return _policy(row) if row else None


@dataclass(frozen=True)
class Facts:
    """What a scan or a check-in is judged on."""

    item: CodedItem | None
    unit: Unit | None
    policy: CapPolicy | None  # in effect on the day asked
    earlier: Visit | None = None  # the visit the unit's request id already admitted
    # The unit's counted visits of the year asked or of the item, as visits.counted_groups gives them, read under
    # the unit's exclusive lock; else None.
    counted: list[tuple[int, str, str, str]] | None = None


# One statement instead of four round trips: the item (with its office and any revocation), the policy in effect
# (its columns prefixed `policy_`) and the unit as a row of its table's type (asyncpg decodes a row type into a
# record; not one with jsonb columns, such as cap_policies' or visits', which it cannot decode inside a record).
# A check-in's comes FROM its hold instead (Hold.taking): its locks, then the unit's visits behind them.
_SCENE = f"""
    SELECT item.*, policy.*, (SELECT u FROM units u WHERE u.id = $2) AS unit_row{{held_columns}}
    FROM {{source}}
    LEFT JOIN LATERAL ({_ITEM_SELECT} WHERE i.id = $1) AS item ON true
    LEFT JOIN LATERAL (
        SELECT version AS policy_version, effective_from AS policy_effective_from,
               per_level_per_year AS policy_per_level_per_year, across_levels_per_year AS policy_across_levels_per_year,
               default_per_item_per_unit AS policy_default_per_item_per_unit
        FROM cap_policies WHERE effective_from <= $3 ORDER BY version DESC LIMIT 1) AS policy ON true"""
_FACTS = _SCENE.format(held_columns=", NULL::uuid AS earlier_id, NULL::json AS counted", source="(SELECT 1) AS one")
_CHECK_IN_FACTS = _SCENE.format(held_columns=", held.*", source=visits.held_source(4))


async def facts(
    conn: Conn,
    *,
    item_id: str,
    unit_id: str,
    on: date,
    hold: visits.Hold | None = None,
    request_id: str | None = None,
    counted_year: int | None = None,
) -> Facts:
    """With `hold` (not yet taken), the statement takes the check-in's locks first and reads, behind them, the visit
    `request_id` already admitted and, held exclusively, the unit's counted visits of `counted_year` or of the
    item."""
    item_uuid = uuid.UUID(str(item_id))
    if hold is None:
        row = await conn.fetchrow(_FACTS, item_uuid, unit_id, on)
    else:
        args = hold.taking(request_id=request_id, counted_year=counted_year, item_id=item_uuid)
        row = await conn.fetchrow(_CHECK_IN_FACTS, item_uuid, unit_id, on, *args)
        hold.took(row)
    earlier = await visits.get(conn, str(row["earlier_id"])) if row["earlier_id"] is not None else None
    return Facts(
        item=_item(row) if row["id"] is not None else None,
        unit=_unit(row["unit_row"]) if row["unit_row"] is not None else None,
        policy=_policy({key.removeprefix("policy_"): row[key] for key in _POLICY_COLUMNS})
        if row["policy_version"] is not None
        else None,
        earlier=earlier,
        counted=None if row["counted"] is None else [tuple(group) for group in row["counted"]],
    )


async def negative_list(conn: Conn) -> list[dict[str, str]]:
    entries = await conn.fetchval("SELECT entries FROM negative_lists ORDER BY version DESC LIMIT 1")
    return list(entries or [])


async def negative_list_version(conn: Conn) -> int | None:
    """The version of the negative list in force (the newest published)."""
    return await conn.fetchval("SELECT max(version) FROM negative_lists")


async def signing_keys(conn: Conn) -> dict[int, str]:
    return {row["key_id"]: row["public_key"] for row in await conn.fetch("SELECT key_id, public_key FROM signing_keys")}


# Writers, called by the event consumers: every one is idempotent, so replays change nothing.


async def save_signing_key(conn: asyncpg.Connection, data: dict[str, Any]) -> None:
    """A key id, once known, keeps its key: an event naming a different key for it is logged and refused, so
    nobody who can publish on the bus can swap the key that codes are verified with."""
    key_id, public_key = int(data["keyId"]), data["publicKey"]
    inserted = await conn.fetchval(
        """INSERT INTO signing_keys (key_id, public_key, published_at) VALUES ($1, $2, $3)
           ON CONFLICT (key_id) DO NOTHING RETURNING true""",
        key_id,
        public_key,
        datetime.fromisoformat(data["publishedAt"]),
    )
    if not inserted:
        known = await conn.fetchval("SELECT public_key FROM signing_keys WHERE key_id = $1", key_id)
        if known != public_key:
            log.error("refused plan.signing_key.published: key id %s is already known with a different key", key_id)


async def save_office(conn: asyncpg.Connection, office_id: str, name: str, level: str, kind: str, region: str) -> None:
    await conn.execute(
        """INSERT INTO offices (id, name, level, kind, region) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, level = EXCLUDED.level, kind = EXCLUDED.kind,
                                          region = EXCLUDED.region""",
        office_id,
        name,
        level,
        kind,
        region,
    )


async def save_registered_office(conn: asyncpg.Connection, data: dict[str, Any]) -> None:
    await save_office(conn, data["officeId"], data["name"], data["level"], data["kind"], data["region"])


async def save_coded_item(conn: asyncpg.Connection, data: dict[str, Any]) -> None:
    """A code is signed once: the first event for an item is kept, a later one never rewrites its scope or key."""
    await save_office(
        conn, data["officeId"], data["officeName"], data["officeLevel"], data["officeKind"], data["officeRegion"]
    )
    columns = {
        "id": uuid.UUID(data["itemId"]),
        "code_number": data["codeNumber"],
        "key_id": int(data["keyId"]),
        "office_id": data["officeId"],
        "kind": data["kind"],
        "title": data["title"],
        "basis": data["basis"],
        "content": data.get("content") or "",
        "scope_regions": list(data["scopeRegions"]),
        "scope_unit_kinds": list(data.get("scopeUnitKinds") or []),
        "window_start": date.fromisoformat(data["windowStart"]),
        "window_end": date.fromisoformat(data["windowEnd"]),
        "not_before": datetime.fromisoformat(data["notBefore"]),
        "expires": datetime.fromisoformat(data["expires"]),
        "inspectors": list(data.get("inspectors") or []),
        "per_unit_cap": int(data.get("perUnitCap") or 0),
        "exemption": data.get("exemption"),
        "exemption_reason": data.get("exemptionReason"),
        "emergency": bool(data.get("emergency")),
        "year": int(data["year"]),
    }
    names = list(columns)
    await conn.execute(
        f"""INSERT INTO items ({", ".join(names)}) VALUES ({", ".join(f"${n}" for n in range(1, len(names) + 1))})
            ON CONFLICT (id) DO NOTHING""",
        *columns.values(),
    )


async def save_revocation(conn: asyncpg.Connection, data: dict[str, Any]) -> None:
    await conn.execute(
        "INSERT INTO revocations (item_id, reason) VALUES ($1, $2) ON CONFLICT (item_id) DO NOTHING",
        uuid.UUID(data["itemId"]),
        data.get("reason") or "",
    )


async def save_unit(conn: asyncpg.Connection, data: dict[str, Any]) -> None:
    await conn.execute(
        """INSERT INTO units (id, name, kind, region) VALUES ($1, $2, $3, $4)
           ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, region = EXCLUDED.region""",
        data["unitId"],
        data["name"],
        data["kind"],
        data["region"],
    )


async def save_cap_policy(conn: asyncpg.Connection, data: dict[str, Any]) -> None:
    await conn.execute(
        """INSERT INTO cap_policies (version, effective_from, per_level_per_year, across_levels_per_year,
                                     default_per_item_per_unit)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (version) DO NOTHING""",
        int(data["version"]),
        date.fromisoformat(data["effectiveFrom"]),
        {level: int(cap) for level, cap in data["perLevelPerYear"].items()},
        int(data["acrossLevelsPerYear"]),
        int(data["defaultPerItemPerUnit"]),
    )


async def save_negative_list(conn: asyncpg.Connection, data: dict[str, Any]) -> None:
    await conn.execute(
        """INSERT INTO negative_lists (version, published_at, entries) VALUES ($1, $2, $3)
           ON CONFLICT (version) DO NOTHING""",
        int(data["version"]),
        datetime.fromisoformat(data["publishedAt"]),
        [{"code": entry["code"], "text": entry["text"]} for entry in data["entries"]],
    )
