from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from qudao.programs.explain import _rate, describe

register = template.Library()


@register.filter
def step_text(step: dict[str, Any]) -> str:
    return describe(step)


@register.filter
def rate_text(value: Any) -> str:
    """A program rate as a percentage (0.025 → 2.5%); per unit for quantity programs."""
    if value is None or value == "":
        return "—"
    return _rate(str(Decimal(value)))
