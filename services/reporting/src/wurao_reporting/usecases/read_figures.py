"""Reading a scope's figures for a year (and the year before), after checking the caller may see them."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from wurao_common.auth import Caller
from wurao_common.errors import ClientError
from wurao_common.ids import is_region_code
from wurao_reporting.adapters import figures, knowledge
from wurao_reporting.domain import access
from wurao_reporting.domain.figures import Sums
from wurao_reporting.domain.periods import CHINA, year_problem


def check_year(year: int) -> None:
    problem = year_problem(year)
    if problem:
        raise ClientError(problem)


def check_region(region: str) -> None:
    if not is_region_code(region):
        raise ClientError("region must be a GB/T 2260 code of 2, 4, 6, 9 or 12 digits, e.g. '43' or '431024'")


async def sums(pool: asyncpg.Pool, held: figures.HeldRegions, kind: str, scope_id: str, year: int) -> Sums:
    """A region's from this replica's memory when held there (`figures.HeldRegions`), else from PostgreSQL."""
    today = datetime.now(CHINA).date()
    if kind == "region":
        return await held.read(scope_id, year, today)
    return Sums(await figures.read(pool, kind, scope_id, [year, year - 1], today))


async def scope_region(pool: asyncpg.Pool, kind: str, scope_id: str) -> str | None:
    """The region a scope lies in: a region is its own; an office's or unit's as events told reporting."""
    if kind == "region":
        return scope_id
    table = {"office": "offices", "unit": "units"}[kind]
    return (await knowledge.regions(pool, table, [scope_id])).get(scope_id)


async def readable_sums(
    pool: asyncpg.Pool, held: figures.HeldRegions, caller: Caller, kind: str, scope_id: str, year: int
) -> Sums | None:
    """The scope's sums, or None when it lies outside the caller's region, is another unit's than the calling
    unit's (or reporting does not know it)."""
    check_year(year)
    if kind == "region":
        check_region(scope_id)
    region = await scope_region(pool, kind, scope_id)
    if region is None or not access.may_read_figures(caller, kind, scope_id, region):
        return None
    return await sums(pool, held, kind, scope_id, year)
