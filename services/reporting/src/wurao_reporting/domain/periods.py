"""Periods are China-time months; quarters and years are sums of months. Regions nest by prefix."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

CHINA = timezone(timedelta(hours=8))
REGION_DEPTHS = (2, 4, 6, 9, 12)
DEEPEST = REGION_DEPTHS[-1]
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int


def month_of(moment: datetime) -> Month:
    local = moment.astimezone(CHINA)
    return Month(local.year, local.month)


def china_date(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


def month_within_year(year: int, moment: datetime) -> Month:
    """An item counts in the year it is planned for: a step taken before that year counts in its January,
    one taken after it in its December."""
    happened = month_of(moment)
    if happened.year < year:
        return Month(year, 1)
    if happened.year > year:
        return Month(year, 12)
    return happened


def quarter_months(quarter: int) -> tuple[int, ...]:
    return tuple(range(3 * quarter - 2, 3 * quarter + 1))


def region_ancestors(region: str, *, deepest: int = DEEPEST) -> list[str]:
    """`431024106` -> ['43', '4310', '431024', '431024106']: every region the code lies in, itself included,
    down to `deepest` digits."""
    deepest = min(len(region), deepest)
    return [region[:depth] for depth in REGION_DEPTHS if depth <= deepest]


@lru_cache(maxsize=1 << 16)
def region_scopes(region: str, deepest: int) -> tuple[tuple[str, str], ...]:
    """The ("region", code) scopes of `region_ancestors(region, deepest=deepest)`: every event asks, with the same
    arguments for the same region (each call's arguments are the cache's key)."""
    return tuple([("region", code) for code in region_ancestors(region, deepest=deepest)])


def year_problem(year: int) -> str | None:
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        return f"year must lie between {EARLIEST_YEAR} and {LATEST_YEAR}"
    return None
