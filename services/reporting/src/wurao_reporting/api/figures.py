"""The figures' GraphQL shape: one `Figures` type for a region, an office or a unit, per year, quarter, month."""

from __future__ import annotations

import enum

import strawberry

from wurao_reporting.domain import caps, tallies
from wurao_reporting.domain.figures import Compared, Period, Sums, periods


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
    overdue: Figure = strawberry.field(
        description="Opened in the period, past the deadline today and still owed by the unit (open, in progress or "
        "sent back), as rectification's task board marks it: a task submitted and awaiting verification is not overdue."
    )
    closed_on_time: Figure = strawberry.field(
        description="Closed in the period, the accepted submission made by the deadline (an approved extension's)."
    )
    closed_late: Figure = strawberry.field(
        description="Closed in the period, the accepted submission made after the deadline (an approved extension's)."
    )
    mean_days_to_close: MeanFigure = strawberry.field(description="Days from opening to closing, tasks closed in it.")


ITEM_FIGURES = ("planned", "filed", "emergency_filed", "approved", "coded", "completed", "cancelled")
VISIT_FIGURES = ("counted", "exempt", "emergency", "late", "capped")


@strawberry.type(description="Every figure of one period.")
class PeriodFigures:
    """Each group of figures is worked out when a query asks for it: a year's figures hold 17 periods of about
    forty figures each, and a province's dashboard asks for a few of them (working all out cost ~6 ms a read)."""

    period: str = strawberry.field(description="'2026', '2026-Q1' or '2026-03'.")
    sums: strawberry.Private[Sums]
    span: strawberry.Private[Period]
    groups: strawberry.Private[dict]  # each group worked out once: the same figures may answer many reads

    @classmethod
    def of(cls, sums: Sums, period: Period) -> PeriodFigures:
        return cls(period=period.label, sums=sums, span=period, groups={})

    def _group(self, name: str, make):
        found = self.groups.get(name)
        if found is None:
            found = self.groups[name] = make()
        return found

    def _figure(self, metric: str) -> Figure:
        return Figure.of(self.sums.compared(self.span, metric))

    def _breakdown(self, prefix: str, known: tuple[str, ...]) -> Breakdown:
        parts = []
        for key in self.sums.keys(prefix, known):
            compared = self.sums.compared(self.span, prefix + key)
            parts.append(KeyedFigure(key=key, **vars(Figure.of(compared))))
        total = Compared(sum(p.value for p in parts), sum(p.last_year for p in parts))
        return Breakdown(total=Figure.of(total), parts=parts)

    @strawberry.field
    def items(self) -> ItemFigures:
        return self._group(
            "items", lambda: ItemFigures(**{name: self._figure(f"items.{name}") for name in ITEM_FIGURES})
        )

    @strawberry.field
    def visits(self) -> VisitFigures:
        return self._group(
            "visits", lambda: VisitFigures(**{name: self._figure(f"visits.{name}") for name in VISIT_FIGURES})
        )

    @strawberry.field(description="Inspections refused by units, by reason.")
    def refusals(self) -> Breakdown:
        return self._group("refusals", lambda: self._breakdown("refusals.", tallies.REFUSAL_REASONS))

    @strawberry.field(description="Problems found on visits, by severity.")
    def findings(self) -> Breakdown:
        return self._group("findings", lambda: self._breakdown("findings.", tallies.SEVERITIES))

    @strawberry.field
    def rectification(self) -> RectificationFigures:
        return self._group("rectification", self._rectification)

    def _rectification(self) -> RectificationFigures:
        sums, period = self.sums, self.span
        return RectificationFigures(
            opened=self._figure("tasks.opened"),
            still_open=self._figure("tasks.open"),
            overdue=self._figure("tasks.overdue"),
            closed_on_time=self._figure("tasks.closed_on_time"),
            closed_late=self._figure("tasks.closed_late"),
            mean_days_to_close=MeanFigure(
                value=sums.mean_days_to_close(period.year, period.months),
                last_year=sums.mean_days_to_close(period.year - 1, period.months),
            ),
        )

    @strawberry.field
    def caps(self) -> CapFigures:
        return self._group(
            "caps",
            lambda: CapFigures(
                units_at_cap=Figure.of(self.sums.compared_at_end(self.span, caps.AT_CAP)),
                units_near_cap=Figure.of(self.sums.compared_at_end(self.span, caps.NEAR_CAP)),
            ),
        )

    @strawberry.field(
        description="Complaints concluded in the period by their handling office, by outcome (substantiated: 查实; "
        "unfounded); counted like complaints."
    )
    def complaint_outcomes(self) -> Breakdown:
        return self._group(
            "complaint_outcomes", lambda: self._breakdown("complaint_outcomes.", tallies.COMPLAINT_OUTCOMES)
        )

    @strawberry.field(
        description="Burden complaints (码上减负) by kind; counted per region down to counties and per office "
        "complained about, never per unit or village, so that no figure names a complainant."
    )
    def complaints(self) -> Breakdown:
        return self._group("complaints", lambda: self._breakdown("complaints.", tallies.COMPLAINT_KINDS))


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
    def of(cls, kind: ScopeKind, scope: str, year: int, sums: Sums) -> Figures:
        """Built once for the same sums (a region's, held in memory, answer many reads), with what each read
        works out of them (`PeriodFigures`' groups)."""
        built = sums.memo.get((kind, scope, year))
        if built is None:
            built = sums.memo[(kind, scope, year)] = cls._build(kind, scope, year, sums)
        return built

    @classmethod
    def _build(cls, kind: ScopeKind, scope: str, year: int, sums: Sums) -> Figures:
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
            whole_year=PeriodFigures.of(sums, whole),
            quarters=[PeriodFigures.of(sums, quarter) for quarter in quarters],
            months=[PeriodFigures.of(sums, month) for month in months],
        )
