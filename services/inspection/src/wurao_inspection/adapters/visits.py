"""Visits in PostgreSQL, the truth every cap counter is rebuilt from, and the per-unit lock that keeps it so."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from wurao_common import request_ids
from wurao_common.bus import outbox
from wurao_common.bus.envelope import Event
from wurao_common.ids import uuids
from wurao_inspection.domain.caps import Counter
from wurao_inspection.domain.items import Inspector
from wurao_inspection.domain.joint import JointVisit
from wurao_inspection.domain.visits import Registration, Visit, VisitStatus

Conn = asyncpg.Connection | asyncpg.Pool
# Advisory lock namespace for "check-ins of one unit"; the unit id is hashed into the second key.
UNIT_LOCK = 0x7761_7572


@dataclass
class Hold:
    """The locks a check-in holds at session level, from before it reads anything until its visit commits: its
    request's (`request_lock`: the request's key, see request_ids.callers_own), so that retries of one request run
    one after the other and the second finds the first's visit; and the unit's, held from before its counters move
    until its visit commits or rolls back.

    Taken by the statement that reads the check-in's scene (reference.facts, with the locks first: migration 011), or
    alone by `take`. The unit's lock is taken exclusively when no other check-in of the unit holds it (always, with
    `exclusive` asked, waiting for them), else shared; once `taken`, `exclusive` says which. Exclusive, no increment
    the check-in cannot see is in flight, so what it counts in PostgreSQL is exact, and it may write a missing
    counter from the count (see admit.lua). Shared, concurrent check-ins of one unit run side by side, and a missing
    counter is reported, not written: an increment of another check-in in flight may have been lost with it.

    Session-level, so that the check-in reads and writes without a transaction around them (two round trips
    fewer): the locks outlive each statement, and the caller hands them over to the transaction that writes the
    visit (`handover`) or gives them up (`release`). `released` once they are given up or handed over."""

    unit_id: str
    request_lock: str | None  # the key of the check-in's request (request_ids.callers_own), if it has one
    exclusive: bool
    taken: bool = False
    released: bool = False

    def taking(self, *, request_id: str | None, counted_year: int | None, item_id: uuid.UUID | None) -> list:
        """The values of `held_source`'s parameters: the locks to take, then what to read behind them."""
        values = [request_ids.REQUEST_LOCK, self.request_lock, UNIT_LOCK, self.unit_id, self.exclusive]
        return [*values, request_id, counted_year, item_id]

    def took(self, row: asyncpg.Record) -> None:
        self.taken, self.exclusive = True, row["exclusive"]

    def handover(self, first: int) -> tuple[str, list]:
        """SQL (its parameters numbered from `$first`, their values) that takes each lock again for the
        statement's transaction, then lets its session hold go: the locks are held without a gap until that
        transaction commits or rolls back. CASE, not AND/OR: PostgreSQL evaluates a CASE's branches in order."""
        mode = "" if self.exclusive else "_shared"
        locks = [(mode, UNIT_LOCK, self.unit_id)]
        if self.request_lock is not None:
            locks.append(("", request_ids.REQUEST_LOCK, self.request_lock))
        moves = []
        for n, (kind, _, _) in enumerate(locks):
            key = f"${first + 2 * n}, hashtext(${first + 2 * n + 1})"
            held = f"pg_advisory_xact_lock{kind}({key})::text IS NOT NULL"
            moves.append(f"CASE WHEN {held} THEN pg_advisory_unlock{kind}({key}) END")
        return ", ".join(moves), [value for _, namespace, name in locks for value in (namespace, name)]


def held_source(first: int) -> str:
    """A FROM item (its parameters numbered from `$first`, their values from Hold.taking) that takes a check-in's
    locks, then reads the visit its request id already admitted and, held exclusively, the unit's counted visits
    of a year or of the item: columns `exclusive`, `earlier_id` and `counted` (migration 011)."""
    return f"check_in_hold({', '.join(f'${n}' for n in range(first, first + 8))}) AS held"


async def take(conn: asyncpg.Connection, hold: Hold) -> None:
    """Takes the check-in's locks on their own (a joint visit's, which reads its scenes code by code). Whatever
    happens, the caller then releases the hold: a wait cancelled halfway may leave some of the locks held."""
    args = hold.taking(request_id=None, counted_year=None, item_id=None)
    hold.took(await conn.fetchrow(f"SELECT exclusive FROM {held_source(1)}", *args))


async def hand_over(conn: asyncpg.Connection, hold: Hold) -> None:
    """Inside the transaction that writes the check-in's visits: it holds the check-in's locks until it ends."""
    handover, args = hold.handover(1)
    await conn.execute(f"SELECT {handover}", *args)
    hold.released = True


async def release(conn: asyncpg.Connection, hold: Hold) -> None:
    """Gives up a check-in's session-level locks (the connection holds no other). A connection that cannot say
    it did is closed, which ends its session and every lock it held."""
    if not hold.released:
        hold.released = True
        await _unlock_all(conn)


async def _unlock_all(conn: asyncpg.Connection) -> None:
    try:
        await conn.execute("SELECT pg_advisory_unlock_all()")
    except BaseException:
        conn.terminate()
        raise


async def hold_unit(conn: asyncpg.Connection, unit_id: str) -> None:
    """Waits until no check-in of the unit is in flight, and holds new ones off until the transaction ends."""
    await conn.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", UNIT_LOCK, unit_id)


def _people(members: list[dict]) -> tuple[Inspector, ...]:
    return tuple(Inspector(name=m["name"], title=m["title"], id=m["id"]) for m in members)


def _json(members: Sequence[Inspector]) -> list[dict]:
    return [{"id": m.id, "name": m.name, "title": m.title} for m in members]


def from_row(row: asyncpg.Record) -> Visit:
    return Visit(
        id=str(row["id"]),
        item_id=str(row["item_id"]),
        code_number=row["code_number"],
        office_id=row["office_id"],
        office_level=row["office_level"],
        office_region=row["office_region"],
        unit_id=row["unit_id"],
        unit_region=row["unit_region"],
        inspected_at=row["inspected_at"],
        registered_at=row["registered_at"],
        counted=row["counted"],
        registration=Registration(row["registration"]),
        late=row["late"],
        emergency_reason=row["emergency_reason"],
        status=VisitStatus(row["status"]),
        summary=row["summary"],
        completed_at=row["completed_at"],
        registered_by=row["registered_by"],
        inspectors_present=_people(row["inspectors_present"]),
        joint_visit_id=str(row["joint_visit_id"]) if row["joint_visit_id"] else None,
        counts_toward_unit=row["counts_toward_unit"],
    )


_VISIT_COLUMNS = """id, item_id, code_number, office_id, office_level, office_region, unit_id, unit_region,
    inspected_at, registered_at, period_year, counted, registration, late, emergency_reason, request_id, registered_by,
    inspectors_present, joint_visit_id, counts_toward_unit"""
_VISIT_VALUES = ", ".join(f"${n}" for n in range(1, 21))


async def insert(conn: asyncpg.Connection, visit: Visit, *, request_id: str | None, hold: Hold | None = None) -> None:
    """The visit and its checked-in event, in one statement. Raises asyncpg.UniqueViolationError when the unit
    already used `request_id`. With `hold` (the check-in's session-level locks, outside a transaction), the
    statement is the visit's whole transaction and takes the locks over until it commits."""
    if hold is None:
        change = f"INSERT INTO visits ({_VISIT_COLUMNS}) VALUES ({_VISIT_VALUES})"
        extra: list = []
    else:
        handover, extra = hold.handover(21)
        change = f"INSERT INTO visits ({_VISIT_COLUMNS}) SELECT {_VISIT_VALUES} FROM (SELECT {handover}) AS held"
    await outbox.record(
        conn,
        Event(
            type="inspection.visit.checked_in",
            region=visit.unit_region,
            subject=f"visit/{visit.id}",
            data=visit.event_data(),
        ),
        change=change,
        args=(
            uuid.UUID(visit.id),
            uuid.UUID(visit.item_id),
            visit.code_number,
            visit.office_id,
            visit.office_level,
            visit.office_region,
            visit.unit_id,
            visit.unit_region,
            visit.inspected_at,
            visit.registered_at,
            visit.period_year,
            visit.counted,
            str(visit.registration),
            visit.late,
            visit.emergency_reason,
            request_id,
            visit.registered_by,
            _json(visit.inspectors_present),
            uuid.UUID(visit.joint_visit_id) if visit.joint_visit_id else None,
            visit.counts_toward_unit,
            *extra,
        ),
    )
    if hold is not None:
        hold.released = True


async def insert_joint(conn: asyncpg.Connection, joint: JointVisit, *, request_id: str | None) -> None:
    """The occasion, before its item visits (they refer to it). Raises asyncpg.UniqueViolationError when the
    unit already used `request_id`."""
    await conn.execute(
        """INSERT INTO joint_visits (id, unit_id, unit_region, inspected_at, registered_by, lead, present, request_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        uuid.UUID(joint.id),
        joint.unit_id,
        joint.unit_region,
        joint.inspected_at,
        joint.registered_by,
        _json([joint.lead])[0],
        _json(joint.present),
        request_id,
    )


async def _joints(conn: Conn, rows: Sequence[asyncpg.Record]) -> list[JointVisit]:
    members = await conn.fetch(
        "SELECT * FROM visits WHERE joint_visit_id = ANY($1::uuid[]) ORDER BY counts_toward_unit DESC, code_number",
        [row["id"] for row in rows],
    )
    return [
        JointVisit(
            id=str(row["id"]),
            unit_id=row["unit_id"],
            unit_region=row["unit_region"],
            inspected_at=row["inspected_at"],
            registered_by=row["registered_by"],
            lead=_people([row["lead"]])[0],
            present=_people(row["present"]),
            visits=tuple(from_row(member) for member in members if member["joint_visit_id"] == row["id"]),
        )
        for row in rows
    ]


async def joints(conn: Conn, joint_ids: Sequence[str]) -> dict[str, JointVisit]:
    rows = await conn.fetch("SELECT * FROM joint_visits WHERE id = ANY($1::uuid[])", uuids(joint_ids))
    return {joint.id: joint for joint in await _joints(conn, rows)}


async def joint_by_request(conn: Conn, unit_id: str, request_id: str) -> JointVisit | None:
    rows = await conn.fetch("SELECT * FROM joint_visits WHERE unit_id = $1 AND request_id = $2", unit_id, request_id)
    found = await _joints(conn, rows)
    return found[0] if found else None


async def get(conn: Conn, visit_id: str) -> Visit | None:
    row = await conn.fetchrow("SELECT * FROM visits WHERE id = $1", uuid.UUID(visit_id))
    return from_row(row) if row else None


async def get_many(conn: Conn, visit_ids: Sequence[str]) -> dict[str, Visit]:
    rows = await conn.fetch("SELECT * FROM visits WHERE id = ANY($1::uuid[])", list(visit_ids))
    return {str(row["id"]): from_row(row) for row in rows}


async def exists(conn: Conn, occasion: str) -> bool:
    """Whether PostgreSQL holds the visit, or the joint visit, that a cap counter marks as `occasion`."""
    return bool(await existing(conn, [occasion]))


async def existing(conn: Conn, occasions: Sequence[str]) -> set[str]:
    """Which of these visits or joint visits (what cap counters mark) PostgreSQL holds."""
    rows = await conn.fetch(
        """SELECT id::text FROM visits WHERE id = ANY($1::uuid[])
           UNION SELECT id::text FROM joint_visits WHERE id = ANY($1::uuid[])""",
        uuids(occasions),
    )
    return {row["id"] for row in rows}


async def counted_groups(conn: Conn, unit_id: str, counters: Sequence[Counter]) -> list[tuple[int, str, str, str]]:
    """The unit's counted visits that any of `counters` covers, as (year, office level, item, occasion): the
    joint visit a visit belongs to, else the visit (see caps.tally)."""
    years = sorted({c.year for c in counters if c.year is not None})
    item_ids = sorted({c.item_id for c in counters if c.item_id is not None})
    rows = await conn.fetch(
        """SELECT period_year, office_level, item_id::text, coalesce(joint_visit_id, id)::text AS occasion
           FROM visits
           WHERE unit_id = $1 AND counted AND (period_year = ANY($2::int[]) OR item_id = ANY($3::uuid[]))""",
        unit_id,
        years,
        item_ids,
    )
    return [(row["period_year"], row["office_level"], row["item_id"], row["occasion"]) for row in rows]


async def complete(conn: asyncpg.Connection, visit_id: str, summary: str, completed_by: str, at) -> Visit | None:
    """None when the visit is not open (already completed)."""
    row = await conn.fetchrow(
        """UPDATE visits SET status = 'completed', summary = $2, completed_at = $3, completed_by = $4
           WHERE id = $1 AND status = 'open' RETURNING *""",
        uuid.UUID(visit_id),
        summary,
        at,
        completed_by,
    )
    return from_row(row) if row else None


async def in_region(
    conn: Conn,
    region: str,
    *,
    unit_id: str | None,
    item_id: str | None,
    office_id: str | None,
    after: str | None,
    limit: int,
) -> list[Visit]:
    """Newest first, filtered in SQL before the limit (so a page is full whenever that many match), and continued
    after a visit of an earlier page (keyset: its inspection time, then its id). The cursor is looked up in the list
    itself: `after` naming a visit outside it (out of the caller's reach) gives an empty page, as an unknown id does,
    so it tells nothing of that visit, not even that it exists."""
    rows = await conn.fetch(
        """WITH listed AS NOT MATERIALIZED (
               SELECT * FROM visits WHERE unit_region LIKE $1 || '%'
                 AND ($2::text IS NULL OR unit_id = $2) AND ($3::uuid IS NULL OR item_id = $3)
                 AND ($4::text IS NULL OR office_id = $4))
           SELECT * FROM listed
           WHERE $5::uuid IS NULL OR (inspected_at, id) < (SELECT inspected_at, id FROM listed WHERE id = $5)
           ORDER BY inspected_at DESC, id DESC LIMIT $6""",
        region,
        unit_id,
        uuid.UUID(item_id) if item_id else None,
        office_id,
        uuid.UUID(after) if after else None,
        limit,
    )
    return [from_row(row) for row in rows]


async def in_region_for_items(
    conn: Conn, region: str, item_ids: Sequence[str], *, unit_id: str | None, office_id: str | None, limit: int
) -> dict[str, list[Visit]]:
    """The newest `limit` visits of each item (as `in_region`, first page), for many items in one query."""
    rows = await conn.fetch(
        """SELECT v.* FROM unnest($2::uuid[]) AS wanted (item_id) CROSS JOIN LATERAL (
               SELECT * FROM visits WHERE item_id = wanted.item_id AND unit_region LIKE $1 || '%'
                 AND ($3::text IS NULL OR unit_id = $3) AND ($4::text IS NULL OR office_id = $4)
               ORDER BY inspected_at DESC, id DESC LIMIT $5) AS v""",
        region,
        uuids(item_ids),
        unit_id,
        office_id,
        limit,
    )
    asked = {str(uuid.UUID(item_id)): item_id for item_id in item_ids}  # as asked, whatever the spelling
    found: dict[str, list[Visit]] = {item_id: [] for item_id in item_ids}
    for row in rows:
        found[asked[str(row["item_id"])]].append(from_row(row))
    return found
