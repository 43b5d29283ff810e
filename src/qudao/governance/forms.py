from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qudao.core.models import User
from qudao.governance.models import FlagStatus, RiskFlag
from qudao.governance.services import plan_owner_may_take


class PlanForm(forms.Form):
    flags = forms.ModelMultipleChoiceField(
        label=_("Flags it answers"),
        queryset=RiskFlag.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    actions = forms.CharField(label=_("Actions"), widget=forms.Textarea(attrs={"rows": 6}))
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))
    follow_up_date = forms.DateField(
        label=_("Follow-up date"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, partner: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        flags = RiskFlag.objects.filter(partner=partner, status=FlagStatus.OPEN)
        self.fields["flags"].queryset = flags  # type: ignore[attr-defined]
        self.fields["flags"].label_from_instance = (  # type: ignore[attr-defined]
            lambda f: f"{f.period} · {f.rule_definition.name if f.rule_definition else f.rule}"
        )
        # Only people who may work on the partner: an owner who cannot open the plan is none.
        internal = User.objects.filter(is_active=True, partner__isnull=True).order_by("username")
        able = [u.pk for u in internal if plan_owner_may_take(owner=u, partner=partner)]
        self.fields["owner"].queryset = internal.filter(pk__in=able)  # type: ignore[attr-defined]


class RuleSettingForm(forms.Form):
    enabled = forms.BooleanField(label=_("Enabled"), required=False)
    parameters = forms.JSONField(
        label=_("Parameters"), widget=forms.Textarea(attrs={"rows": 3, "class": "mono"})
    )

    def __init__(self, *args: Any, defaults: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.defaults = defaults

    def clean_parameters(self) -> dict[str, Any]:
        value = self.cleaned_data["parameters"]
        if not isinstance(value, dict):
            raise forms.ValidationError(_('Write the parameters as {"name": value}.'))
        unknown = sorted(set(value) - set(self.defaults))
        if unknown:
            raise forms.ValidationError(
                _("Unknown parameter(s) %(names)s; this rule takes %(known)s.")
                % {"names": ", ".join(unknown), "known": ", ".join(self.defaults)}
            )
        if any(not isinstance(v, int | float) or v < 0 for v in value.values()):
            raise forms.ValidationError(_("Parameters are numbers of 0 or more."))
        if "periods" in value and (
            int(value["periods"]) != value["periods"] or value["periods"] < 1
        ):
            raise forms.ValidationError(_("“periods” is a whole number of at least 1."))
        return value
