"""The review's charts (Altair specs): trends over periods, rankings, breakdowns."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from qudao.core.charts import amount_axis, svg


def revenue_trend(rows: list[dict[str, Any]], *, title: str) -> SafeString:
    """Sell-in revenue and target per period: rows of {period, revenue, target}."""
    frame = pd.DataFrame(rows)
    long = frame.melt(id_vars="period", value_vars=["revenue", "target"], var_name="series")
    names = {"revenue": _("Sell-in revenue"), "target": _("Target")}
    long["series"] = long["series"].map(names)
    long = long.dropna(subset=["value"])
    chart = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("period:N", title=None, sort=list(frame["period"])),
            y=alt.Y("value:Q", title=_("Amount"), axis=amount_axis()),
            # Fixed order: revenue solid in the first colour, target dashed — in every
            # language (sorting the translated names would swap them).
            color=alt.Color(
                "series:N",
                title=None,
                legend=alt.Legend(orient="top"),
                scale=alt.Scale(domain=list(names.values())),
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                legend=None,
                scale=alt.Scale(domain=list(names.values()), range=[[1, 0], [5, 4]]),
            ),
            tooltip=["period", "series", alt.Tooltip("value:Q", format=",.2f")],
        )
        .properties(title=title, width=520, height=220)
    )
    return svg(chart)


def ranking_bars(rows: list[dict[str, Any]], *, label: str, value: str, title: str) -> SafeString:
    """Horizontal bars, largest first: rows of {label: …, value: …}."""
    frame = pd.DataFrame(rows)
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y(f"{label}:N", sort="-x", title=None),
            x=alt.X(f"{value}:Q", title=_("Sell-in revenue"), axis=amount_axis()),
            tooltip=[label, alt.Tooltip(f"{value}:Q", format=",.2f")],
        )
        .properties(title=title, width=300, height=max(60, 22 * len(frame)))
    )
    return svg(chart)


def rate_trend(rows: list[dict[str, Any]], *, fields: dict[str, str], title: str) -> SafeString:
    """Rates per period as lines (0.25 shows as 25%): rows of {period, field: value, …}."""
    frame = pd.DataFrame(rows)
    long = frame.melt(id_vars="period", value_vars=list(fields), var_name="kpi").dropna()
    long["kpi"] = long["kpi"].map(fields)
    chart = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("period:N", title=None, sort=list(frame["period"])),
            y=alt.Y("value:Q", title=None, axis=alt.Axis(format="%")),
            color=alt.Color(
                "kpi:N",
                title=None,
                legend=alt.Legend(orient="top"),
                scale=alt.Scale(domain=list(fields.values())),  # same colours in every language
            ),
            tooltip=["period", "kpi", alt.Tooltip("value:Q", format=".1%")],
        )
        .properties(title=title, width=520, height=200)
    )
    return svg(chart)
