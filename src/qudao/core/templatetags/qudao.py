"""Template helpers for numbers, money and periods in the active language (UI.md)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.template.defaultfilters import floatformat
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from qudao.core.i18n import in_chinese
from qudao.core.numbers import rounded  # number_format cuts decimals off; round first
from qudao.core.periods import Period
from qudao.core.workers import worker_health as health

register = template.Library()


@register.filter
def money(value: Any) -> str:
    """Grouped, two decimals: 1,234,567.80 (the currency goes in the column header)."""
    if value is None or value == "":
        return "—"
    return str(floatformat(value, "2g"))


@register.filter
def compact_money(value: Any) -> str:
    """Large figures for dashboards: 1,234.5万 / 1.2亿 in Chinese, 12.3K / 1.2M in English."""
    if value is None or value == "":
        return "—"
    number = Decimal(value)
    if in_chinese():
        for size, unit in ((Decimal(10) ** 8, "亿"), (Decimal(10) ** 4, "万")):
            if abs(number) >= size:
                return f"{floatformat(number / size, '1g')}{unit}"
    else:
        for size, unit in (
            (Decimal(10) ** 9, "B"),
            (Decimal(10) ** 6, "M"),
            (Decimal(10) ** 3, "K"),
        ):
            if abs(number) >= size:
                return f"{floatformat(number / size, '1g')}{unit}"
    return str(floatformat(number, "0g"))


@register.filter
def period_label(value: Any) -> str:
    try:
        return Period.parse(str(value)).label
    except ValueError:
        return str(value)


@register.simple_tag(takes_context=True)
def query_with(context: Any, **kwargs: Any) -> str:
    """The current query string with some parameters replaced (keeps filters in the URL)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return "?" + query.urlencode() if query else "?"


@register.filter
def percent(value: Any, places: int = 1) -> str:
    """A rate stored as a decimal (0.1234) shown as 12.3%; "—" for no data."""
    if value is None or value == "":
        return "—"
    return f"{number_format(rounded(Decimal(value) * 100, places), places)}%"


@register.filter
def delta(value: Any) -> str:
    """A change as a rate with its arrow and the deployment's up/down colours (never colour
    alone): ▲ 12.3% / ▼ 4.0%; "—" for no data."""
    if value is None or value == "":
        return "—"
    number = Decimal(value)
    css, arrow = ("up", "▲") if number > 0 else ("down", "▼") if number < 0 else ("", "■")
    return format_html(
        '<span class="{}">{} {}%</span>',
        css,
        arrow,
        number_format(rounded(abs(number) * 100, 1), 1),
    )


@register.filter
def get(mapping: Any, key: Any) -> Any:
    """``mapping[key]`` in a template (a label per state); None when absent."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def abs_value(value: Any) -> Any:
    """The size of a change whose direction an arrow beside it already shows."""
    return abs(value) if isinstance(value, Decimal | int | float) else value


@register.filter
def delta_points(value: Any) -> str:
    """A change of a rate, in percentage points: ▲ 1.2 pp (▲ 1.2 个百分点)."""
    if value is None or value == "":
        return "—"
    number = Decimal(value)
    css, arrow = ("up", "▲") if number > 0 else ("down", "▼") if number < 0 else ("", "■")
    points = number_format(rounded(abs(number) * 100, 1), 1)
    return format_html('<span class="{}">{} {}</span>', css, arrow, _("%(n)s pp") % {"n": points})


@register.inclusion_tag("core/_worker_health.html")
def worker_health() -> dict[str, Any]:
    """A warning where background work would wait: no worker, or a job queued too long."""
    return {"health": health()}


@register.filter
def timedelta_label(value: Any) -> str:
    """A waiting time as people say it: 45 s, 3 min, 2 h 5 min (秒, 分钟, 小时 in Chinese)."""
    if value is None:
        return "—"
    seconds = int(value.total_seconds())
    if seconds < 60:
        return _("%(n)d s") % {"n": seconds}
    minutes = seconds // 60
    if minutes < 60:
        return _("%(n)d min") % {"n": minutes}
    return _("%(h)d h %(m)d min") % {"h": minutes // 60, "m": minutes % 60}
