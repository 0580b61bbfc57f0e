"""Periods are China-time months; quarters and years are sums of months. Regions nest by prefix."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8))
REGION_DEPTHS = (2, 4, 6, 9, 12)
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


def is_region(code: str) -> bool:
    return code.isascii() and code.isdigit() and len(code) in REGION_DEPTHS


def region_ancestors(region: str, *, deepest: int = 12) -> list[str]:
    """`431024106` -> ['43', '4310', '431024', '431024106']: every region the code lies in, itself included,
    down to `deepest` digits."""
    return [region[:depth] for depth in REGION_DEPTHS if depth <= min(len(region), deepest)]


def year_problem(year: int) -> str | None:
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        return f"year must lie between {EARLIEST_YEAR} and {LATEST_YEAR}"
    return None
