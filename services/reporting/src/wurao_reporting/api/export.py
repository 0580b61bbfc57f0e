"""`GET /figures/{table}.csv?region=431024&period=2026-Q1`: one figures table as CSV, streamed.

One row per region inside `region` (itself first, then every sub-region with figures, by code), each figure
beside the same period a year earlier. UTF-8 with a BOM for Excel. Same bearer token and region rule as /graphql.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from wurao_common.auth import Caller
from wurao_common.ids import is_region_code
from wurao_common.service import Runtime
from wurao_reporting.adapters import export
from wurao_reporting.domain import export as tables
from wurao_reporting.domain.figures import Period, Sums
from wurao_reporting.domain.periods import CHINA

PATH = "/figures/{table}.csv"
_ROWS_PER_CHUNK = 500


def _refuse(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status)


def _csv(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    return text.getvalue().encode("utf-8")


async def _stream(runtime: Runtime, table: tables.Table, region: str, period: Period) -> AsyncIterator[bytes]:
    yield tables.BOM.encode("utf-8") + _csv([tables.header(table)])
    async with runtime.pool.acquire() as conn, conn.transaction(readonly=True):
        states = {}
        if table.prefix == "tasks.":
            states = await export.task_states(conn, region, period, datetime.now(CHINA).date())
        chunk: list[list[str]] = []
        read = period.up_to_end() if table.states else period
        async for code, counts in export.region_counts(conn, region, read, table.prefix):
            chunk.append(tables.row(table, code, period, Sums({**counts, **states.get(code, {})})))
            if len(chunk) == _ROWS_PER_CHUNK:
                yield _csv(chunk)
                chunk = []
        yield _csv(chunk)


async def figures_csv(request: Request, runtime: Runtime, caller: Caller) -> Response:
    table = tables.TABLES.get(request.path_params["table"])
    if table is None:
        return _refuse(404, "NOT_FOUND", f"no such table; tables: {', '.join(tables.TABLES)}")
    region = request.query_params.get("region", caller.region)
    period = tables.period_of(request.query_params.get("period", ""))
    if not is_region_code(region):
        return _refuse(400, "BAD_USER_INPUT", "region must be a GB/T 2260 code of 2, 4, 6, 9 or 12 digits")
    if period is None:
        return _refuse(400, "BAD_USER_INPUT", "period must be a year (2026), a quarter (2026-Q1) or a month (2026-03)")
    if not caller.can_reach(region):
        return _refuse(403, "NOT_ALLOWED", "the region lies outside yours")
    filename = f"{request.path_params['table']}-{region}-{period.label}.csv"
    return StreamingResponse(
        _stream(runtime, table, region, period),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"', "cache-control": "private, no-store"},
    )
