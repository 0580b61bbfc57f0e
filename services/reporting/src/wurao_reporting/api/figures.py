"""The figures' GraphQL shape: one `Figures` type for a region, an office or a unit, per year, quarter, month."""

from __future__ import annotations

import enum

import strawberry

from wurao_reporting.domain import caps, tallies
from wurao_reporting.domain.figures import Compared, Counts, Period, Sums, periods


@strawberry.enum(description="What a set of figures covers.")
class ScopeKind(enum.Enum):
    REGION = "region"
    OFFICE = "office"
    UNIT = "unit"


@strawberry.type(description="A count in a period, beside the same period a year earlier.")
class Figure:
    value: int
    last_year: int = strawberry.field(description="The same period one year earlier.")
    change: int = strawberry.field(description="value - lastYear.")
    change_percent: float | None = strawberry.field(
        description="The change in percent of lastYear (one decimal); null when lastYear is 0."
    )

    @classmethod
    def of(cls, compared: Compared) -> Figure:
        return cls(
            value=compared.value,
            last_year=compared.last_year,
            change=compared.change,
            change_percent=compared.change_percent,
        )


@strawberry.type(description="One part of a breakdown (a refusal reason, a severity, a complaint kind).")
class KeyedFigure(Figure):
    key: str


@strawberry.type(description="A total and its parts.")
class Breakdown:
    total: Figure
    parts: list[KeyedFigure]


@strawberry.type(description="A mean, beside the same period a year earlier; null where nothing was measured.")
class MeanFigure:
    value: float | None
    last_year: float | None


@strawberry.type(description="Items (督查事项) of this scope, counted in the year they are planned for.")
class ItemFigures:
    planned: Figure = strawberry.field(description="Put into an annual plan (less those taken out again).")
    filed: Figure = strawberry.field(description="Filed one by one outside a plan (一事一报).")
    emergency_filed: Figure = strawberry.field(description="Filings of emergency items.")
    approved: Figure
    coded: Figure = strawberry.field(description="Given their inspection code (赋码).")
    completed: Figure = strawberry.field(description="Completed (办结).")
    cancelled: Figure


@strawberry.type(description="Visits to units of this scope, in the month of the inspection.")
class VisitFigures:
    counted: Figure = strawberry.field(description="Counted against the frequency caps.")
    exempt: Figure = strawberry.field(description="Recorded, not counted (complaint, follow-up, emergency items).")
    emergency: Figure = strawberry.field(description="Registered after the fact as emergencies.")
    late: Figure = strawberry.field(description="Emergencies registered after the grace period.")
    capped: Figure = strawberry.field(
        description="Check-ins refused because a cap had no room (where caps bite), in the month of the check-in."
    )


@strawberry.type(
    description="Units whose yearly frequency caps (a level's, across levels) are used up or nearly, at the end of "
    "the period (a quarter's or a year's: its last month's; so far, for one not over yet): the unit's counted visits "
    "of the year by then (a joint visit once; exempt ones never), against the cap policy in force on the period's "
    "last day. In a unit's own figures: 1 or 0; in an office's: the units it made a counted visit to that year."
)
class CapFigures:
    units_at_cap: Figure = strawberry.field(description="Units with no room left on some yearly cap.")
    units_near_cap: Figure = strawberry.field(
        description="Units at no cap with one visit of room left on some yearly cap they have used."
    )


@strawberry.type(description="Rectification tasks (问题整改) of units in this scope.")
class RectificationFigures:
    opened: Figure
    still_open: Figure = strawberry.field(description="Opened in the period and not closed yet.")
    overdue: Figure = strawberry.field(description="Opened in the period, not closed, past the deadline today.")
    closed_on_time: Figure = strawberry.field(description="Closed in the period, submitted by the deadline.")
    closed_late: Figure = strawberry.field(description="Closed in the period, submitted after the deadline.")
    mean_days_to_close: MeanFigure = strawberry.field(description="Days from opening to closing, tasks closed in it.")


@strawberry.type(description="Every figure of one period.")
class PeriodFigures:
    period: str = strawberry.field(description="'2026', '2026-Q1' or '2026-03'.")
    items: ItemFigures
    visits: VisitFigures
    refusals: Breakdown = strawberry.field(description="Inspections refused by units, by reason.")
    findings: Breakdown = strawberry.field(description="Problems found on visits, by severity.")
    rectification: RectificationFigures
    caps: CapFigures
    complaint_outcomes: Breakdown = strawberry.field(
        description="Complaints concluded in the period by their handling office, by outcome (substantiated: 查实; "
        "unfounded); counted like complaints."
    )
    complaints: Breakdown = strawberry.field(
        description="Burden complaints (码上减负) by kind; counted per region down to counties and per office "
        "complained about, never per unit or village, so that no figure names a complainant."
    )


ITEM_FIGURES = ("planned", "filed", "emergency_filed", "approved", "coded", "completed", "cancelled")


def _breakdown(sums: Sums, period: Period, prefix: str, known: tuple[str, ...]) -> Breakdown:
    parts = []
    for key in sums.keys(prefix, known):
        compared = sums.compared(period, prefix + key)
        parts.append(KeyedFigure(key=key, **vars(Figure.of(compared))))
    total = Compared(sum(p.value for p in parts), sum(p.last_year for p in parts))
    return Breakdown(total=Figure.of(total), parts=parts)


def _period(sums: Sums, period: Period) -> PeriodFigures:
    def figure(metric: str) -> Figure:
        return Figure.of(sums.compared(period, metric))

    return PeriodFigures(
        period=period.label,
        items=ItemFigures(**{name: figure(f"items.{name}") for name in ITEM_FIGURES}),
        visits=VisitFigures(
            **{name: figure(f"visits.{name}") for name in ("counted", "exempt", "emergency", "late", "capped")}
        ),
        refusals=_breakdown(sums, period, "refusals.", tallies.REFUSAL_REASONS),
        findings=_breakdown(sums, period, "findings.", tallies.SEVERITIES),
        rectification=RectificationFigures(
            opened=figure("tasks.opened"),
            still_open=figure("tasks.open"),
            overdue=figure("tasks.overdue"),
            closed_on_time=figure("tasks.closed_on_time"),
            closed_late=figure("tasks.closed_late"),
            mean_days_to_close=MeanFigure(
                value=sums.mean_days_to_close(period.year, period.months),
                last_year=sums.mean_days_to_close(period.year - 1, period.months),
            ),
        ),
        caps=CapFigures(
            units_at_cap=Figure.of(sums.compared_at_end(period, caps.AT_CAP)),
            units_near_cap=Figure.of(sums.compared_at_end(period, caps.NEAR_CAP)),
        ),
        complaints=_breakdown(sums, period, "complaints.", tallies.COMPLAINT_KINDS),
        complaint_outcomes=_breakdown(sums, period, "complaint_outcomes.", tallies.COMPLAINT_OUTCOMES),
    )


@strawberry.type(description="What a region, an office or a unit saw in a year (一目了然).")
class Figures:
    scope_kind: ScopeKind
    scope: str = strawberry.field(description="The region code, office id or unit id.")
    year: int
    visits: int = strawberry.field(description="Counted visits in the year (in a region: and its sub-regions).")
    visits_last_year: int
    change_from_last_year: int = strawberry.field(description="visits - visitsLastYear.")
    change_percent_from_last_year: float | None = strawberry.field(
        description="The change in percent of last year's visits (one decimal); null when last year had none."
    )
    whole_year: PeriodFigures
    quarters: list[PeriodFigures]
    months: list[PeriodFigures]

    @classmethod
    def of(cls, kind: ScopeKind, scope: str, year: int, counts: Counts) -> Figures:
        sums = Sums(counts)
        whole, quarters, months = periods(year)
        visits = sums.compared(whole, "visits.counted")
        return cls(
            scope_kind=kind,
            scope=scope,
            year=year,
            visits=visits.value,
            visits_last_year=visits.last_year,
            change_from_last_year=visits.change,
            change_percent_from_last_year=visits.change_percent,
            whole_year=_period(sums, whole),
            quarters=[_period(sums, quarter) for quarter in quarters],
            months=[_period(sums, month) for month in months],
        )
