"""How a KPI value reads on screen, by its unit — the scorecard table and pages share it."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format

from qudao.analytics.kpis import Kpi, Unit
from qudao.core.numbers import rounded
from qudao.core.templatetags.qudao import money, percent

register = template.Library()


@register.filter
def kpi_value(value: Any, kpi: Kpi) -> str:
    """Money to the cent, rates as percentages, counts whole; "—" for no data."""
    if value is None:
        return "—"
    if kpi.unit is Unit.MONEY:
        return money(value)
    if kpi.unit is Unit.RATE:
        return percent(value)
    places = 1 if kpi.unit in (Unit.DAYS, Unit.TURNS) else 0
    return number_format(rounded(value, places), places, force_grouping=True)
