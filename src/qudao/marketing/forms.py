from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qudao.core.forms import ScopedModelForm
from qudao.core.permissions import restrict
from qudao.marketing.models import Campaign
from qudao.partners.models import Partner


class CampaignForm(ScopedModelForm):
    partners = forms.ModelMultipleChoiceField(
        label=_("Partners taking part"), queryset=Partner.objects.none()
    )

    class Meta:
        model = Campaign
        fields = ["code", "name", "fund", "partners", "regions", "starts_on", "ends_on", "budget"]
        widgets = {"starts_on": forms.DateInput(), "ends_on": forms.DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["partners"]
        field.queryset = restrict(Partner.objects.all(), self.user, "change")  # type: ignore[attr-defined]
        if self.instance.pk:
            self.initial["partners"] = list(
                self.instance.participants.values_list("partner_id", flat=True)
            )


class ResultsForm(forms.Form):
    results = forms.CharField(
        label=_("Results"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args: Any, participants: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for p in participants:
            self.fields[f"leads_{p.partner_id}"] = forms.IntegerField(
                label=_("Leads from %(partner)s") % {"partner": p.partner.code},
                min_value=0,
                initial=p.leads,
            )

    def leads(self) -> dict[int, int]:
        return {
            int(name.removeprefix("leads_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("leads_")
        }


class CloseForm(forms.Form):
    spend = forms.DecimalField(label=_("What it cost"), min_value=0, decimal_places=2)
