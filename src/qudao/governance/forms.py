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
    """Renders and parses a rule's setting; ``governance.services.rule_setting_save`` says
    what is valid."""

    enabled = forms.BooleanField(label=_("Enabled"), required=False)
    parameters = forms.JSONField(
        label=_("Parameters"), widget=forms.Textarea(attrs={"rows": 3, "class": "mono"})
    )
