"""Running the metrics on an engine: gather the inputs, execute, hand back Arrow.

DuckDB (embedded) is the default. Master data reaches the engine as Arrow tables (DESIGN
§6: the engines' database scanners are not available offline), facts through the one
reader, ``qudao.facts.store.fact_table``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import ibis
import pyarrow as pa

from qudao.analytics.kpis import (
    KPIS,
    NEW_CUSTOMER_LOOKBACK_DAYS,
    Direction,
    sell_through_rate_definition,
)
from qudao.analytics.metrics import grade_scores, partner_kpis
from qudao.core.periods import Period, PeriodKind

REVIEW_FACTS = ("sell_in", "sell_through", "inventory", "marketing_spend", "receivable")


@dataclass
class EngineResult:
    table: pa.Table
    input_batches: dict[str, list[int]]
    timings: dict[str, float] = field(default_factory=dict)


def period_windows(periods: list[Period]) -> pa.Table:
    """Each reviewed period with the windows its KPIs compare against."""
    rows = []
    for p in periods:
        before, year_ago = p.previous, p.year_ago
        rows.append(
            {
                "period": p.key,
                "start": p.start,
                "end": p.end,
                "prev_start": before.start,
                "prev_end": before.end,
                "ya_start": year_ago.start,
                "ya_end": year_ago.end,
                "lookback_start": p.start - timedelta(days=NEW_CUSTOMER_LOOKBACK_DAYS),
                "lookback_end": p.start - timedelta(days=1),
                "days": p.days,
            }
        )
    return pa.Table.from_pylist(rows)


def partner_master() -> pa.Table:
    from qudao.partners.models import Partner

    names = ["partner", "channel_model", "region", "status"]
    rows = Partner.objects.values_list("code", "channel_model__code", "home_region__code", "status")
    return pa.Table.from_pylist(
        [dict(zip(names, row, strict=True)) for row in rows],
        schema=pa.schema([(n, pa.string()) for n in names]),
    )


def period_targets(periods: list[Period]) -> pa.Table:
    """The target amount of each partner for each reviewed period (all categories).

    The period's own target wins; else the targets of its quarters; else of its months.
    """
    from qudao.partners.models import Target

    rows: list[dict[str, Any]] = []
    for p in periods:
        found: dict[str, Decimal] = {}
        for kind in (p.kind, PeriodKind.QUARTER, PeriodKind.MONTH):
            sums: dict[str, Decimal] = {}
            for code, key, amount in Target.objects.filter(
                category__isnull=True,
                amount__isnull=False,
                period_start__gte=p.start,
                period_end__lte=p.end,
            ).values_list("partner__code", "period", "amount"):
                if Period.parse(key).kind is kind:
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
    con.raw_sql("SET preserve_insertion_order = false")
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
    expression = partner_kpis(
        facts=facts,
        partners=ibis.memtable(partner_master()),
        periods=ibis.memtable(period_windows(periods)),
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
    timings["prepare"] = time.perf_counter() - started
    table = con.to_pyarrow(expression)
    timings["compute"] = time.perf_counter() - started - timings["prepare"]
    return EngineResult(table=table, input_batches=batches, timings=timings)
