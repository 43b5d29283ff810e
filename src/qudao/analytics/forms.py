from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qudao.analytics.kpis import KPI_BY_ID
from qudao.analytics.models import GradingModel
from qudao.partners.models import Grade


class GradingModelForm(forms.ModelForm):
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

    def clean_weights(self) -> dict[str, float]:
        weights = self.cleaned_data["weights"]
        if not isinstance(weights, dict) or not weights:
            raise forms.ValidationError(_("Give at least one KPI and its weight."))
        unknown = sorted(set(weights) - set(KPI_BY_ID))
        if unknown:
            raise forms.ValidationError(
                _("Not KPIs of the dictionary: %(names)s.") % {"names": ", ".join(unknown)}
            )
        if any(not isinstance(w, int | float) or w <= 0 for w in weights.values()):
            raise forms.ValidationError(_("Every weight must be a number above 0."))
        return weights

    def clean_thresholds(self) -> list[list[Any]]:
        pairs = self.cleaned_data["thresholds"]
        shaped = isinstance(pairs, list) and all(
            isinstance(p, list) and len(p) == 2 and isinstance(p[1], int | float) for p in pairs
        )
        if not shaped or not pairs:
            raise forms.ValidationError(_('Write pairs like [["A", 0.75], ["B", 0.5]].'))
        known = set(Grade.objects.values_list("code", flat=True))
        unknown = sorted({str(code) for code, _lowest in pairs} - known)
        if unknown:
            raise forms.ValidationError(
                _("No grade with the code(s) %(codes)s.") % {"codes": ", ".join(unknown)}
            )
        lowest = [float(p[1]) for p in pairs]
        if lowest != sorted(lowest, reverse=True):
            raise forms.ValidationError(_("List the best grade first, with falling scores."))
        return pairs
