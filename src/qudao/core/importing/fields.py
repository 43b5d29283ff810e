"""Cell parsers. Each takes a raw cell and returns a canonical value or raises ``ValueError``
with a translated reason that names what was expected."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

_FULLWIDTH = str.maketrans("０１２３４５６７８９．，－＋", "0123456789.,-+")
_CURRENCY = re.compile(r"[¥￥$€£\s]")

Parser = Callable[[Any], Any]


def as_text(max_length: int = 200) -> Parser:
    def parse(value: Any) -> str:
        text = str(value).strip()
        if len(text) > max_length:
            raise ValueError(_("Longer than %(n)d characters.") % {"n": max_length})
        return text

    return parse


def as_decimal(*, places: int = 2, minimum: Decimal | None = None) -> Parser:
    """Numbers with thousands separators, currency signs and full-width digits."""

    def parse(value: Any) -> Decimal:
        if isinstance(value, bool):
            raise ValueError(_("Not a number."))
        if isinstance(value, int | float):
            number = Decimal(str(value))
        else:
            text = _CURRENCY.sub("", str(value).translate(_FULLWIDTH)).replace(",", "")
            try:
                number = Decimal(text)
            except InvalidOperation:
                raise ValueError(_("Not a number.")) from None
        if not number.is_finite():
            raise ValueError(_("Not a number."))
        if minimum is not None and number < minimum:
            raise ValueError(_("Must be at least %(min)s.") % {"min": minimum})
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            raise ValueError(_("At most %(n)d decimal places.") % {"n": places})
        return number

    return parse


def as_int(value: Any) -> int:
    number = as_decimal(places=0)(value)
    return int(number)


def as_bool(value: Any) -> bool:
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "y", "是", "x"}:
        return True
    if text in {"0", "false", "no", "n", "否"}:
        return False
    raise ValueError(_("Expected yes or no."))


def as_date(formats: Sequence[str]) -> Parser:
    def parse(value: Any) -> date:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = str(value).strip()
        for fmt in formats:
            try:
                return datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date
            except ValueError:
                continue
        raise ValueError(_("Not a date (expected e.g. 2020-01-31)."))

    return parse


def choices_of(enum: Any) -> dict[str, str]:
    """A ``TextChoices`` enum's accepted spellings: each value, and each English label."""
    accepted = {str(v): str(v) for v in enum.values}
    with translation.override("en"):
        accepted.update({str(label): str(v) for v, label in enum.choices})
    return accepted


def as_choice(choices: dict[str, Any]) -> Parser:
    """Accept a choice by value or by its label in either language."""

    def parse(value: Any) -> Any:
        text = str(value).strip()
        if text in choices:
            return choices[text]
        lowered = {k.lower(): v for k, v in choices.items()}
        if text.lower() in lowered:
            return lowered[text.lower()]
        allowed = sorted({str(v) for v in choices.values()})
        raise ValueError(_("Not one of: %(choices)s.") % {"choices": ", ".join(allowed)})

    return parse
