"""Ratings of a visit by the inspected unit, anonymous to the inspecting office: it only sees an aggregate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from wurao_common.auth import Caller, Role
from wurao_common.ids import is_uuid
from wurao_common.outcomes import Conflict, Invalid, NotAllowed
from wurao_common.request_ids import callers_own, request_id_problem
from wurao_inspection.adapters import feedback, reference, visits
from wurao_inspection.domain import access
from wurao_inspection.domain.feedback import score_problem, shown_ratings
from wurao_inspection.domain.periods import china_year


@dataclass(frozen=True)
class RatingRecorded:
    visit_id: str


@dataclass(frozen=True)
class RatingSummary:
    office_id: str
    year: int
    closed: bool
    ratings: int | None  # withheld while the year is open
    average: float | None  # withheld while the year is open and below domain.feedback.MIN_RATINGS_SHOWN


async def rate_visit(
    pool: asyncpg.Pool, caller: Caller, visit_id: str, score: int, *, now: datetime, request_id: str | None = None
) -> RatingRecorded | NotAllowed | Invalid | Conflict:
    """A retried request (same request id) finds its rating recorded; any other second rating is a conflict."""
    if not access.acts_for_unit(caller):
        return NotAllowed("only the visited unit rates a visit")
    if problem := request_id_problem(request_id):
        return problem
    request_id = callers_own(caller, "rating", request_id)
    if not is_uuid(visit_id):
        return Invalid("visitId", "not a visit id")
    problem = score_problem(score)
    if problem:
        return Invalid("score", problem)
    async with pool.acquire() as conn, conn.transaction():
        visit = await visits.get(conn, visit_id)
        if visit is None or visit.unit_id != caller.unit_id or not caller.can_reach(visit.unit_region):
            return NotAllowed("only the visited unit rates a visit")
        if not await feedback.mark_rated(conn, visit_id, request_id):
            if request_id and await feedback.rated_under(conn, visit_id) == request_id:
                return RatingRecorded(visit_id)
            return Conflict("this visit is already rated")
        # The score row keeps no visit, unit or time: nothing can join it back to who gave it. No event either:
        # one per rating, however bare, would tell its reader which visit was scored how. It counts in the year it
        # is given, never in one already closed: a closed year's figures the office reads would move by this score.
        await feedback.insert_rating(conn, visit.office_id, china_year(now), score)
    return RatingRecorded(visit_id)


async def rating_summary(
    pool: asyncpg.Pool, caller: Caller, office_id: str, year: int, *, now: datetime
) -> RatingSummary | NotAllowed:
    office = await reference.office(pool, office_id)
    if office is None or not caller.can_reach(office.region) or caller.role is Role.UNIT:
        return NotAllowed("ratings are summarised for offices and observers over the office's region")
    closed = year < china_year(now)
    count, total = await feedback.rating_totals(pool, office_id, year)
    return RatingSummary(office_id, year, closed, *shown_ratings(count, total, closed=closed))
