from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qudao.core.forms import ScopedModelForm
from qudao.core.models import User
from qudao.governance.models import (
    Complaint,
    ComplianceItem,
    FlagStatus,
    PenaltyKind,
    RiskFlag,
    Violation,
)
from qudao.governance.rules import DetectorSetting, Rule
from qudao.governance.services import (
    COMMENT_MAX_CHARS,
    PenaltyOrder,
    plan_owner_may_take,
    violation_assignee_may_take,
)


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


UNIT_WORDS: dict[str, Any] = {
    "periods": _("periods"),
    "rate": "%",
    "days": _("days"),
    "hours": _("hours"),
    "count": _("count"),
    "times": "×",
    "number": "",
}


class RuleSettingForm(forms.Form):
    """A rule's or detector's setting as a form: a box per parameter with its unit and
    range (a rate typed as a percentage), and whether it runs.
    ``governance.services.rule_setting_save`` decides what is valid, for every
    caller; the boxes' ranges only help the person typing."""

    enabled = forms.BooleanField(label=_("Runs with the review"), required=False)

    def __init__(
        self,
        *args: Any,
        definition: Rule | DetectorSetting,
        parameters: dict[str, Any],
        enabled: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.definition = definition
        self.fields["enabled"].initial = enabled
        if isinstance(definition, DetectorSetting):
            del self.fields["enabled"]  # detectors always run
        for name, spec in definition.parameters.items():
            scale = 100 if spec.unit == "rate" else 1
            value = parameters.get(name, definition.defaults[name])
            self.fields[f"p__{name}"] = forms.DecimalField(
                label=spec.label,
                initial=Decimal(str(value)) * scale,
                min_value=Decimal(str(spec.minimum)) * scale,
                max_value=Decimal(str(spec.maximum)) * scale,
                decimal_places=0 if spec.whole else 4,
                help_text=_("%(unit)s, %(low)s to %(high)s; default %(default)s.")
                % {
                    "unit": UNIT_WORDS[spec.unit] or _("number"),
                    "low": f"{spec.minimum * scale:g}",
                    "high": f"{spec.maximum * scale:g}",
                    "default": f"{definition.defaults[name] * scale:g}",
                },
                widget=forms.NumberInput(attrs={"step": "1" if spec.whole else "any"}),
            )

    def parameter_fields(self) -> list[tuple[forms.BoundField, Any]]:
        """Each parameter's box with the unit shown after it."""
        return [
            (self[f"p__{name}"], UNIT_WORDS[spec.unit])
            for name, spec in self.definition.parameters.items()
        ]

    def parameters(self) -> dict[str, Any]:
        """The parameters as the rule reads them: rates as fractions, counts whole."""
        out: dict[str, Any] = {}
        for name, spec in self.definition.parameters.items():
            value = self.cleaned_data[f"p__{name}"]
            if spec.unit == "rate":
                value = value / 100
            out[name] = int(value) if spec.whole else float(value)
        return out

    def is_enabled(self) -> bool:
        return "enabled" not in self.fields or bool(self.cleaned_data.get("enabled"))


def _date_field(label: Any, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label, required=required, widget=forms.DateInput(attrs={"type": "date"})
    )


class ViolationInvestigateForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=User.objects.none())
    due_date = _date_field(_("Due date"), required=False)

    def __init__(self, *args: Any, violation: Violation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only people who may work on the offender: a case nobody can open helps nobody.
        internal = User.objects.filter(is_active=True, partner__isnull=True).order_by("username")
        able = [u.pk for u in internal if violation_assignee_may_take(user=u, violation=violation)]
        self.fields["assignee"].queryset = internal.filter(pk__in=able)  # type: ignore[attr-defined]


class ViolationConfirmForm(forms.Form):
    """Confirm with any of the penalties: the money ones name their amount."""

    note = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 2}))
    warning = forms.BooleanField(label=_("Warning"), required=False)
    fine = forms.DecimalField(
        label=_("Fine"), required=False, min_value=Decimal("0.01"), max_digits=22, decimal_places=2
    )
    rebate_deduction = forms.DecimalField(
        label=_("Rebate deduction"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=22,
        decimal_places=2,
    )
    rebate_period = forms.CharField(
        label=_("Deduct from the rebate of"), required=False, max_length=10
    )
    grade_downgrade = forms.BooleanField(label=_("Propose a grade downgrade"), required=False)
    suspension = forms.BooleanField(label=_("Propose a suspension"), required=False)

    def penalty_orders(self) -> list[PenaltyOrder]:
        data = self.cleaned_data
        orders = [
            PenaltyOrder(kind)
            for kind in (PenaltyKind.WARNING, PenaltyKind.GRADE_DOWNGRADE, PenaltyKind.SUSPENSION)
            if data.get(kind.value)
        ]
        if data.get("fine") is not None:
            orders.append(PenaltyOrder(PenaltyKind.FINE, data["fine"]))
        if data.get("rebate_deduction") is not None:
            orders.append(
                PenaltyOrder(
                    PenaltyKind.REBATE_DEDUCTION,
                    data["rebate_deduction"],
                    data.get("rebate_period", ""),
                )
            )
        return orders


class ViolationCommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"), max_length=COMMENT_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 3})
    )
    internal = forms.BooleanField(
        label=_("Internal note (not shown to the partner)"), required=False
    )
    attachment = forms.FileField(label=_("Attachment"), required=False)


class ComplaintForm(ScopedModelForm):
    class Meta:
        model = Complaint
        fields = ["partner", "source", "received_on", "severity", "text", "status", "resolution"]
        widgets = {
            "received_on": forms.DateInput(),
            "text": forms.Textarea(attrs={"rows": 4}),
            "resolution": forms.Textarea(attrs={"rows": 3}),
        }


class ComplianceItemForm(ScopedModelForm):
    class Meta:
        model = ComplianceItem
        fields = [
            "partner",
            "kind",
            "name",
            "reference",
            "valid_from",
            "expires_on",
            "remind_days",
            "note",
        ]
        widgets = {
            "valid_from": forms.DateInput(),
            "expires_on": forms.DateInput(),
            "note": forms.Textarea(attrs={"rows": 3}),
        }
