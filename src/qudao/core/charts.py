"""Charts as inline SVG: Vega-Lite specs (Altair) rendered on the server by vl-convert.

The same spec serves the page and the PDF report (DESIGN §6); nothing loads from a CDN.
Chinese labels need a CJK font: the Noto CJK fonts Debian installs are registered once.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

FONT = "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"
FONT_DIRECTORIES = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto")
PALETTE = ["#1f5fbf", "#e0892b", "#2e7d32", "#8e44ad", "#c62828", "#607d8b"]


@functools.cache
def _converter() -> Any:
    import vl_convert  # deferred: the chart renderer loads only to draw a PDF's charts

    for folder in FONT_DIRECTORIES:
        if Path(folder).is_dir():
            vl_convert.register_font_directory(folder)
    return vl_convert


def svg(chart: Any) -> SafeString:
    """The chart as an SVG element to put in a page (the spec is ours, not user HTML)."""
    themed = (
        chart.configure(font=FONT).configure_range(category=PALETTE).configure_view(strokeWidth=0)
    )
    rendered = _converter().vegalite_to_svg(themed.to_dict())
    return mark_safe(rendered)  # noqa: S308 - SVG produced by vl-convert from our own spec


# Axis labels for amounts, as the tiles write them (UI.md): 万 and 亿 in Chinese, K / M / B
# in English — never the SI "G" of d3's "~s", which reads as nothing in finance.
_ZH_AMOUNT = (
    "abs(datum.value) >= 1e8 ? format(datum.value / 1e8, ',.4~r') + '亿' : "
    "abs(datum.value) >= 1e4 ? format(datum.value / 1e4, ',.4~r') + '万' : "
    "format(datum.value, ',.0f')"
)
_EN_AMOUNT = (
    "abs(datum.value) >= 1e9 ? format(datum.value / 1e9, ',.4~r') + 'B' : "
    "abs(datum.value) >= 1e6 ? format(datum.value / 1e6, ',.4~r') + 'M' : "
    "abs(datum.value) >= 1e3 ? format(datum.value / 1e3, ',.4~r') + 'K' : "
    "format(datum.value, ',.0f')"
)


def amount_axis(**options: Any) -> Any:
    """An Altair axis for money in the reader's language: 1.2亿 / 3,500万 or 120M / 35K."""
    import altair as alt  # the charting library loads with the first chart

    chinese = (translation.get_language() or "").startswith("zh")
    return alt.Axis(labelExpr=_ZH_AMOUNT if chinese else _EN_AMOUNT, **options)


def sparkline(values: list[Any], *, width: int = 120, height: int = 28) -> SafeString:
    """A tile's trend as a tiny inline SVG line (no axes: the tile says the figure); gaps
    where a period has no data. Empty when fewer than two points are known."""
    known = [(i, float(v)) for i, v in enumerate(values) if v is not None]
    if len(known) < 2:
        return mark_safe("")  # noqa: S308 - a constant
    low, high = min(v for _i, v in known), max(v for _i, v in known)
    span = (high - low) or 1.0
    step = width / max(len(values) - 1, 1)
    points = " ".join(
        f"{i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}" for i, v in known
    )
    last_x, last_y = points.split(" ")[-1].split(",")
    return mark_safe(  # noqa: S308 - numbers we formatted ourselves
        f'<svg class="sparkline" width="{width}" height="{height}" viewBox="0 0 {width} {height}"'
        f' role="img" aria-hidden="true"><polyline fill="none" stroke="currentColor"'
        f' stroke-width="1.5" points="{points}"/><circle cx="{last_x}" cy="{last_y}" r="2"'
        f' fill="currentColor"/></svg>'
    )
