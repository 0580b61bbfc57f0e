"""Figures of a period from monthly sums, each beside the same period a year earlier."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from wurao_reporting.domain.periods import quarter_months

# (year, month, metric) -> value
Counts = Mapping[tuple[int, int, str], int]
ALL_MONTHS = tuple(range(1, 13))


@dataclass(frozen=True)
class Period:
    label: str  # "2026", "2026-Q1", "2026-03"
    year: int
    months: tuple[int, ...]

    def up_to_end(self) -> Period:
        """The year's months up to this period's last: a state stored as its changes adds up to its value there."""
        return Period(self.label, self.year, tuple(range(1, self.months[-1] + 1)))


def periods(year: int) -> tuple[Period, list[Period], list[Period]]:
    """The whole year, its quarters and its months."""
    quarters = [Period(f"{year}-Q{q}", year, quarter_months(q)) for q in range(1, 5)]
    months = [Period(f"{year}-{m:02d}", year, (m,)) for m in ALL_MONTHS]
    return Period(str(year), year, ALL_MONTHS), quarters, months


@dataclass(frozen=True)
class Compared:
    value: int
    last_year: int

    @property
    def change(self) -> int:
        return self.value - self.last_year

    @property
    def change_percent(self) -> float | None:
        """None when there was nothing a year earlier to compare with."""
        if self.last_year == 0:
            return None
        return round(100.0 * self.change / self.last_year, 1)


class Sums:
    """A scope's counts, added up by period. Read only: the same sums may answer many reads (a region's are held
    in memory), and `memo` keeps with them what a reader worked out of them."""

    def __init__(self, counts: Counts):
        self.counts = counts
        self.memo: dict = {}
        self._by_metric: dict[tuple[int, str], dict[int, int]] = {}
        for (year, month, metric), value in counts.items():
            self._by_metric.setdefault((year, metric), {})[month] = value

    def total(self, year: int, months: Iterable[int], metric: str) -> int:
        found = self._by_metric.get((year, metric), {})
        return sum(found.get(month, 0) for month in months)

    def compared(self, period: Period, metric: str) -> Compared:
        return Compared(
            self.total(period.year, period.months, metric), self.total(period.year - 1, period.months, metric)
        )

    def compared_at_end(self, period: Period, metric: str) -> Compared:
        """A state's figure (units at a cap), stored as its changes: its value at the period's end (the year's
        changes up to the period's last month), beside a year earlier."""
        return self.compared(period.up_to_end(), metric)

    def mean_days_to_close(self, year: int, months: Iterable[int]) -> float | None:
        """Over the tasks closed in those months that reporting saw open; None when there are none."""
        months = tuple(months)
        measured = self.total(year, months, "tasks.closed_measured")
        return round(self.total(year, months, "tasks.days_to_close") / measured, 1) if measured else None

    def keys(self, prefix: str, known: Iterable[str]) -> list[str]:
        """The known keys of a breakdown (`refusals.` -> reasons), then any others the events carried."""
        present = {metric.removeprefix(prefix) for _, metric in self._by_metric if metric.startswith(prefix)}
        known = list(known)
        return known + sorted(present - set(known))
