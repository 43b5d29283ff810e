"""Charts of governance: violations per quarter, stacked by type."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from qudao.core.charts import amount_axis, svg
from qudao.governance.models import ViolationType


def violation_trend(rows: list[dict[str, Any]], *, title: str) -> SafeString:
    """Violations per quarter, stacked by type: rows of {period, type, count}."""
    frame = pd.DataFrame(rows)
    labels = {t.value: str(t.label) for t in ViolationType}
    frame["type"] = frame["type"].map(labels)
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("period:N", title=None, sort=sorted(frame["period"].unique())),
            y=alt.Y("count:Q", title=_("Violations"), stack="zero"),
            # the types in one order in every language, so each keeps its colour
            color=alt.Color(
                "type:N",
                title=None,
                legend=alt.Legend(orient="top", columns=3),
                scale=alt.Scale(domain=list(labels.values())),
            ),
            tooltip=["period", "type", "count"],
        )
        .properties(title=title, width=520, height=220)
    )
    return svg(chart)


def receivable_ageing(buckets: list[tuple[str, Any]], *, title: str) -> SafeString:
    """What the partners shown owe, by ageing bucket: [(label, amount)] in bucket order."""
    frame = pd.DataFrame([{"bucket": label, "amount": float(amount)} for label, amount in buckets])
    order = list(frame["bucket"])
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("bucket:N", title=None, sort=order, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("amount:Q", title=_("Owed"), axis=amount_axis()),
            color=alt.Color("bucket:N", legend=None, scale=alt.Scale(domain=order)),
            tooltip=["bucket", alt.Tooltip("amount:Q", format=",.2f")],
        )
        .properties(title=title, width=520, height=200)
    )
    return svg(chart)
