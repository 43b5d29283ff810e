"""Feedback over time: how many of each type came in each month."""

from __future__ import annotations

import altair as alt
import pandas as pd
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from qudao.core.charts import PALETTE, svg
from qudao.feedback.selectors import Trend


def trend_chart(trend: Trend) -> SafeString:
    """Stacked bars per month, one colour per type."""
    month, kind, count = _("Month"), _("Type"), _("Feedback")
    frame = pd.DataFrame(
        [
            {month: m, kind: str(label), count: trend.per_month.get((m, key), 0)}
            for m in trend.months
            for key, label in trend.kinds
        ]
    )
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(f"{month}:N", title=None, sort=trend.months),
            y=alt.Y(f"sum({count}):Q", title=count),
            color=alt.Color(
                f"{kind}:N",
                scale=alt.Scale(
                    domain=[str(label) for _k, label in trend.kinds], range=PALETTE[:4]
                ),
                legend=alt.Legend(orient="top", title=None),
            ),
            tooltip=[month, kind, count],
        )
        .properties(width=560, height=220)
    )
    return svg(chart)
