"""Coverage as a chart: each region's potential beside what its partners sold."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from qudao.core.charts import amount_axis, svg


def coverage_chart(rows: list[Any]) -> SafeString:
    """Grouped bars per region: potential and sell-in (largest gap first, at most 15)."""
    potential, sold = str(_("Potential")), str(_("Sell-in"))
    frame = pd.DataFrame(
        [
            {"region": r.region.name, "measure": measure, "amount": float(value or 0)}
            for r in rows[:15]
            for measure, value in ((potential, r.potential_amount), (sold, r.sell_in))
        ]
    )
    order = list(dict.fromkeys(frame["region"]))
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("region:N", title=None, sort=order),
            x=alt.X("amount:Q", title=None, axis=amount_axis()),
            yOffset=alt.YOffset("measure:N", sort=[potential, sold]),
            color=alt.Color(
                "measure:N",
                title=None,
                legend=alt.Legend(orient="top"),
                scale=alt.Scale(domain=[potential, sold]),
            ),
            tooltip=["region", "measure", alt.Tooltip("amount:Q", format=",.0f")],
        )
        .properties(width=520, height=34 * len(order))
    )
    return svg(chart)
