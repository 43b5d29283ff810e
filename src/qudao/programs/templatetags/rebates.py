from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from qudao.programs.explain import _rate, describe
from qudao.programs.forms import WORDS

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


@register.filter
def program_word(value: Any) -> Any:
    """A program's TOML value (sell_in, quarter, debit…) as people say it."""
    return WORDS.get(str(value), value)
