"""Counting periods in China time (UTC+8, no daylight saving): a visit at 23:59 on 31 December counts in that year."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "CST")
# Counters outlive their period a little: late emergency registrations still find them, and nothing depends on
# an exact expiry (a counter that expired is rebuilt from PostgreSQL).
KEY_MARGIN = timedelta(days=7)
MIN_TTL_SECONDS = 60


def china_year(moment: datetime) -> int:
    return moment.astimezone(CHINA).year


def china_date(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


def end_of_year(year: int) -> datetime:
    return datetime(year + 1, 1, 1, tzinfo=CHINA)


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=CHINA)


def end_of_day(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=CHINA)


def ttl_seconds(period_end: datetime, now: datetime) -> int:
    """Relative, so a counter expires with its period however far the service's clock is from Redis's."""
    return max(MIN_TTL_SECONDS, math.ceil((period_end + KEY_MARGIN - now).total_seconds()))
