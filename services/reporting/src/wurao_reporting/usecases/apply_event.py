"""Applies events to the read models: each one's fact in its item's story, what it teaches, and its figures.

Runs inside the inbox transaction, so each event applies once. `apply_events` takes a whole batch in two steps:
`prepare_events` gathers, without the database, what the events tell on their own (facts, regions, policies, the
tallies of visits, refusals, findings and complaints); the consumer runs it while the previous batch is being
written. `apply_prepared` then writes, in the transaction, items and tasks (which later events of the same batch
may read) in the batch's order, counts what they tell, and writes everything gathered once. A batch that fails
rolls back whole; the consumer then applies its events one by one with `apply_event`, which skips an event it
cannot read.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from wurao_common.bus.envelope import Event
from wurao_reporting.adapters import knowledge
from wurao_reporting.adapters.facts import Fact
from wurao_reporting.domain import caps, tallies, timeline
from wurao_reporting.domain.periods import Month, month_of, month_within_year
from wurao_reporting.domain.tallies import Tally
from wurao_reporting.usecases.effects import Effects

log = logging.getLogger("wurao.reporting")

# An item event's figure and what it adds; an item completes again after being reopened, so reopening takes
# its completion back, and removing it from a draft plan takes back its planning.
_ITEM_STEPS = {
    "plan.item.drafted": ("planned", 1),
    "plan.item.removed": ("planned", -1),
    "plan.item.approved": ("approved", 1),
    "plan.item.coded": ("coded", 1),
    "plan.item.completed": ("completed", 1),
    "plan.item.reopened": ("completed", -1),
    "plan.item.cancelled": ("cancelled", 1),
}
TallyOf = Callable[[asyncpg.Connection, Event, Effects], Awaitable[Tally | None]]  # reads or writes the database
PureTallyOf = Callable[[Event, Effects], Tally | None]  # from the event alone


async def _item_tally(conn: asyncpg.Connection, event: Event, _effects: Effects) -> Tally | None:
    """Counted in the item's own year (as far as reporting knows it), for the office that owns it."""
    data = event.data
    if event.type == "plan.item.drafted" and data.get("planId") is None:
        return None  # a filed item is counted as a filing, not as planned
    if "year" in data:
        await knowledge.remember_item(conn, data["itemId"], data["officeId"], event.region, data["year"])
    known = (await knowledge.items(conn, [data["itemId"]])).get(data["itemId"])
    month = month_within_year(known.year, event.time) if known else month_of(event.time)
    step, delta = _ITEM_STEPS[event.type]
    return tallies.item_step(step, month=month, region=event.region, office_id=data["officeId"], delta=delta)


async def _filing_tally(conn: asyncpg.Connection, event: Event, _effects: Effects) -> Tally:
    data = event.data
    await knowledge.remember_item(conn, data["itemId"], data["officeId"], event.region, data["year"])
    return tallies.filing(data, month=month_within_year(data["year"], event.time), region=event.region)


def _visit_tally(event: Event, effects: Effects) -> Tally:
    tally = tallies.visit(event.data)
    counted = caps.counted_visit(event.data, tally.month.month)
    if counted is not None:
        effects.counted_visits.append(counted)
    effects.regions[("offices", event.data["officeId"])] = event.data["officeRegion"]
    effects.regions[("units", event.data["unitId"])] = event.data["unitRegion"]
    return tally


async def _task_opened_tally(conn: asyncpg.Connection, event: Event, effects: Effects) -> Tally:
    data = event.data
    tally = tallies.task_opened({**data, "unitRegion": event.region}, event.time)
    month = tally.month
    opened = await knowledge.open_task(
        conn, data, region=event.region, at=event.time, year=month.year, month=month.month
    )
    if opened is not None and opened.closed_at is None:
        task = tallies.open_task(
            month=month, region=event.region, office_id=data["officeId"], unit_id=data["responsibleUnitId"]
        )
        awaiting = knowledge.awaits_verification(opened.pending_submissions)
        effects.count_open(task, opened.deadline, 1, awaiting_verification=awaiting)
    elif opened is not None:
        effects.count(
            tallies.task_closed_before_heard_open(
                data, opened_at=event.time, closed_at=opened.closed_at, region=event.region
            )
        )
    return tally


def _open_task(known: knowledge.KnownTask) -> Tally:
    month = Month(known.year, known.month)
    return tallies.open_task(month=month, region=known.region, office_id=known.office_id, unit_id=known.unit_id)


async def _task_closed_tally(conn: asyncpg.Connection, event: Event, effects: Effects) -> Tally:
    known = await knowledge.close_task(conn, event.data["taskId"], event.time)
    if known is not None:
        effects.count_open(_open_task(known), known.deadline, -1, awaiting_verification=known.awaits_verification)
    opened_at = known.opened_at if known else None
    return tallies.task_closed(event.data, at=event.time, region=event.region, opened_at=opened_at)


async def _task_extended(conn: asyncpg.Connection, event: Event, effects: Effects) -> None:
    """An approved extension moves an open task's deadline: it is overdue from the new one on, not the first."""
    deadline = date.fromisoformat(event.data["deadline"])
    known = await knowledge.extend_task(conn, event.data["taskId"], deadline)
    if known is not None:
        task, awaiting = _open_task(known), known.awaits_verification
        effects.count_open(task, known.deadline, -1, awaiting_verification=awaiting)
        effects.count_open(task, deadline, 1, awaiting_verification=awaiting)


# A submission leaves the task awaiting verification, a send-back gives it back to the unit.
_SUBMISSION_COUNTS = {"rectification.task.submitted": 1, "rectification.task.sent_back": -1}


async def _task_submitted_or_sent_back(conn: asyncpg.Connection, event: Event, effects: Effects) -> None:
    """A task awaiting verification is not overdue, whatever its deadline (rectification's rule); one sent back is
    owed by the unit again, and overdue once past its deadline."""
    delta = _SUBMISSION_COUNTS[event.type]
    known = await knowledge.count_submission(conn, event.data["taskId"], delta)
    if known is None:
        return
    after = knowledge.awaits_verification(known.pending_submissions + delta)
    if after != known.awaits_verification:
        effects.count_awaiting_verification(_open_task(known), known.deadline, 1 if after else -1)


def _from_data(make: Callable[[dict], Tally]) -> PureTallyOf:
    def tally(event: Event, _effects: Effects) -> Tally:
        return make(event.data)

    return tally


def _from_data_at(make: Callable[[dict, datetime], Tally]) -> PureTallyOf:
    def tally(event: Event, _effects: Effects) -> Tally:
        return make(event.data, event.time)

    return tally


# What items and tasks reporting learnt: counted in the transaction, in the batch's order.
STORED_TALLIES: dict[str, TallyOf] = {
    **dict.fromkeys(_ITEM_STEPS, _item_tally),
    "plan.filing.submitted": _filing_tally,
    "rectification.task.opened": _task_opened_tally,
    "rectification.task.closed": _task_closed_tally,
    "rectification.task.extension_approved": _task_extended,
    **dict.fromkeys(_SUBMISSION_COUNTS, _task_submitted_or_sent_back),
}
PURE_TALLIES: dict[str, PureTallyOf] = {
    "inspection.visit.checked_in": _visit_tally,
    "inspection.refusal.recorded": _from_data(tallies.refusal),
    "inspection.check_in.capped": _from_data(tallies.capped),
    "inspection.finding.recorded": _from_data_at(tallies.finding),
    "inspection.complaint.filed": _from_data(tallies.complaint),
    "inspection.complaint.concluded": _from_data(tallies.complaint_concluded),
}
TASK_STEPS = frozenset(event_type for event_type in STORED_TALLIES if event_type.startswith("rectification.task."))
DIRECTORY = {"plan.office.registered": ("offices", "officeId"), "plan.unit.registered": ("units", "unitId")}
CAP_POLICY = "plan.cap_policy.published"
EVENT_TYPES = tuple(sorted({*STORED_TALLIES, *PURE_TALLIES, *timeline.STEPS, *DIRECTORY, CAP_POLICY}))


def _when(event: Event) -> datetime:
    """When the step happened: the visit's inspection time (an emergency is registered later), else the event's."""
    moment = event.data.get("inspectedAt") or event.data.get("refusedAt")
    return datetime.fromisoformat(moment) if moment else event.time


def _fact(event: Event) -> Fact:
    data = event.data
    return Fact(
        event_type=event.type,
        at=_when(event),
        item_id=data["itemId"],
        office_id=data.get("officeId"),
        unit_id=timeline.unit_shown(event.type, data.get("unitId") or data.get("responsibleUnitId")),
        detail=timeline.detail(event.type, data),
        event_id=event.id,
        region=event.region,
    )


@dataclass
class Prepared:
    """A batch's effects gathered from its events alone, and its events whose tallies need the database (in order).
    Applied once: applying adds to `effects`."""

    effects: Effects
    stored: list[Event]


def _gather(event: Event, effects: Effects, stored: list[Event]) -> None:
    if event.type in DIRECTORY:
        table, key = DIRECTORY[event.type]
        effects.regions[(table, event.data[key])] = event.data["region"]
        return
    if event.type == CAP_POLICY:
        effects.cap_policies.append(caps.CapPolicy.of(event.data))
        return
    if event.type in timeline.STEPS and event.data.get("itemId"):
        effects.facts.append(_fact(event))
    if event.type in STORED_TALLIES:
        stored.append(event)
    elif (make_tally := PURE_TALLIES.get(event.type)) and (tally := make_tally(event, effects)) is not None:
        effects.count(tally)


def prepare_events(events: list[Event]) -> Prepared:
    """What the batch's events tell on their own, without the database; raises on an event it cannot read."""
    prepared = Prepared(Effects(), [])
    for event in events:
        _gather(event, prepared.effects, prepared.stored)
    return prepared


async def apply_prepared(conn: asyncpg.Connection, prepared: Prepared) -> None:
    """Counts the items and tasks in the batch's order, then writes everything; raises (and so rolls the batch back)
    on any event it cannot apply. Sums, open tasks and changed regions add up in any order, so counting the events
    that need the database after the others gives the same figures."""
    effects = prepared.effects
    # A task step writes its task, any other stored event its item.
    await knowledge.lock(
        conn, {event.data["taskId" if event.type in TASK_STEPS else "itemId"] for event in prepared.stored}
    )
    for event in prepared.stored:
        tally = await STORED_TALLIES[event.type](conn, event, effects)
        if tally is not None:
            effects.count(tally)
    await effects.write(conn)


async def apply_events(conn: asyncpg.Connection, events: list[Event]) -> None:
    """A batch in one go; raises (and so rolls the batch back) on any event it cannot apply."""
    await apply_prepared(conn, prepare_events(events))


async def apply_event(conn: asyncpg.Connection, event: Event) -> None:
    """Applies the event, or none of it: a payload reporting cannot read is logged and consumed without effect
    (redelivering it would fail the same way forever, and hold up a rebuild)."""
    try:
        async with conn.transaction():  # a savepoint inside the inbox transaction
            await apply_events(conn, [event])
    except (KeyError, TypeError, ValueError, asyncpg.DataError) as error:
        log.warning("event %s (%s) cannot be counted, skipped: %r", event.id, event.type, error)
