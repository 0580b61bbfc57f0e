"""The CSV tables: for a region and a period, one row per region inside it (itself first), each figure beside
the same period a year earlier."""

from __future__ import annotations

import re
from dataclasses import dataclass

from wurao_reporting.domain import caps, tallies
from wurao_reporting.domain.figures import ALL_MONTHS, Period, Sums
from wurao_reporting.domain.periods import quarter_months, year_problem

BOM = "\ufeff"  # so that Excel reads the file as UTF-8 and shows Chinese text
_PERIOD = re.compile(r"([0-9]{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?")  # fullmatch: ASCII digits, no trailing newline
_MEAN_DAYS = "mean_days_to_close"
# Open and overdue are states counted from the tasks table, not sums of events.
TASK_STATES = ("still_open", "overdue")


@dataclass(frozen=True)
class Table:
    prefix: str  # metrics of the table: `visits.`
    columns: tuple[str, ...]
    states: bool = False  # its figures are states at a period's end (units at a cap), not sums over it


TABLES: dict[str, Table] = {
    "items": Table("items.", ("planned", "filed", "emergency_filed", "approved", "coded", "completed", "cancelled")),
    "visits": Table("visits.", ("counted", "exempt", "emergency", "late", "capped")),
    "refusals": Table("refusals.", tallies.REFUSAL_REASONS),
    "findings": Table("findings.", tallies.SEVERITIES),
    "rectification": Table("tasks.", ("opened", "closed_on_time", "closed_late", _MEAN_DAYS, *TASK_STATES)),
    "complaints": Table("complaints.", tallies.COMPLAINT_KINDS),
    "caps": Table("caps.", tuple(metric.removeprefix("caps.") for metric in caps.STANDINGS), states=True),
}
_METRIC = {"still_open": "open"}  # column -> metric suffix where they differ


def period_of(text: str) -> Period | None:
    """'2026', '2026-Q2' or '2026-05'; None when malformed."""
    match = _PERIOD.fullmatch(text)
    if not match or year_problem(int(match.group(1))):
        return None
    year, quarter, month = int(match.group(1)), match.group(2), match.group(3)
    months = quarter_months(int(quarter)) if quarter else (int(month),) if month else ALL_MONTHS
    return Period(text, year, months)


def header(table: Table) -> list[str]:
    columns = [name for column in table.columns for name in (column, f"{column}_last_year")]
    return ["region", "period", *columns]


def row(table: Table, region: str, period: Period, sums: Sums) -> list[str]:
    values: list[str] = []
    for column in table.columns:
        if column == _MEAN_DAYS:
            values += [_format(sums.mean_days_to_close(year, period.months)) for year in (period.year, period.year - 1)]
            continue
        compare = sums.compared_at_end if table.states else sums.compared
        compared = compare(period, table.prefix + _METRIC.get(column, column))
        values += [str(compared.value), str(compared.last_year)]
    return [region, period.label, *values]


def _format(mean: float | None) -> str:
    return "" if mean is None else f"{mean:.1f}"
