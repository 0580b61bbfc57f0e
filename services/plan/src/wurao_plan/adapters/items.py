from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

import asyncpg

from wurao_common.ids import uuids
from wurao_plan.domain.items import Exemption, Inspector, Item, ItemDetails, ItemKind, ItemStatus
from wurao_plan.domain.units import UnitKind

Db = asyncpg.Connection | asyncpg.Pool


def _item(row: asyncpg.Record) -> Item:
    details = ItemDetails(
        kind=ItemKind(row["kind"]),
        title=row["title"],
        basis=row["basis"],
        content=row["content"],
        scope_regions=tuple(row["scope_regions"]),
        scope_unit_kinds=tuple(UnitKind(kind) for kind in row["scope_unit_kinds"]),
        window_start=row["window_start"],
        window_end=row["window_end"],
        inspectors=tuple(Inspector(name=i["name"], title=i["title"]) for i in row["inspectors"]),
        per_unit_cap=row["per_unit_cap"],
        exemption=Exemption(row["exemption"]) if row["exemption"] else None,
        exemption_reason=row["exemption_reason"],
        emergency=row["emergency"],
    )
    return Item(
        id=str(row["id"]),
        office_id=row["office_id"],
        plan_id=str(row["plan_id"]) if row["plan_id"] else None,
        year=row["year"],
        status=ItemStatus(row["status"]),
        details=details,
        created_by=row["created_by"],
        code_number=row["code_number"],
        cancel_reason=row["cancel_reason"],
        rectification_open=row["rectification_open"],
    )


def _details_args(details: ItemDetails) -> list:
    return [
        details.kind,
        details.title,
        details.basis,
        details.content,
        list(details.scope_regions),
        [str(kind) for kind in details.scope_unit_kinds],
        details.window_start,
        details.window_end,
        [{"name": i.name, "title": i.title} for i in details.inspectors],
        details.per_unit_cap,
        details.exemption,
        details.exemption_reason,
        details.emergency,
    ]


async def insert(conn: asyncpg.Connection, item: Item) -> None:
    await conn.execute(
        """INSERT INTO items (kind, title, basis, content, scope_regions, scope_unit_kinds, window_start, window_end,
                              inspectors, per_unit_cap, exemption, exemption_reason, emergency,
                              id, office_id, plan_id, year, status, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)""",
        *_details_args(item.details),
        uuid.UUID(item.id),
        item.office_id,
        uuid.UUID(item.plan_id) if item.plan_id else None,
        item.year,
        item.status,
        item.created_by,
    )


async def revise(conn: asyncpg.Connection, item_id: str, details: ItemDetails) -> Item:
    row = await conn.fetchrow(
        """UPDATE items SET kind = $1, title = $2, basis = $3, content = $4, scope_regions = $5, scope_unit_kinds = $6,
                  window_start = $7, window_end = $8, inspectors = $9, per_unit_cap = $10, exemption = $11,
                  exemption_reason = $12, emergency = $13, updated_at = now()
           WHERE id = $14 RETURNING *""",
        *_details_args(details),
        uuid.UUID(item_id),
    )
    return _item(row)


async def delete(conn: asyncpg.Connection, item_id: str) -> None:
    await conn.execute("DELETE FROM items WHERE id = $1", uuid.UUID(item_id))


async def lock(conn: asyncpg.Connection, item_id: str) -> Item | None:
    """The item, locked until the transaction ends."""
    parsed = uuids([item_id])
    if not parsed:
        return None
    row = await conn.fetchrow("SELECT * FROM items WHERE id = $1 FOR UPDATE", parsed[0])
    return _item(row) if row else None


async def get_many(conn: Db, ids: Sequence[str]) -> dict[str, Item]:
    rows = await conn.fetch("SELECT * FROM items WHERE id = ANY($1::uuid[])", uuids(ids))
    return {str(row["id"]): _item(row) for row in rows}


async def for_plans(conn: Db, plan_ids: Sequence[str]) -> dict[str, list[Item]]:
    rows = await conn.fetch(
        "SELECT * FROM items WHERE plan_id = ANY($1::uuid[]) ORDER BY created_at, id", uuids(plan_ids)
    )
    found: dict[str, list[Item]] = {plan_id: [] for plan_id in plan_ids}
    for row in rows:
        found.setdefault(str(row["plan_id"]), []).append(_item(row))
    return found


async def count_planned(conn: asyncpg.Connection, plan_id: str) -> int:
    return await conn.fetchval("SELECT count(*) FROM items WHERE plan_id = $1", uuid.UUID(plan_id))


async def count_filed(conn: asyncpg.Connection, office_id: str, year: int) -> int:
    """Filed one-off items that were approved (whatever became of them since): they count toward the year's
    ceiling, emergencies apart."""
    return await conn.fetchval(
        """SELECT count(*) FROM items
           WHERE office_id = $1 AND year = $2 AND plan_id IS NULL AND status NOT IN ('draft', 'rejected')
             AND NOT emergency""",
        office_id,
        year,
    )


async def approve_plan_items(conn: asyncpg.Connection, plan_id: str) -> list[Item]:
    rows = await conn.fetch(
        """UPDATE items SET status = 'approved', updated_at = now() WHERE plan_id = $1 AND status = 'draft'
           RETURNING *""",
        uuid.UUID(plan_id),
    )
    return sorted((_item(row) for row in rows), key=lambda item: item.id)


async def set_status(
    conn: asyncpg.Connection, item_id: str, status: ItemStatus, *, cancel_reason: str | None = None
) -> Item:
    row = await conn.fetchrow(
        """UPDATE items SET status = $2, cancel_reason = coalesce($3, cancel_reason), updated_at = now()
           WHERE id = $1 RETURNING *""",
        uuid.UUID(item_id),
        status,
        cancel_reason,
    )
    return _item(row)


async def track_task(conn: asyncpg.Connection, item_id: str, task_id: str, *, closed: bool) -> Item | None:
    """Records a task opening or closing, in whatever order they come (a closed task never reopens), and derives
    whether the item has one open. None for an item plan does not hold."""
    parsed = uuids([item_id, task_id])
    if len(parsed) != 2:
        return None
    await conn.execute(
        """INSERT INTO item_rectification_tasks (task_id, item_id, closed) VALUES ($2, $1, $3)
           ON CONFLICT (task_id) DO UPDATE SET closed = item_rectification_tasks.closed OR EXCLUDED.closed""",
        *parsed,
        closed,
    )
    row = await conn.fetchrow(
        """UPDATE items SET rectification_open = EXISTS (
               SELECT 1 FROM item_rectification_tasks WHERE item_id = $1 AND NOT closed)
           WHERE id = $1 RETURNING *""",
        parsed[0],
    )
    return _item(row) if row else None


async def lock_due(conn: asyncpg.Connection, today: date, *, limit: int) -> list[Item]:
    """Coded items whose window opened, and items whose window is over with no rectification open; rows another
    replica holds are skipped."""
    rows = await conn.fetch(
        """SELECT * FROM items
           WHERE (status = 'coded' AND window_start <= $1)
              OR (status IN ('coded', 'active') AND NOT rectification_open AND window_end < $1)
           ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED""",
        today,
        limit,
    )
    return [_item(row) for row in rows]


async def search(
    conn: Db,
    *,
    caller_region: str,
    sees_workings: bool,
    region: str | None,
    status: ItemStatus | None,
    office_id: str | None,
    year: int | None,
    limit: int,
    after: str | None = None,
) -> list[tuple[Item, str]]:
    """Items the caller may read (narrowed in SQL as access.may_read_item decides), with their office's region.

    `region` keeps the items whose scope overlaps it: those that may inspect there. `after` is looked up among the
    items the caller may read alone: another (out of its reach) gives an empty page, as an unknown id does, so it
    tells nothing of that item, not even that it exists.
    """
    rows = await conn.fetch(
        """WITH readable AS NOT MATERIALIZED (
                 SELECT i.*, o.region_code AS office_region FROM items i JOIN offices o ON o.id = i.office_id
                 WHERE ($2 AND o.region_code LIKE $1 || '%')
                    OR (i.status NOT IN ('draft', 'rejected') AND EXISTS (
                          SELECT 1 FROM unnest(i.scope_regions) s WHERE s LIKE $1 || '%' OR $1 LIKE s || '%'))),
             cursor AS MATERIALIZED (SELECT window_start, id FROM readable WHERE id = $8)
           SELECT * FROM readable i
           WHERE ($3::text IS NULL OR EXISTS (
                        SELECT 1 FROM unnest(i.scope_regions) s WHERE s LIKE $3 || '%' OR $3 LIKE s || '%'))
             AND ($4::text IS NULL OR i.status = $4)
             AND ($5::text IS NULL OR i.office_id = $5)
             AND ($6::int IS NULL OR i.year = $6)
             AND ($8::uuid IS NULL OR EXISTS (SELECT 1 FROM cursor a
                   WHERE i.window_start < a.window_start OR (i.window_start = a.window_start AND i.id > a.id)))
           ORDER BY i.window_start DESC, i.id LIMIT $7""",
        caller_region,
        sees_workings,
        region,
        status,
        office_id,
        year,
        limit,
        uuid.UUID(after) if after else None,
    )
    return [(_item(row), row["office_region"]) for row in rows]


async def count_year_planned(conn: asyncpg.Connection, office_id: str, year: int) -> int:
    """Items of the office's plan for the year, whatever became of them since."""
    return await conn.fetchval(
        "SELECT count(*) FROM items WHERE office_id = $1 AND year = $2 AND plan_id IS NOT NULL", office_id, year
    )


async def lock_year(conn: asyncpg.Connection, office_id: str, year: int) -> None:
    """Serialises what counts toward an office's year (submitting or approving its plan, approving its filings, lowering
    its ceiling) until commit."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, $2))", office_id, year)
