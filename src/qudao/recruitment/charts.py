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
