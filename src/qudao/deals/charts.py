"""Registrations over time: how many came in each month, by where they stand now."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from qudao.core.charts import PALETTE, svg
from qudao.deals.models import DealStatus


def registrations_chart(rows: Any) -> SafeString | None:
    """Stacked bars per month of registering, one colour per status; None without rows."""
    counted = (
        rows.order_by()
        .annotate(month=TruncMonth("created_at"))
        .values("month", "status")
        .annotate(n=Count("pk"))
    )
    month, status, count = _("Month"), _("Status"), _("Registrations")
    frame = pd.DataFrame(
        [
            {
                month: r["month"].strftime("%Y-%m"),
                status: str(DealStatus(r["status"]).label),
                count: r["n"],
            }
            for r in counted
        ]
    )
    if frame.empty:
        return None
    labels = [str(s.label) for s in DealStatus]
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(f"{month}:N", title=None, sort="ascending"),
            y=alt.Y(f"sum({count}):Q", title=count),
            color=alt.Color(
                f"{status}:N",
                scale=alt.Scale(domain=labels, range=[*PALETTE, "#9e9e9e"][: len(labels)]),
                legend=alt.Legend(orient="top", title=None),
            ),
            tooltip=[month, status, count],
        )
        .properties(width=560, height=180)
    )
    return svg(chart)
