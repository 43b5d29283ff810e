"""Charts as inline SVG: Vega-Lite specs (Altair) rendered on the server by vl-convert.

The same spec serves the page and the PDF report (DESIGN §6); nothing loads from a CDN.
Chinese labels need a CJK font: the Noto CJK fonts Debian installs are registered once.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

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
