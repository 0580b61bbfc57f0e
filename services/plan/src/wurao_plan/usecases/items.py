"""Items in a plan: added, revised and removed while the office holds the plan; cancelled before coding;
activated when their window opens, completed once it is over and no rectification task is open."""

from __future__ import annotations

import uuid
from datetime import date

import asyncpg

from wurao_common import request_ids
from wurao_common.auth import Caller
from wurao_common.outcomes import Conflict, Invalid, NotAllowed
from wurao_plan.adapters import items, offices, regions
from wurao_plan.domain import access
from wurao_plan.domain.items import (
    Item,
    ItemDetails,
    ItemStatus,
    can_move,
    check_details,
    check_reason,
    due_to_activate,
    due_to_complete,
    due_to_reopen,
)
from wurao_plan.domain.offices import Office
from wurao_plan.domain.plans import Plan, check_editable
from wurao_plan.usecases import events
from wurao_plan.usecases.plans import locked_plan


async def valid_details(
    conn: asyncpg.Connection, details: ItemDetails, office: Office, year: int
) -> ItemDetails | Invalid:
    """The details normalised and checked, their scope regions known to the directory."""
    details = details.normalised()
    if problem := check_details(details, office.region, year):
        return problem
    if unknown := await regions.missing(conn, details.scope_regions):
        return Invalid("scopeRegions", f"unknown regions: {', '.join(unknown)}")
    return details


async def add_item(
    pool: asyncpg.Pool, caller: Caller, plan_id: str, details: ItemDetails, *, request_id: str | None = None
) -> Item | NotAllowed | Invalid | Conflict:
    """A retried request (same request id, same person) returns the item it added the first time."""
    if problem := request_ids.request_id_problem(request_id):
        return problem
    request_id = request_ids.callers_own(caller, "item.drafted", request_id)
    async with pool.acquire() as conn, conn.transaction():
        if request_id and (first := await _first_item(conn, request_id, plan_id)):
            return first
        found = await _writable_plan(conn, caller, plan_id)
        if not isinstance(found, tuple):
            return found
        plan, office = found
        details = await valid_details(conn, details, office, plan.year)
        if isinstance(details, Invalid):
            return details
        item = Item(
            id=str(uuid.uuid4()),
            office_id=office.id,
            plan_id=plan.id,
            year=plan.year,
            status=ItemStatus.DRAFT,
            details=details,
            created_by=caller.subject,
        )
        await items.insert(conn, item)
        if request_id:
            await request_ids.remember(conn, request_id, "item.drafted", item.id)
        await events.record(conn, "plan.item.drafted", office.region, f"item/{item.id}", events.item_data(item, office))
    return item


async def revise_item(
    pool: asyncpg.Pool, caller: Caller, item_id: str, details: ItemDetails
) -> Item | NotAllowed | Invalid | Conflict:
    """Replaces an item's details while its plan is a draft or was returned."""
    async with pool.acquire() as conn, conn.transaction():
        found = await _writable_item(conn, caller, item_id)
        if not isinstance(found, tuple):
            return found
        item, plan, office = found
        details = await valid_details(conn, details, office, plan.year)
        if isinstance(details, Invalid):
            return details
        item = await items.revise(conn, item.id, details)
        await events.record(conn, "plan.item.revised", office.region, f"item/{item.id}", events.item_data(item, office))
    return item


async def remove_item(pool: asyncpg.Pool, caller: Caller, item_id: str) -> Item | NotAllowed | Conflict:
    """Takes an item out of a draft or returned plan; returns it as it was."""
    async with pool.acquire() as conn, conn.transaction():
        found = await _writable_item(conn, caller, item_id)
        if not isinstance(found, tuple):
            return found
        item, plan, office = found
        await items.delete(conn, item.id)
        data = {"itemId": item.id, "planId": plan.id, "officeId": office.id, "year": item.year}
        await events.record(conn, "plan.item.removed", office.region, f"item/{item.id}", data)
    return item


async def cancel_item(
    pool: asyncpg.Pool, caller: Caller, item_id: str, reason: str
) -> Item | NotAllowed | Invalid | Conflict:
    """The office withdraws an approved item before it is coded (a coded one is revoked with its code)."""
    if problem := check_reason("reason", reason):
        return problem
    async with pool.acquire() as conn, conn.transaction():
        found = await _own_item(conn, caller, item_id)
        if not isinstance(found, tuple):
            return found
        item, office = found
        if not can_move(item.status, ItemStatus.CANCELLED):
            hint = "; revoke its code instead" if item.status in (ItemStatus.CODED, ItemStatus.ACTIVE) else ""
            return Conflict(f"only an approved item not yet coded can be cancelled; this one is {item.status}{hint}")
        item = await items.set_status(conn, item.id, ItemStatus.CANCELLED, cancel_reason=reason.strip())
        data = {
            "itemId": item.id,
            "planId": item.plan_id,
            "officeId": office.id,
            "year": item.year,
            "reason": item.cancel_reason,
        }
        await events.record(conn, "plan.item.cancelled", office.region, f"item/{item.id}", data)
    return item


async def track_rectification(
    conn: asyncpg.Connection, item_id: str, task_id: str, *, closed: bool, today: date
) -> None:
    """Rectification opened or closed a task for the item: the item may complete now, or reopen."""
    item = await items.track_task(conn, item_id, task_id, closed=closed)
    if item is not None:
        await _advance(conn, item, today)


async def advance_items(pool: asyncpg.Pool, today: date, *, batch: int = 500) -> int:
    """Activates coded items whose window opened and completes those whose window closed with no rectification
    open; returns how many moved. Run periodically; replicas skip each other's rows."""
    moved = 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            due = await items.lock_due(conn, today, limit=batch)
            moved_now = [await _advance(conn, item, today) for item in due].count(True)
        moved += moved_now
        if len(due) < batch or not moved_now:  # the last batch, or one the rules would not move: stop
            return moved


async def _advance(conn: asyncpg.Connection, item: Item, today: date) -> bool:
    """Moves the item on if the calendar says so; whether it moved."""
    if due_to_reopen(item):
        status, event_type = ItemStatus.ACTIVE, "plan.item.reopened"
    elif due_to_complete(item, today):
        status, event_type = ItemStatus.COMPLETED, "plan.item.completed"
    elif due_to_activate(item, today):
        status, event_type = ItemStatus.ACTIVE, "plan.item.activated"
    else:
        return False
    office = await offices.get(conn, item.office_id)
    item = await items.set_status(conn, item.id, status)
    data = {"itemId": item.id, "officeId": item.office_id, "codeNumber": item.code_number, "year": item.year}
    await events.record(conn, event_type, office.region, f"item/{item.id}", data)
    return True


async def _first_item(conn: asyncpg.Connection, request_id: str, plan_id: str) -> Item | Invalid | Conflict | None:
    """The item a request's first run added (None on a first run); the id reused for another plan is invalid."""
    first = await request_ids.first_result(conn, request_id)
    if first is None:
        return None
    item = (await items.get_many(conn, [first])).get(first)
    if item is None:
        return Conflict("the item this request added has since been removed from its plan")
    return item if item.plan_id == plan_id.lower() else request_ids.REUSED  # a uuid, however the client cased it


async def _own_item(conn: asyncpg.Connection, caller: Caller, item_id: str) -> tuple[Item, Office] | NotAllowed:
    """The item (locked) and its office, if the caller acts for that office."""
    item = await items.lock(conn, item_id)
    office = await offices.get(conn, item.office_id) if item else None
    if item is None or office is None or not access.may_read_workings(caller, office.region):
        return NotAllowed(f"there is no item {item_id} in your region")
    if refused := access.check_write_plan(caller, office):
        return refused
    return item, office


async def _writable_plan(
    conn: asyncpg.Connection, caller: Caller, plan_id: str
) -> tuple[Plan, Office] | NotAllowed | Conflict:
    found = await locked_plan(conn, caller, plan_id)
    if isinstance(found, NotAllowed):
        return found
    plan, office = found
    return access.check_write_plan(caller, office) or check_editable(plan) or (plan, office)


async def _writable_item(
    conn: asyncpg.Connection, caller: Caller, item_id: str
) -> tuple[Item, Plan, Office] | NotAllowed | Conflict:
    """An item of a plan the caller's office holds (draft or returned); the plan is locked before the item."""
    item = (await items.get_many(conn, [item_id])).get(item_id)
    office = await offices.get(conn, item.office_id) if item else None
    if item is None or office is None or not access.may_read_workings(caller, office.region):
        return NotAllowed(f"there is no item {item_id} in your region")
    if item.plan_id is None:
        return Conflict("a filed item is not edited; file a new one")
    found = await _writable_plan(conn, caller, item.plan_id)
    if not isinstance(found, tuple):
        return found
    plan, office = found
    item = await items.lock(conn, item_id)
    if item is None:  # removed while we waited for the plan
        return NotAllowed(f"there is no item {item_id} in your region")
    return item, plan, office
