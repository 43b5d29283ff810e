"""The supply rules: what a check reads from the fact store and how it judges it.

For each partner, its latest inventory count on or before the check's day (a count older
than ``snapshot_max_age_days`` is not judged). For each product family (the product's
category) on that count:

* on hand = the family's quantity on the count (a family absent from the count is not
  judged — report it with 0 to have a stock-out found);
* sold per day = the partner's sell-through of the family in the 90 days to the count
  (the count's day included) ÷ 90;
* days of supply = on hand ÷ sold per day (none when nothing sold);
* stock-out when sold per day > 0 and days of supply < the category's stock-out days;
  overstock when days of supply > its overstock days, or stock is held that nothing sold
  of in those 90 days;
* next month's forecast: simple exponential smoothing of the partner's monthly
  sell-through of the family (``supply.forecast``), over the 24 complete months to the
  check's day;
* suggested replenishment = forecast ÷ days of next month × target cover days − on hand,
  rounded up, never below 0.

A category's thresholds are its own, else its nearest parent's, else the defaults.
Products without a category belong to no family and are not judged.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import ibis
import numpy as np
import pyarrow as pa

from qudao.core.periods import month_start
from qudao.facts.store import committed_batch_ids, fact_table
from qudao.supply.forecast import Backtest, backtest, family_alphas, smoothed_levels
from qudao.supply.models import PositionStatus

DEMAND_DAYS = 90
HISTORY_MONTHS = 24
ZERO = Decimal(0)
ONE_PLACE = Decimal("0.1")
FOUR_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Thresholds:
    stock_out_days: int
    overstock_days: int
    cover_days: int


@dataclass(frozen=True)
class Position:
    partner: str
    category: int
    snapshot_date: date
    on_hand: Decimal
    sold: Decimal
    forecast: Decimal
    thresholds: Thresholds

    @property
    def daily(self) -> Decimal:
        return (self.sold / DEMAND_DAYS).quantize(FOUR_PLACES)

    @property
    def days_of_supply(self) -> Decimal | None:
        if self.sold <= 0:
            return None
        return (self.on_hand * DEMAND_DAYS / self.sold).quantize(ONE_PLACE)

    @property
    def status(self) -> PositionStatus:
        days = self.days_of_supply
        if days is None:
            return PositionStatus.OVERSTOCK if self.on_hand > 0 else PositionStatus.NO_DEMAND
        if days < self.thresholds.stock_out_days:
            return PositionStatus.STOCK_OUT
        if days > self.thresholds.overstock_days:
            return PositionStatus.OVERSTOCK
        return PositionStatus.OK

    @property
    def threshold_days(self) -> int:
        if self.status == PositionStatus.STOCK_OUT:
            return self.thresholds.stock_out_days
        return self.thresholds.overstock_days

    def suggested(self, forecast_month: date) -> Decimal:
        days = calendar.monthrange(forecast_month.year, forecast_month.month)[1]
        wanted = self.forecast / days * self.thresholds.cover_days - self.on_hand
        return Decimal(max(0, math.ceil(wanted)))


@dataclass
class Figures:
    as_of: date
    forecast_month: date  # the month forecast
    history_months: list[date]
    positions: list[Position] = field(default_factory=list)
    stale_partners: list[str] = field(default_factory=list)
    alphas: dict[int, tuple[float, bool]] = field(default_factory=dict)
    backtest: Backtest | None = None
    backtest_by_family: dict[int, Backtest] = field(default_factory=dict)


def last_complete_month(day: date) -> date:
    """The first day of the last month that has ended by ``day`` (its own, on its last day)."""
    if (day + timedelta(days=1)).month != day.month:
        return month_start(day)
    return month_start(day, -1)


def latest_count_day(as_of: date) -> date | None:
    """The latest inventory count on or before ``as_of``, of any partner."""
    counts = fact_table("inventory")
    day = counts.filter(counts.snapshot_date <= as_of).snapshot_date.max().to_pyarrow()
    return day.as_py() if day.is_valid else None


def _rows(expression: Any) -> list[dict[str, Any]]:
    return list(expression.to_pyarrow().to_pylist())


def check_figures(
    *,
    as_of: date,
    families: dict[str, int],
    thresholds_of: dict[int, Thresholds],
    snapshot_max_age_days: int,
) -> Figures:
    """Read the fact store and judge every partner × family. ``families`` maps a product
    code to its category; ``thresholds_of`` a category to its thresholds."""
    if not committed_batch_ids("inventory"):  # nothing counted: nothing to judge or forecast
        return Figures(
            as_of=as_of,
            forecast_month=month_start(last_complete_month(as_of), 1),
            history_months=[],
        )
    con = ibis.duckdb.connect()
    family_table = _family_table(families)
    counts = fact_table("inventory", connection=con)
    sales = fact_table("sell_through", connection=con)
    counts = counts.filter(counts.snapshot_date <= as_of)
    latest = counts.group_by("partner").aggregate(counted_on=counts.snapshot_date.max())
    fresh_from = as_of - timedelta(days=snapshot_max_age_days)
    stale = latest.filter(latest.counted_on < fresh_from)
    latest = latest.filter(latest.counted_on >= fresh_from)

    on_count = counts.join(latest, "partner").filter(lambda t: t.snapshot_date == t.counted_on)
    on_count = on_count.join(family_table, "product")
    stock = on_count.group_by("partner", "family", "counted_on").aggregate(
        on_hand=on_count.quantity_on_hand.sum()
    )
    recent = sales.join(latest, "partner").join(family_table, "product")
    recent = recent.filter(
        recent.date <= recent.counted_on,
        recent.date > recent.counted_on - ibis.interval(days=DEMAND_DAYS),
    )
    sold = recent.group_by("partner", "family").aggregate(sold=recent.quantity.sum())

    history_months = history_months_to(as_of)
    figures = Figures(
        as_of=as_of,
        forecast_month=month_start(history_months[-1], 1),
        history_months=history_months,
        stale_partners=sorted(r["partner"] for r in _rows(stale.select("partner"))),
    )
    history, keys = monthly_history(sales, family_table, history_months)
    family_of_row = np.array([family for _partner, family in keys], dtype=np.int64)
    figures.backtest, figures.backtest_by_family = backtest(history, family_of_row)
    figures.alphas = family_alphas(history, family_of_row)
    alpha = np.array([figures.alphas[f][0] for f in family_of_row])
    forecasts = dict(zip(keys, smoothed_levels(history, alpha), strict=True))

    sold_by_key = {(r["partner"], r["family"]): r["sold"] for r in _rows(sold)}
    for row in _rows(stock.order_by("partner", "family")):
        key = (row["partner"], row["family"])
        figures.positions.append(
            Position(
                partner=row["partner"],
                category=row["family"],
                snapshot_date=row["counted_on"],
                on_hand=Decimal(row["on_hand"]),
                sold=Decimal(sold_by_key.get(key) or 0),
                forecast=Decimal(str(round(float(forecasts.get(key, 0.0)), 1))),
                thresholds=thresholds_of[row["family"]],
            )
        )
    return figures


def _family_table(families: dict[str, int]) -> Any:
    """Product code → its family, as a table to join the facts with."""
    return ibis.memtable(
        pa.table(
            {
                "product": pa.array(list(families), pa.string()),
                "family": pa.array(list(families.values()), pa.int64()),
            }
        )
    )


def history_months_to(as_of: date) -> list[date]:
    """The first days of the ``HISTORY_MONTHS`` complete months up to ``as_of``."""
    last_month = last_complete_month(as_of)
    return [month_start(last_month, i - HISTORY_MONTHS + 1) for i in range(HISTORY_MONTHS)]


def monthly_history(
    sales: Any, families: Any, months: list[date]
) -> tuple[np.ndarray, list[tuple[str, int]]]:
    """Each partner's monthly sell-through of each family over ``months``, as series
    (partner × family, the keys) × months. ``sales`` is the sell-through fact,
    ``families`` a ``_family_table``."""
    monthly = sales.join(families, "product")
    monthly = monthly.filter(monthly.date >= months[0], monthly.date < month_start(months[-1], 1))
    monthly = monthly.group_by(
        "partner", "family", month=monthly.date.truncate("M").cast("date")
    ).aggregate(quantity=monthly.quantity.sum())
    return _history_matrix(_rows(monthly), months)


def sell_through_history(
    as_of: date, families: dict[str, int], partner: str | None = None
) -> tuple[np.ndarray, list[tuple[str, int]]]:
    """What a check as of ``as_of`` forecasts from — one partner's series only, if named
    (an alert's chart); the benchmark reads it too."""
    sales = fact_table("sell_through")
    if partner is not None:
        sales = sales.filter(sales.partner == partner)
    return monthly_history(sales, _family_table(families), history_months_to(as_of))


def _history_matrix(
    rows: list[dict[str, Any]], months: list[date]
) -> tuple[np.ndarray, list[tuple[str, int]]]:
    """Monthly sell-through as series (partner × family) × months."""
    keys = sorted({(r["partner"], r["family"]) for r in rows})
    row_of = {key: i for i, key in enumerate(keys)}
    column_of = {m: i for i, m in enumerate(months)}
    history = np.zeros((len(keys), len(months)))
    for r in rows:
        history[row_of[(r["partner"], r["family"])], column_of[r["month"]]] = float(r["quantity"])
    return history, keys
