"""Charts keep their meaning in every language."""

from __future__ import annotations

import re

from django.utils import translation

from qudao.analytics.charts import revenue_trend

ROWS = [
    {"period": "2020Q1", "revenue": 100.0, "target": 80.0},
    {"period": "2020Q2", "revenue": 120.0, "target": 90.0},
]


def _lines(language: str) -> tuple[list[str], dict[str, str]]:
    """The chart's texts in order, and the colour of each line by its dash pattern."""
    with translation.override(language):
        svg = str(revenue_trend(ROWS, title="t"))
    texts = re.findall(r"<text[^>]*>([^<]+)</text>", svg)
    lines = re.findall(r'stroke="(#[0-9a-f]+)" stroke-width="2" stroke-dasharray="([\d,]+)"', svg)
    return texts, {dash: colour for colour, dash in lines}


def test_revenue_is_solid_and_target_dashed_in_the_same_colours_in_both_languages() -> None:
    english, en_lines = _lines("en")
    chinese, zh_lines = _lines("zh-hans")
    assert english.index("Sell-in revenue") < english.index("Target")
    assert chinese.index("进货额") < chinese.index("目标")  # legend in the same order
    # a solid and a dashed line, each the same colour in both languages (sorting the
    # translated names used to swap colour and dash between revenue and target)
    assert set(en_lines) == {"1,0", "5,4"} and en_lines == zh_lines


def _axis_labels(language: str, values: list[float]) -> list[str]:
    from qudao.analytics.charts import ranking_bars

    rows = [{"name": f"P{i}", "revenue": v} for i, v in enumerate(values)]
    with translation.override(language):
        svg = str(ranking_bars(rows, label="name", value="revenue", title="t"))
    return re.findall(r"<text[^>]*>([^<]+)</text>", svg)


def test_amount_axes_read_like_the_tiles_wan_and_yi_in_chinese() -> None:
    chinese = _axis_labels("zh-hans", [123_456_789.0, 45_000_000.0])
    assert "1亿" in chinese and "2,000万" in chinese
    english = _axis_labels("en", [123_456_789.0, 45_000_000.0])
    assert "100M" in english and "20M" in english
    # below ten thousand, plain figures with separators; never d3's SI "G" or "k"
    small = _axis_labels("zh-hans", [9_000.0, 4_500.0])
    assert "8,000" in small and not any(label.endswith(("k", "G")) for label in small)
