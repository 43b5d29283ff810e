"""The supply pages' charts: a partner's monthly sell-through of a family with next month's
forecast; positions by family and status; the forecast's error beside the naive one's."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import altair as alt
import pandas as pd
from django.db.models import Count
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from qudao.core.charts import PALETTE, svg
from qudao.supply.models import PositionStatus

STATUS_COLOURS = {
    PositionStatus.STOCK_OUT: "#c62828",
    PositionStatus.OVERSTOCK: "#e0892b",
    PositionStatus.OK: "#2e7d32",
    PositionStatus.NO_DEMAND: "#9e9e9e",
}


def history_chart(
    history: list[dict[str, Any]], forecast_month: date, forecast: Decimal
) -> SafeString:
    """Bars of each month's sell-through (from the first with any), the forecast month in
    another colour."""
    first = next((i for i, h in enumerate(history) if h["quantity"]), len(history))
    history = history[first:]
    month, quantity, kind = _("Month"), _("Quantity"), _("Kind")
    sold, forecast_label = _("Sold"), _("Forecast")
    frame = pd.DataFrame(
        [
            {month: h["month"].strftime("%Y-%m"), quantity: float(h["quantity"]), kind: sold}
            for h in history
        ]
        + [
            {
                month: forecast_month.strftime("%Y-%m"),
                quantity: float(forecast),
                kind: forecast_label,
            }
        ]
    )
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(f"{month}:N", title=None, sort="ascending"),
            y=alt.Y(f"{quantity}:Q", title=quantity),
            color=alt.Color(
                f"{kind}:N",
                scale=alt.Scale(domain=[sold, forecast_label], range=[PALETTE[0], PALETTE[1]]),
                legend=alt.Legend(orient="top", title=None),
            ),
            tooltip=[month, quantity, kind],
        )
        .properties(width=560, height=180)
    )
    return svg(chart)


def positions_chart(rows: Any) -> SafeString | None:
    """Stacked bars: partners per product family, by where their stock stands."""
    counted = rows.order_by().values("category__code", "status").annotate(n=Count("pk"))
    family, status, count = _("Product family"), _("Status"), _("Partners")
    frame = pd.DataFrame(
        [
            {
                family: r["category__code"],
                status: str(PositionStatus(r["status"]).label),
                count: r["n"],
            }
            for r in counted
        ]
    )
    if frame.empty:
        return None
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(f"{family}:N", title=None, sort="ascending"),
            y=alt.Y(f"sum({count}):Q", title=count),
            color=alt.Color(
                f"{status}:N",
                scale=alt.Scale(
                    domain=[str(s.label) for s in STATUS_COLOURS],
                    range=list(STATUS_COLOURS.values()),
                ),
                legend=alt.Legend(orient="top", title=None),
            ),
            tooltip=[family, status, count],
        )
        .properties(width=560, height=180)
    )
    return svg(chart)


def error_chart(by_family: dict[str, dict[str, Any]]) -> SafeString | None:
    """Grouped bars per family: WAPE of the smoothing forecast and of the naive one."""
    family, method, error = _("Product family"), _("Forecast"), _("WAPE")
    smoothing, naive = _("Exponential smoothing"), _("Last month repeated")
    frame = pd.DataFrame(
        [
            {family: code, method: label, error: figures[key]}
            for code, figures in by_family.items()
            for key, label in (("wape_smoothing", smoothing), ("wape_naive", naive))
            if figures.get(key) is not None
        ]
    )
    if frame.empty:
        return None
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(f"{family}:N", title=None),
            xOffset=alt.XOffset(f"{method}:N"),
            y=alt.Y(f"{error}:Q", title=error, axis=alt.Axis(format="%")),
            color=alt.Color(
                f"{method}:N",
                scale=alt.Scale(domain=[smoothing, naive], range=[PALETTE[0], "#9e9e9e"]),
                legend=alt.Legend(orient="top", title=None),
            ),
            tooltip=[family, method, alt.Tooltip(f"{error}:Q", format=".1%")],
        )
        .properties(width=560, height=180)
    )
    return svg(chart)
