from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qudao.analytics.kpis import KPIS, Direction
from qudao.analytics.models import GradingModel
from qudao.partners.models import Grade


class GradingModelForm(forms.Form):
    """The grading model as people think of it: a weight beside each KPI, the lowest score
    of each grade, the hysteresis. What makes it valid is the service's rule
    (``analytics.services.grading_model_update``), which every caller shares; the form
    only turns numbers in boxes into the model's weights and thresholds."""

    hysteresis_periods = forms.IntegerField(
        label=_("Reviews before a grade moves"),
        min_value=1,
        max_value=12,
        help_text=_("Consecutive reviews that must compute the same new grade (1–12)."),
    )

    def __init__(self, *args: Any, instance: GradingModel, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hysteresis_periods"].initial = instance.hysteresis_periods
        for kpi in KPIS:
            better = _("lower") if kpi.direction == Direction.LOWER else _("higher")
            self.fields[f"weight__{kpi.id}"] = forms.DecimalField(
                label=kpi.name,
                required=False,
                min_value=Decimal(0),
                max_value=Decimal(100),
                decimal_places=4,
                initial=instance.weights.get(kpi.id),
                help_text=_("Weight (empty or 0: not scored); better when %(better)s.")
                % {"better": better},
            )
        lowest = dict(instance.thresholds)
        for grade in Grade.objects.order_by("rank"):
            self.fields[f"lowest__{grade.code}"] = forms.DecimalField(
                label=_("Grade %(grade)s: lowest score") % {"grade": f"{grade.code} {grade.name}"},
                required=False,
                min_value=Decimal(0),
                max_value=Decimal(1),
                decimal_places=4,
                initial=lowest.get(grade.code),
                help_text=_("0 to 1 (a percentile-rank score); empty: the grade is not given."),
            )

    def weight_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("weight__")]

    def threshold_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("lowest__")]

    def model_data(self) -> dict[str, Any]:
        """What the service takes: weights {kpi: weight}, thresholds [[grade, lowest]] in
        grade order (best first), hysteresis."""
        data = self.cleaned_data
        weights = {
            name.removeprefix("weight__"): float(value)
            for name, value in data.items()
            if name.startswith("weight__") and value
        }
        thresholds = [
            [name.removeprefix("lowest__"), float(value)]
            for name, value in data.items()
            if name.startswith("lowest__") and value is not None
        ]
        return {
            "weights": weights,
            "thresholds": thresholds,
            "hysteresis_periods": data["hysteresis_periods"],
        }
