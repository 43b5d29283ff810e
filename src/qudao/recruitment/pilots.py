"""Evaluating a pilot: its partners against its goals and against a control group of
comparable partners, period by period, from the current reviews' scorecards.

For each KPI and each reviewed period inside the window (its quarters, else its months):
the mean over the pilot partners, the mean over the control partners, the difference and
the uplift (pilot ÷ control − 1). Over the window: the same on the means; and, against as
many periods before the window, the *effect*: (1 + uplift in the window) ÷ (1 + uplift
before) − 1 — so that a pilot group that was already ahead is not credited for its lead
(a group 10 % ahead before and 37.5 % ahead during the pilot shows an effect of 25 %).
A goal is met in a period when the pilot mean reaches its target (or stays under it, for a
KPI where lower is better).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from qudao.analytics.kpis import KPI_BY_ID, KPIS, Direction, Unit
from qudao.core.periods import Period

SIX = Decimal("0.000001")


def pilot_kpis() -> list[Any]:
    """The KPIs a pilot can be measured on: those every scorecard holds."""
    from qudao.analytics.models import Scorecard  # deferred: analytics sits above recruitment

    fields = {f.name for f in Scorecard._meta.concrete_fields}
    return [k for k in KPIS if k.id in fields]


def window_periods(starts_on: date, ends_on: date, reviewed: Iterable[str]) -> list[str]:
    """The reviewed periods inside the window: quarters if any, else months."""
    inside = [
        k for k in reviewed if starts_on <= Period.parse(k).start and Period.parse(k).end <= ends_on
    ]
    quarters = sorted(k for k in inside if "Q" in k)
    return quarters or sorted(k for k in inside if "-" in k)


def baseline_periods(periods: list[str]) -> list[str]:
    """As many periods just before the window."""
    if not periods:
        return []
    first = Period.parse(periods[0])
    return [first.shifted(-n).key for n in range(len(periods), 0, -1)]


def _mean(values: list[Decimal]) -> Decimal | None:
    return (sum(values, Decimal(0)) / len(values)).quantize(SIX, ROUND_HALF_UP) if values else None


@dataclass
class PeriodResult:
    period: str
    pilot: Decimal | None
    control: Decimal | None
    goal_met: bool | None

    @property
    def difference(self) -> Decimal | None:
        if self.pilot is None or self.control is None:
            return None
        return self.pilot - self.control

    @property
    def uplift(self) -> Decimal | None:
        if self.pilot is None or not self.control:
            return None
        return (self.pilot / self.control - 1).quantize(SIX, ROUND_HALF_UP)


@dataclass
class KpiResult:
    kpi: Any
    target: Decimal | None
    periods: list[PeriodResult] = field(default_factory=list)
    pilot: Decimal | None = None  # over the window
    control: Decimal | None = None
    baseline_pilot: Decimal | None = None
    baseline_control: Decimal | None = None

    @property
    def uplift(self) -> Decimal | None:
        return PeriodResult("", self.pilot, self.control, None).uplift

    @property
    def baseline_uplift(self) -> Decimal | None:
        return PeriodResult("", self.baseline_pilot, self.baseline_control, None).uplift

    @property
    def effect(self) -> Decimal | None:
        """The uplift in the window over the uplift before it: (1 + u) ÷ (1 + b) − 1."""
        if self.uplift is None or self.baseline_uplift is None or self.baseline_uplift == -1:
            return None
        return ((1 + self.uplift) / (1 + self.baseline_uplift) - 1).quantize(SIX, ROUND_HALF_UP)

    @property
    def periods_met(self) -> int:
        return sum(1 for p in self.periods if p.goal_met)


def _met(kpi: Any, value: Decimal | None, target: Decimal | None) -> bool | None:
    if value is None or target is None:
        return None
    return value <= target if kpi.direction == Direction.LOWER else value >= target


def evaluate(
    *,
    kpi_ids: list[str],
    targets: dict[str, Decimal],
    pilot_partners: set[int],
    control_partners: set[int],
    starts_on: date,
    ends_on: date,
    scorecards: Iterable[dict[str, Any]],
) -> tuple[list[str], list[KpiResult]]:
    """The evaluation from scorecard rows ({partner_id, period, <kpi>…}); returns the
    window's periods and a result per KPI."""
    rows = list(scorecards)
    reviewed = {r["period"] for r in rows}
    periods = window_periods(starts_on, ends_on, reviewed)
    before = baseline_periods(periods)
    values: dict[tuple[str, str, str], list[Decimal]] = defaultdict(list)
    for row in rows:
        group = (
            "pilot"
            if row["partner_id"] in pilot_partners
            else "control"
            if row["partner_id"] in control_partners
            else None
        )
        if group is None:
            continue
        for kpi_id in kpi_ids:
            value = row.get(kpi_id)
            if value is not None:
                values[(kpi_id, row["period"], group)].append(Decimal(value))
    results = []
    for kpi_id in kpi_ids:
        kpi = KPI_BY_ID[kpi_id]
        target = targets.get(kpi_id)
        result = KpiResult(kpi=kpi, target=target)
        for period in periods:
            pilot = _mean(values[(kpi_id, period, "pilot")])
            control = _mean(values[(kpi_id, period, "control")])
            result.periods.append(PeriodResult(period, pilot, control, _met(kpi, pilot, target)))

        def over(keys: list[str], group: str, kpi_id: str = kpi_id) -> Decimal | None:
            return _mean([v for k in keys for v in values[(kpi_id, k, group)]])

        result.pilot, result.control = over(periods, "pilot"), over(periods, "control")
        result.baseline_pilot, result.baseline_control = (
            over(before, "pilot"),
            over(before, "control"),
        )
        results.append(result)
    return periods, results


def typed_target(kpi_id: str, typed: Decimal) -> Decimal:
    """A target as people type it: a rate as a percentage (60 → 0.6)."""
    return typed / 100 if KPI_BY_ID[kpi_id].unit is Unit.RATE else typed


def shown_target(kpi_id: str, stored: Decimal) -> Decimal:
    return (stored * 100).normalize() if KPI_BY_ID[kpi_id].unit is Unit.RATE else stored.normalize()
