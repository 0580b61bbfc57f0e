"""Refusals, findings, complaints and ratings in PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from wurao_inspection.domain.complaints import ComplaintStatus
from wurao_inspection.domain.feedback import (
    Complaint,
    ComplaintKind,
    ExhaustedCap,
    Finding,
    Refusal,
    RefusalOrigin,
    RefusalReason,
    Route,
    Severity,
)
from wurao_inspection.domain.items import Level

Conn = asyncpg.Connection | asyncpg.Pool


def _uuid(text: str | None) -> uuid.UUID | None:
    return uuid.UUID(text) if text else None


def _str(value: uuid.UUID | None) -> str | None:
    return str(value) if value else None


async def insert_refusal(
    conn: asyncpg.Connection, refusal: Refusal, refused_by: str, *, request_id: str | None = None
) -> bool:
    """False when a refusal was already recorded under `request_id` (nothing is written then)."""
    return bool(
        await conn.fetchval(
            """INSERT INTO refusals (id, unit_id, unit_region, reason, item_id, office_id, verdict,
                                     negative_list_entry, note, refused_at, refused_by, request_id, origin, exhausted)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
               ON CONFLICT (request_id) WHERE request_id IS NOT NULL DO NOTHING RETURNING true""",
            uuid.UUID(refusal.id),
            refusal.unit_id,
            refusal.unit_region,
            str(refusal.reason),
            _uuid(refusal.item_id),
            refusal.office_id,
            refusal.verdict,
            refusal.negative_list_entry,
            refusal.note,
            refusal.refused_at,
            refused_by,
            request_id,
            str(refusal.origin),
            [cap.event_data() for cap in refusal.exhausted],
        )
    )


async def refusal_by_request(conn: Conn, request_id: str) -> Refusal | None:
    row = await conn.fetchrow("SELECT * FROM refusals WHERE request_id = $1", request_id)
    return _refusal(row) if row else None


async def refusals_in_region(
    conn: Conn,
    region: str,
    *,
    unit_id: str | None,
    office_id: str | None,
    reason: str | None,
    after: str | None,
    limit: int,
) -> list[Refusal]:
    """Newest first, filtered in SQL before the limit, continued after a refusal of an earlier page (keyset), looked
    up in the list itself (as visits.in_region: one outside it gives an empty page, as an unknown id)."""
    rows = await conn.fetch(
        """WITH listed AS NOT MATERIALIZED (
               SELECT * FROM refusals WHERE unit_region LIKE $1 || '%'
                 AND ($2::text IS NULL OR unit_id = $2) AND ($3::text IS NULL OR office_id = $3)
                 AND ($4::text IS NULL OR reason = $4))
           SELECT * FROM listed
           WHERE $5::uuid IS NULL OR (refused_at, id) < (SELECT refused_at, id FROM listed WHERE id = $5)
           ORDER BY refused_at DESC, id DESC LIMIT $6""",
        region,
        unit_id,
        office_id,
        reason,
        _uuid(after),
        limit,
    )
    return [_refusal(row) for row in rows]


def _refusal(row: asyncpg.Record) -> Refusal:
    return Refusal(
        id=str(row["id"]),
        unit_id=row["unit_id"],
        unit_region=row["unit_region"],
        reason=RefusalReason(row["reason"]),
        item_id=_str(row["item_id"]),
        office_id=row["office_id"],
        verdict=row["verdict"],
        negative_list_entry=row["negative_list_entry"],
        note=row["note"],
        refused_at=row["refused_at"],
        origin=RefusalOrigin(row["origin"]),
        exhausted=tuple(ExhaustedCap(**cap) for cap in row["exhausted"]),
    )


def _finding(row: asyncpg.Record) -> Finding:
    return Finding(
        id=str(row["id"]),
        visit_id=str(row["visit_id"]),
        item_id=str(row["item_id"]),
        office_id=row["office_id"],
        office_region=row["office_region"],
        severity=Severity(row["severity"]),
        responsible_unit_id=row["responsible_unit_id"],
        unit_region=row["unit_region"],
        description=row["description"],
        evidence=tuple(row["evidence"]),
        proposed_deadline=row["proposed_deadline"],
        recorded_at=row["recorded_at"],
    )


_FINDING_SELECT = (
    """SELECT f.*, v.item_id, v.office_id, v.office_region FROM findings f JOIN visits v ON v.id = f.visit_id"""
)


async def insert_finding(
    conn: asyncpg.Connection, finding: Finding, recorded_by: str, *, request_id: str | None = None
) -> None:
    await conn.execute(
        """INSERT INTO findings (id, visit_id, severity, responsible_unit_id, unit_region, description, evidence,
                                 proposed_deadline, recorded_at, recorded_by, request_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)""",
        uuid.UUID(finding.id),
        uuid.UUID(finding.visit_id),
        str(finding.severity),
        finding.responsible_unit_id,
        finding.unit_region,
        finding.description,
        list(finding.evidence),
        finding.proposed_deadline,
        finding.recorded_at,
        recorded_by,
        request_id,
    )


async def finding_by_request(conn: Conn, request_id: str) -> Finding | None:
    row = await conn.fetchrow(f"{_FINDING_SELECT} WHERE f.request_id = $1", request_id)
    return _finding(row) if row else None


async def findings(conn: Conn, finding_ids: Sequence[str]) -> dict[str, Finding]:
    rows = await conn.fetch(f"{_FINDING_SELECT} WHERE f.id = ANY($1::uuid[])", list(finding_ids))
    return {str(row["id"]): _finding(row) for row in rows}


async def findings_of_visits(conn: Conn, visit_ids: Sequence[str]) -> dict[str, list[Finding]]:
    rows = await conn.fetch(
        f"{_FINDING_SELECT} WHERE f.visit_id = ANY($1::uuid[]) ORDER BY f.recorded_at", list(visit_ids)
    )
    found: dict[str, list[Finding]] = {visit_id: [] for visit_id in visit_ids}
    for row in rows:
        found[str(row["visit_id"])].append(_finding(row))
    return found


def _complaint(row: asyncpg.Record) -> Complaint:
    return Complaint(
        id=str(row["id"]),
        unit_id=row["unit_id"],
        unit_region=row["unit_region"],
        kind=ComplaintKind(row["kind"]),
        office_id=row["office_id"],
        item_id=_str(row["item_id"]),
        visit_id=_str(row["visit_id"]),
        negative_list_entry=row["negative_list_entry"],
        place=row["place"],
        description=row["description"],
        evidence=tuple(row["evidence"]),
        route=Route(Level(row["routed_level"]), row["routed_region"]),
        routed_office_id=row["routed_office_id"],
        filed_at=row["filed_at"],
        negative_list_version=row["negative_list_version"],
        status=ComplaintStatus(row["status"]),
        outcome=ComplaintStatus(row["outcome"]) if row["outcome"] else None,
        findings=row["findings"],
        reply=row["reply"],
        closed_at=row["closed_at"],
    )


async def insert_complaint(conn: asyncpg.Connection, complaint: Complaint, *, request_id: str | None = None) -> None:
    await conn.execute(
        """INSERT INTO complaints (id, unit_id, unit_region, kind, office_id, item_id, visit_id, negative_list_entry,
                                   place, description, evidence, routed_level, routed_region, routed_office_id,
                                   filed_at, request_id, negative_list_version)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)""",
        uuid.UUID(complaint.id),
        complaint.unit_id,
        complaint.unit_region,
        str(complaint.kind),
        complaint.office_id,
        _uuid(complaint.item_id),
        _uuid(complaint.visit_id),
        complaint.negative_list_entry,
        complaint.place,
        complaint.description,
        list(complaint.evidence),
        str(complaint.route.level),
        complaint.route.region,
        complaint.routed_office_id,
        complaint.filed_at,
        request_id,
        complaint.negative_list_version,
    )


async def complaint_by_request(conn: Conn, request_id: str) -> Complaint | None:
    row = await conn.fetchrow("SELECT * FROM complaints WHERE request_id = $1", request_id)
    return _complaint(row) if row else None


async def complaint(conn: Conn, complaint_id: str) -> Complaint | None:
    row = await conn.fetchrow("SELECT * FROM complaints WHERE id = $1", uuid.UUID(complaint_id))
    return _complaint(row) if row else None


async def lock_complaint(conn: asyncpg.Connection, complaint_id: str) -> Complaint | None:
    """Held until the transaction ends: two handling steps of one complaint run one after the other."""
    row = await conn.fetchrow("SELECT * FROM complaints WHERE id = $1 FOR UPDATE", uuid.UUID(complaint_id))
    return _complaint(row) if row else None


async def move_complaint(
    conn: asyncpg.Connection, complaint_id: str, status: ComplaintStatus, *, text: str | None, at
) -> Complaint:
    """To `status`; a conclusion keeps its outcome and findings, a closing its reply."""
    row = await conn.fetchrow(
        """UPDATE complaints SET status = $2, updated_at = $4,
                  outcome = CASE WHEN $2 IN ('substantiated', 'unfounded') THEN $2 ELSE outcome END,
                  findings = CASE WHEN $2 IN ('substantiated', 'unfounded') THEN $3 ELSE findings END,
                  reply = CASE WHEN $2 = 'closed' THEN $3 ELSE reply END,
                  closed_at = CASE WHEN $2 = 'closed' THEN $4 ELSE closed_at END
           WHERE id = $1 RETURNING *""",
        uuid.UUID(complaint_id),
        str(status),
        text,
        at,
    )
    return _complaint(row)


def _complaints_page(scope: str) -> str:
    """Complaints within `scope` (on $1), newest first, continued after a complaint of an earlier page (keyset: its
    filing time, then its id) looked up within `scope` too (as visits.in_region: one outside it gives an empty page,
    as an unknown id)."""
    return f"""WITH listed AS NOT MATERIALIZED (SELECT * FROM complaints WHERE {scope})
               SELECT * FROM listed
               WHERE $3::uuid IS NULL OR (filed_at, id) < (SELECT filed_at, id FROM listed WHERE id = $3)
               ORDER BY filed_at DESC, id DESC LIMIT $2"""


_ROUTED_WITHIN = _complaints_page("routed_region LIKE $1 || '%'")
_OF_UNIT = _complaints_page("unit_id = $1")


async def complaints_routed_within(conn: Conn, region: str, limit: int, after: str | None = None) -> list[Complaint]:
    rows = await conn.fetch(_ROUTED_WITHIN, region, limit, uuid.UUID(after) if after else None)
    return [_complaint(row) for row in rows]


async def complaints_of_unit(conn: Conn, unit_id: str, limit: int, after: str | None = None) -> list[Complaint]:
    rows = await conn.fetch(_OF_UNIT, unit_id, limit, uuid.UUID(after) if after else None)
    return [_complaint(row) for row in rows]


async def mark_rated(conn: asyncpg.Connection, visit_id: str, request_id: str | None = None) -> bool:
    """False when the visit was rated before."""
    return bool(
        await conn.fetchval(
            "INSERT INTO rated_visits (visit_id, request_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING true",
            uuid.UUID(visit_id),
            request_id,
        )
    )


async def rated_under(conn: Conn, visit_id: str) -> str | None:
    """The request id the visit's rating was given under, if any."""
    return await conn.fetchval("SELECT request_id FROM rated_visits WHERE visit_id = $1", uuid.UUID(visit_id))


async def insert_rating(conn: asyncpg.Connection, office_id: str, year: int, score: int) -> None:
    await conn.execute("INSERT INTO ratings (office_id, year, score) VALUES ($1, $2, $3)", office_id, year, score)


async def rating_totals(conn: Conn, office_id: str, year: int) -> tuple[int, int]:
    row = await conn.fetchrow(
        "SELECT count(*) AS n, coalesce(sum(score), 0) AS total FROM ratings WHERE office_id = $1 AND year = $2",
        office_id,
        year,
    )
    return row["n"], row["total"]
