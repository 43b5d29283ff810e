from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qudao.analytics.models import GradingModel


class GradingModelForm(forms.ModelForm):
    """Renders and parses the grading model; what makes it valid is the service's rule
    (``analytics.services.grading_model_update``), so the API and CLI share it."""

    weights = forms.JSONField(
        label=_("KPI weights"),
        widget=forms.Textarea(attrs={"rows": 8, "class": "mono"}),
        help_text=_('KPI id → weight, e.g. {"revenue": 0.35, "churn_rate": 0.1}.'),
    )
    thresholds = forms.JSONField(
        label=_("Grade thresholds"),
        widget=forms.Textarea(attrs={"rows": 5, "class": "mono"}),
        help_text=_('[grade code, lowest score] pairs, best grade first: [["A", 0.75], …].'),
    )

    class Meta:
        model = GradingModel
        fields = ["weights", "thresholds", "hysteresis_periods"]
