"""Running the metrics on an engine: gather the inputs, execute, hand back Arrow.

DuckDB (embedded) is the default. Master data reaches the engine as Arrow tables (DESIGN
§6: the engines' database scanners are not available offline), facts through the one
reader, ``qudao.facts.store.fact_table``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import ibis
import pyarrow as pa

from qudao.analytics.kpis import (
    KPIS,
    NEW_CUSTOMER_LOOKBACK_MONTHS,
    Direction,
    sell_through_rate_definition,
)
from qudao.analytics.metrics import grade_scores, monthly_rollups, partner_kpis
from qudao.core.periods import Period, PeriodKind

REVIEW_FACTS = ("sell_in", "sell_through", "inventory", "marketing_spend", "receivable")


@dataclass
class EngineResult:
    table: pa.Table
    input_batches: dict[str, list[int]]
    timings: dict[str, float] = field(default_factory=dict)


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def period_windows(periods: list[Period]) -> pa.Table:
    """Each reviewed period with the bounds the metrics compare days against (the months of
    each window are in ``window_months``)."""
    rows = [
        {
            "period": p.key,
            "end": p.end,
            "prev_end": p.previous.end,
            "lookback_start": _months_before(p.start, NEW_CUSTOMER_LOOKBACK_MONTHS),
            "days": p.days,
        }
        for p in periods
    ]
    return pa.Table.from_pylist(rows)


def _months(first: date, last: date) -> list[date]:
    """The first days of the months from ``first``'s to ``last``'s (windows are whole months)."""
    found, index = [], first.year * 12 + first.month - 1
    while (index // 12, index % 12 + 1) <= (last.year, last.month):
        found.append(date(index // 12, index % 12 + 1, 1))
        index += 1
    return found


def window_months(periods: list[Period]) -> pa.Table:
    """For each reviewed period, the months of each window its KPIs read (see metrics)."""
    rows = []
    for p in periods:
        windows = {
            "now": (p.start, p.end),
            "prev": (p.previous.start, p.previous.end),
            "ya": (p.year_ago.start, p.year_ago.end),
            "lookback": (
                _months_before(p.start, NEW_CUSTOMER_LOOKBACK_MONTHS),
                p.start - timedelta(days=1),
            ),
        }
        for window, (first, last) in windows.items():
            rows += [{"window": window, "period": p.key, "month": m} for m in _months(first, last)]
    return pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [("window", pa.string()), ("period", pa.string()), ("month", pa.date32())]
        ),
    )


def partner_master() -> pa.Table:
    from qudao.partners.models import Partner

    names = ["partner", "channel_model", "region", "status"]
    rows = Partner.objects.values_list("code", "channel_model__code", "home_region__code", "status")
    return pa.Table.from_pylist(
        [dict(zip(names, row, strict=True)) for row in rows],
        schema=pa.schema([(n, pa.string()) for n in names]),
    )


def _kind(key: str) -> PeriodKind:
    return PeriodKind.QUARTER if "Q" in key else PeriodKind.MONTH if "-" in key else PeriodKind.YEAR


def period_targets(periods: list[Period]) -> pa.Table:
    """The target amount of each partner for each reviewed period (all categories).

    The period's own target wins; else the sum of its quarters' targets; else of its months'.
    """
    from qudao.partners.models import Target

    stored = list(
        Target.objects.filter(
            category__isnull=True,
            amount__isnull=False,
            period_start__gte=min(p.start for p in periods),
            period_end__lte=max(p.end for p in periods),
        ).values_list("partner__code", "period", "period_start", "period_end", "amount")
    )
    rows: list[dict[str, Any]] = []
    for p in periods:
        inside = [r for r in stored if r[2] >= p.start and r[3] <= p.end]
        found: dict[str, Decimal] = {}
        for kind in (p.kind, PeriodKind.QUARTER, PeriodKind.MONTH):
            sums: dict[str, Decimal] = {}
            for code, key, _start, _end, amount in inside:
                if _kind(key) is kind:
                    sums[code] = sums.get(code, Decimal(0)) + amount
            for code, amount in sums.items():
                found.setdefault(code, amount)
        rows += [{"partner": c, "period": p.key, "target": a} for c, a in found.items()]
    schema = pa.schema(
        [("partner", pa.string()), ("period", pa.string()), ("target", pa.decimal128(24, 2))]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def duckdb_connection() -> Any:
    con = ibis.duckdb.connect()
    con.raw_sql("SET preserve_insertion_order = false; SET enable_progress_bar = false")
    return con


@dataclass(frozen=True)
class Grading:
    weights: dict[str, float]
    thresholds: list[tuple[str, float]]

    @classmethod
    def from_model(cls, model: Any) -> Grading:
        return cls(
            weights={k: float(v) for k, v in model.weights.items()},
            thresholds=[(str(code), float(lowest)) for code, lowest in model.thresholds],
        )


def run_review(
    periods: list[Period], *, engine: str = "duckdb", grading: Grading | None = None
) -> EngineResult:
    """Compute every KPI of every scored partner for ``periods`` on ``engine``, scored and
    graded by ``grading`` when given."""
    import time

    from qudao.facts import store

    timings: dict[str, float] = {}
    started = time.perf_counter()
    if engine != "duckdb":
        raise ValueError(f"unknown engine {engine!r}")
    con = duckdb_connection()
    facts = {name: store.fact_table(name, connection=con) for name in REVIEW_FACTS}
    batches = {name: store.committed_batch_ids(name) for name in REVIEW_FACTS}
    # The roll-ups are read several times (each window, each KPI): materialise them once.
    rollups = {
        name: con.create_table(f"rollup_{name}_{uuid.uuid4().hex[:8]}", obj=expr, temp=True)
        for name, expr in monthly_rollups(facts).items()
    }
    timings["rollups"] = time.perf_counter() - started
    expression = partner_kpis(
        rollups=rollups,
        partners=ibis.memtable(partner_master()),
        periods=ibis.memtable(period_windows(periods)),
        months=ibis.memtable(window_months(periods)),
        targets=ibis.memtable(period_targets(periods)),
        sell_through_rate=sell_through_rate_definition(),
    )
    if grading is not None:
        expression = grade_scores(
            expression,
            weights=grading.weights,
            lower_is_better={k.id for k in KPIS if k.direction is Direction.LOWER},
            thresholds=grading.thresholds,
        )
    timings["prepare"] = time.perf_counter() - started - timings["rollups"]
    table = con.to_pyarrow(expression)
    timings["compute"] = time.perf_counter() - started - timings["prepare"] - timings["rollups"]
    return EngineResult(table=table, input_batches=batches, timings=timings)
