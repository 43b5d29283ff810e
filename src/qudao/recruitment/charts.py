"""The recruitment funnel as a chart: how many reached each stage."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from qudao.core.charts import PALETTE, svg


def funnel_chart(steps: list[Any]) -> SafeString:
    """Horizontal bars, widest first: applicants that reached each stage of the funnel."""
    frame = pd.DataFrame(
        [{"stage": str(step.stage.label), "reached": step.reached} for step in steps]
    )
    order = list(frame["stage"])
    bars = (
        alt.Chart(frame)
        .mark_bar(color=PALETTE[0])
        .encode(
            y=alt.Y("stage:N", title=None, sort=order),
            x=alt.X("reached:Q", title=_("Applicants who reached the stage")),
            tooltip=["stage", "reached"],
        )
    )
    labels = bars.mark_text(align="left", dx=4, color="#333").encode(text="reached:Q")
    return svg((bars + labels).properties(width=480, height=30 * len(order)))


def pilot_chart(result: Any, periods: list[str]) -> SafeString:
    """The first goal's KPI by period: the pilot partners' mean against the control's."""
    pilot, control = str(_("Pilot")), str(_("Control"))
    frame = pd.DataFrame(
        [
            {"period": p.period, "group": group, "value": float(value)}
            for p in result.periods
            for group, value in ((pilot, p.pilot), (control, p.control))
            if value is not None
        ]
    )
    if frame.empty:
        return svg(alt.Chart(pd.DataFrame({"x": []})).mark_point())
    chart = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("period:N", title=None, sort=periods),
            y=alt.Y("value:Q", title=str(result.kpi.name)),
            color=alt.Color(
                "group:N",
                title=None,
                scale=alt.Scale(domain=[pilot, control]),
                legend=alt.Legend(orient="top"),
            ),
        )
        .properties(width=520, height=220)
    )
    return svg(chart)
