"""How a statement line's money was made, in the reader's language: one sentence per step
the computation recorded (``rules.Outcome.steps``)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _


def _money(text: str) -> str:
    try:
        return str(floatformat(Decimal(text), "2g"))
    except (InvalidOperation, TypeError):
        return text


def _rate(text: str) -> str:
    """A rate as a percentage (0.025 → 2.5%); trailing zeros dropped."""
    try:
        value = Decimal(text) * 100
    except (InvalidOperation, TypeError):
        return text
    return f"{format(value.normalize(), 'f')}%"


def describe(step: dict[str, Any]) -> str:
    s = {k: v for k, v in step.items() if k != "what"}
    what = step.get("what")
    m = {
        k: _money(v)
        for k, v in s.items()
        if k
        in ("base", "cap", "value", "minimum", "amount", "threshold", "last_year", "focus", "start")
    }
    r = {k: _rate(v) for k, v in s.items() if k in ("rate", "share", "growth")}
    if what == "rate":
        return _("Rate %(rate)s × base %(base)s") % {**r, **m}
    if what == "rate_rule":
        if s.get("rule") == "0":
            return _("Other products: %(rate)s × %(base)s") % {**r, **m}
        return _("%(code)s: %(rate)s × %(base)s") % {"code": s.get("code", ""), **r, **m}
    if what == "fixed":
        return _("Fixed amount %(amount)s (the base is above 0)") % m
    if what == "threshold":
        reached = s.get("reached") == "yes"
        return (
            _("Threshold %(threshold)s reached by base %(base)s")
            if reached
            else _("Threshold %(threshold)s not reached by base %(base)s: nothing")
        ) % m
    if what == "tier":
        if s.get("tier") == "0":
            return _("Base %(base)s is below the first tier: nothing") % m
        return _("Tier %(tier)s reached: %(rate)s × the whole base %(base)s") % {
            "tier": s.get("tier"),
            **r,
            **m,
        }
    if what == "band":
        return _("Band %(tier)s (from %(start)s): %(base)s × %(rate)s") % {
            "tier": s.get("tier"),
            **r,
            **m,
        }
    if what == "growth":
        growth = r["growth"] if s.get("mode") == "percent" else _money(s.get("growth", ""))
        return _(
            "Last year %(last_year)s, growth %(growth)s: tier %(tier)s, %(rate)s × %(base)s"
        ) % {
            **m,
            "growth": growth,
            "tier": s.get("tier"),
            "rate": r.get("rate", ""),
        }
    if what == "no_last_year":
        return _("No sales in the same period last year: growth cannot be measured, nothing")
    if what == "mix":
        return _("Focus sales %(focus)s, %(share)s of the base: %(rate)s × %(base)s") % {**m, **r}
    if what == "focus_rate":
        return _("Plus %(rate)s × focus sales %(base)s") % {**r, **m}
    if what == "payment_band":
        if s.get("band") == "0":
            return _("Paid after the last band: %(base)s earns nothing") % m
        return _("Paid within %(days)s days: %(rate)s × %(base)s") % {
            "days": s.get("days_max"),
            **r,
            **m,
        }
    if what == "cap_base":
        return _("Base %(base)s capped at %(cap)s") % m
    if what == "negative":
        return _("More returned than bought (%(value)s): 0") % m
    if what == "min_base":
        return _("Base %(base)s under the minimum %(minimum)s: nothing") % m
    if what == "cap_amount":
        return _("%(value)s capped at %(cap)s") % m
    if what == "void":
        return (
            _(
                "Void: a violation of a kind this program names was confirmed in the period "
                "(%(value)s withheld)"
            )
            % m
        )
    return str(step)
