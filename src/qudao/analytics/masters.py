"""The master data a review hands its engine, as Arrow tables: the reviewed periods and
the months of their windows, partners, products (standard costs), targets, and how late
each sell-through batch came. The engine records each through ``RunInputs`` (``inputs``)
so that a re-run reads them as they were."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
from django.utils import timezone

from qudao.analytics.kpis import NEW_CUSTOMER_LOOKBACK_MONTHS
from qudao.catalog.models import Product
from qudao.core.periods import Period, PeriodKind, month_start, month_starts
from qudao.facts.choices import BatchStatus
from qudao.facts.models import Batch
from qudao.partners.models import Partner, Target


def period_windows(periods: list[Period]) -> pa.Table:
    """Each reviewed period with the bounds the metrics compare days against (the months of
    each window are in ``window_months``)."""
    rows = [
        {
            "period": p.key,
            "start": p.start,
            "end": p.end,
            "prev_end": p.previous.end,
            "lookback_start": month_start(p.start, -NEW_CUSTOMER_LOOKBACK_MONTHS),
            "days": p.days,
        }
        for p in periods
    ]
    return pa.Table.from_pylist(rows)


def window_months(periods: list[Period]) -> pa.Table:
    """For each reviewed period, the months of each window its KPIs read (see metrics)."""
    rows = []
    for p in periods:
        windows = {
            "now": (p.start, p.end),
            "prev": (p.previous.start, p.previous.end),
            "ya": (p.year_ago.start, p.year_ago.end),
            "lookback": (
                month_start(p.start, -NEW_CUSTOMER_LOOKBACK_MONTHS),
                p.start - timedelta(days=1),
            ),
        }
        for window, (first, last) in windows.items():
            rows += [
                {"window": window, "period": p.key, "month": m} for m in month_starts(first, last)
            ]
    return pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [("window", pa.string()), ("period", pa.string()), ("month", pa.date32())]
        ),
    )


def partner_master() -> pa.Table:
    names = ["partner", "channel_model", "region", "status", "grade"]
    rows = Partner.objects.values_list(
        "code", "channel_model__code", "home_region__code", "status", "grade__code"
    )
    return pa.Table.from_pylist(
        [dict(zip(names, row, strict=True)) for row in rows],
        schema=pa.schema([(n, pa.string()) for n in names]),
    )


def product_master() -> pa.Table:
    """Each product's standard cost: the margin's cost of sell-in lines without one."""
    rows = Product.objects.values_list("code", "standard_cost")
    return pa.Table.from_pylist(
        [{"product": code, "standard_cost": cost} for code, cost in rows],
        schema=pa.schema([("product", pa.string()), ("standard_cost", pa.decimal128(16, 4))]),
    )


def period_targets(periods: list[Period]) -> pa.Table:
    """The target amount of each partner for each reviewed period (all categories).

    The period's own target wins; else the sum of its quarters' targets; else of its months'.
    """
    # each target's kind read once, not once per reviewed period and kind asked
    stored = [
        (code, Period.parse(key).kind, start, end, amount)
        for code, key, start, end, amount in Target.objects.filter(
            category__isnull=True,
            amount__isnull=False,
            period_start__gte=min(p.start for p in periods),
            period_end__lte=max(p.end for p in periods),
        ).values_list("partner__code", "period", "period_start", "period_end", "amount")
    ]
    rows: list[dict[str, Any]] = []
    for p in periods:
        inside = [r for r in stored if r[2] >= p.start and r[3] <= p.end]
        found: dict[str, Decimal] = {}
        for kind in (p.kind, PeriodKind.QUARTER, PeriodKind.MONTH):
            sums: dict[str, Decimal] = {}
            for code, target_kind, _start, _end, amount in inside:
                if target_kind is kind:
                    sums[code] = sums.get(code, Decimal(0)) + amount
            for code, amount in sums.items():
                found.setdefault(code, amount)
        rows += [{"partner": c, "period": p.key, "target": a} for c, a in found.items()]
    schema = pa.schema(
        [("partner", pa.string()), ("period", pa.string()), ("target", pa.decimal128(24, 2))]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def report_delay_days() -> pa.Table:
    """For every committed sell-through batch and every month its rows span: the days from
    the month's end to the batch's commit (negative: it came in before the month ended)."""
    rows = []
    batches = Batch.objects.filter(
        fact="sell_through", status=BatchStatus.COMMITTED, first_date__isnull=False
    ).values_list("pk", "first_date", "last_date", "committed_at")
    for pk, first, last, committed in batches:
        if committed is None:
            continue
        arrived = timezone.localdate(committed)
        for month in month_starts(first, last):
            month_end = month_start(month, 1) - timedelta(days=1)
            rows.append(
                {
                    "report_batch": pk,
                    "report_month": month,
                    "delay_days": (arrived - month_end).days,
                }
            )
    schema = pa.schema(
        [("report_batch", pa.int64()), ("report_month", pa.date32()), ("delay_days", pa.int64())]
    )
    return pa.Table.from_pylist(rows, schema=schema)
