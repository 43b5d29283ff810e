"""Reads of the channel review; every one goes through the access gate."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from qudao.analytics.kpis import KPIS, Unit
from qudao.analytics.models import GradeProposal, GradingModel, ReviewRun, RunStatus, Scorecard
from qudao.core.permissions import restrict

# The export contract: these columns first, in this order, then every other KPI.
EXPORT_LEADING = [
    "partner_code",
    "period",
    "revenue",
    "gross_margin",
    "gross_margin_rate",
    "revenue_growth_qoq",
    "revenue_growth_yoy",
    "target_attainment",
    "grade",
    "at_risk",
]
EXPORT_COLUMNS = EXPORT_LEADING + [k.id for k in KPIS if k.id not in EXPORT_LEADING]
_UNITS = {k.id: k.unit for k in KPIS}


def review_run_list(*, user: Any) -> QuerySet[ReviewRun]:
    return restrict(ReviewRun.objects.select_related("started_by"), user, "view")


def current_run(*, period: str) -> ReviewRun | None:
    return ReviewRun.objects.filter(period=period, status=RunStatus.CURRENT).first()


def scorecard_list(*, user: Any | None, period: str | None = None) -> QuerySet[Scorecard]:
    """The current scorecards (of the current run of each period) the user may see;
    ``user=None`` is the operator at the console (``qudao export`` without ``--user``)."""
    cards = Scorecard.objects.filter(is_current=True).select_related(
        "partner", "partner__grade", "channel_model", "region", "computed_grade"
    )
    if period:
        cards = cards.filter(period=period)
    return cards if user is None else restrict(cards, user, "view")


def _export_value(column: str, value: Any) -> str:
    """Money to 2 decimals, rates as decimals to 4 places, empty where there is no data."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    unit = _UNITS.get(column)
    if isinstance(value, Decimal):
        places = {Unit.RATE: 4, Unit.MONEY: 2}.get(unit) if unit else None
        if places is not None:
            value = value.quantize(Decimal(1).scaleb(-places))
        return format(value.normalize() if unit is Unit.QUANTITY else value, "f")
    return str(value)


def scorecard_export_rows(*, user: Any | None, period: str) -> tuple[list[str], list[list[str]]]:
    rows = []
    for card in scorecard_list(user=user, period=period).order_by("partner__code"):
        values: dict[str, Any] = {
            "partner_code": card.partner.code,
            "period": card.period,
            "grade": card.partner.grade.code if card.partner.grade else None,
            "at_risk": card.at_risk,
        }
        values.update({k.id: getattr(card, k.id) for k in KPIS})
        rows.append([_export_value(c, values[c]) for c in EXPORT_COLUMNS])
    return EXPORT_COLUMNS, rows


def grade_proposal_list(*, user: Any) -> QuerySet[GradeProposal]:
    proposals = GradeProposal.objects.select_related(
        "partner", "from_grade", "to_grade", "decided_by"
    )
    return restrict(proposals, user, "view")


def grading_model_active() -> GradingModel | None:
    return GradingModel.objects.filter(is_active=True).first()
