"""Ratings stay anonymous: an office sees its ratings only for a closed year, the average only from enough units,
and no event carries a single rating. Real PostgreSQL."""

from datetime import datetime

from wurao_common.auth import Caller, Role
from wurao_inspection.domain.feedback import MIN_RATINGS_SHOWN
from wurao_inspection.domain.periods import CHINA
from wurao_inspection.domain.visits import Visit
from wurao_inspection.usecases.ratings import RatingRecorded, rate_visit, rating_summary
from wurao_inspection.usecases.visits import check_in

NEXT_JANUARY = datetime(2027, 1, 5, 9, 0, tzinfo=CHINA)
OFFICE = Caller(subject="office", role=Role.COUNTY_OFFICE, region="431024", office_id="431024-dcs")


async def _rated_visits(deps, plan, as_unit, now, scores):
    for score in scores:
        unit_id = await plan.unit()
        visit = await check_in(deps, as_unit(unit_id), (await plan.item()).code, now=now)
        assert isinstance(visit, Visit)
        assert isinstance(await rate_visit(deps.pool, as_unit(unit_id), visit.id, score, now=now), RatingRecorded)


async def test_a_closed_year_shows_the_average_of_enough_ratings(deps, plan, as_unit, now):
    await plan.publish("plan.office.registered", _office(), region="431024")
    await _rated_visits(deps, plan, as_unit, now, [5, 4, 4, 3, 5][:MIN_RATINGS_SHOWN])

    open_year = await rating_summary(deps.pool, OFFICE, "431024-dcs", 2026, now=now)
    closed_year = await rating_summary(deps.pool, OFFICE, "431024-dcs", 2026, now=NEXT_JANUARY)

    assert (open_year.closed, open_year.ratings, open_year.average) == (False, None, None)
    assert (closed_year.closed, closed_year.ratings, closed_year.average) == (True, MIN_RATINGS_SHOWN, 4.2)


async def test_too_few_ratings_keep_the_average_withheld_even_when_closed(deps, plan, as_unit, now):
    await plan.publish("plan.office.registered", _office(), region="431024")
    await _rated_visits(deps, plan, as_unit, now, [1] * (MIN_RATINGS_SHOWN - 1))

    summary = await rating_summary(deps.pool, OFFICE, "431024-dcs", 2026, now=NEXT_JANUARY)

    assert (summary.ratings, summary.average) == (MIN_RATINGS_SHOWN - 1, None)


async def test_a_rating_given_after_its_visits_year_closed_never_moves_the_closed_years_figures(
    deps, plan, as_unit, now
):
    """A closed year's count and average are what the office reads: one more rating in it would tell the office,
    by the change, the score a unit it visited late that year gave."""
    await plan.publish("plan.office.registered", _office(), region="431024")
    await _rated_visits(deps, plan, as_unit, now, [5, 4, 4, 3, 5][:MIN_RATINGS_SHOWN])
    late_unit = await plan.unit()
    december = datetime(2026, 12, 28, 15, 0, tzinfo=CHINA)
    december_visit = await check_in(deps, as_unit(late_unit), (await plan.item()).code, now=december)
    assert isinstance(december_visit, Visit)
    shown = await rating_summary(deps.pool, OFFICE, "431024-dcs", 2026, now=NEXT_JANUARY)

    rated = await rate_visit(deps.pool, as_unit(late_unit), december_visit.id, 1, now=NEXT_JANUARY)

    assert isinstance(rated, RatingRecorded)
    after = await rating_summary(deps.pool, OFFICE, "431024-dcs", 2026, now=NEXT_JANUARY)
    assert (after.ratings, after.average) == (shown.ratings, shown.average) == (MIN_RATINGS_SHOWN, 4.2)
    next_year = await rating_summary(deps.pool, OFFICE, "431024-dcs", 2027, now=NEXT_JANUARY)
    assert (next_year.closed, next_year.ratings) == (False, None), "counted in the year it was given, still open"


async def test_no_event_carries_a_single_rating(deps, plan, as_unit, now):
    """Rating a visit records no event at all, under any name: one per rating would tell which visit was scored."""
    unit_id = await plan.unit()
    visit = await check_in(deps, as_unit(unit_id), (await plan.item()).code, now=now)
    assert isinstance(visit, Visit)
    outbox = "SELECT subject, payload FROM outbox ORDER BY seq"
    before = await deps.pool.fetch(outbox)
    assert before, "the check-in's own event is in the outbox (no relay drains it here)"
    assert isinstance(await rate_visit(deps.pool, as_unit(unit_id), visit.id, 2, now=now), RatingRecorded)
    assert await deps.pool.fetch(outbox) == before


def _office() -> dict:
    return {
        "officeId": "431024-dcs",
        "name": "嘉禾县委督查室",
        "level": "county",
        "kind": "supervision",
        "region": "431024",
        "approverOfficeId": "4310-dcs",
        "yearlyBaseline": 20,
    }
