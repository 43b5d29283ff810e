"""Rounding, written down once (DESIGN §4): half up, to a given number of places."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(13)}


def _half_up(number: Decimal, places: int) -> Decimal:
    quantum = _QUANTA.get(places) or Decimal(1).scaleb(-places)
    return number.quantize(quantum, rounding=ROUND_HALF_UP)


def rounded(value: Any, places: int) -> Decimal:
    """Half-up to ``places``. Floats go through their shortest repr, so 0.1 stays 0.1."""
    number = (
        value
        if isinstance(value, Decimal)
        else Decimal(repr(value) if isinstance(value, float) else value)
    )
    return _half_up(number, places)


def rounded_or_none(value: Any, places: int) -> Decimal | None:
    """``rounded`` for values that may be missing or not finite (engine output): None then."""
    if value is None:
        return None
    number = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    return _half_up(number, places) if number.is_finite() else None
