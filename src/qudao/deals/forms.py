from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qudao.core.choices import Role
from qudao.core.forms import ScopedModelForm
from qudao.core.models import User
from qudao.deals.models import DealRegistration, DirectAccount, RealisedFact


def _sales() -> Any:
    return User.objects.filter(groups__name=Role.SALES.value, is_active=True).distinct()


class DealRegistrationForm(ScopedModelForm):
    class Meta:
        model = DealRegistration
        fields = [
            "partner",
            "customer_name",
            "customer_tax_id",
            "customer_region",
            "products",
            "value",
            "expected_close",
            "description",
        ]
        widgets = {
            "expected_close": forms.DateInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "customer_name": _("The company's registered name, as on its business licence."),
            "customer_tax_id": _(
                "Unified social credit code (统一社会信用代码), if known: it is matched exactly."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        partners = self.fields["partner"].queryset  # type: ignore[attr-defined]
        if self.user.partner_id and self.instance.pk is None:
            # a partner registers for itself unless it has sub-partners to choose from
            self.initial.setdefault("partner", self.user.partner_id)
        if partners.count() == 1:
            self.initial.setdefault("partner", partners.first().pk)


class DirectAccountForm(ScopedModelForm):
    class Meta:
        model = DirectAccount
        fields = ["customer_name", "tax_id", "region", "owner"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _sales()  # type: ignore[attr-defined]


class DecisionAction:
    APPROVE = "approve"
    REJECT = "reject"
    ROUTE = "route"


class DealDecisionForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (DecisionAction.APPROVE, _("Approve: protect the customer for the partner")),
            (DecisionAction.REJECT, _("Reject")),
            (DecisionAction.ROUTE, _("Route to the direct-sales owner")),
        ],
        widget=forms.RadioSelect,
    )
    days = forms.IntegerField(
        label=_("Protection (days)"), min_value=1, max_value=730, required=False
    )
    owner = forms.ModelChoiceField(
        label=_("Sales owner"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Left empty: the owner of the direct account it matched best."),
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _sales()  # type: ignore[attr-defined]


class DealExtendForm(forms.Form):
    days = forms.IntegerField(label=_("Extend by (days)"), min_value=1, max_value=730)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class DealCloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("won", _("Won")), ("lost", _("Lost"))],
        widget=forms.RadioSelect,
    )
    fact = forms.ChoiceField(
        label=_("Realised by"), choices=[("", "—"), *RealisedFact.choices], required=False
    )
    document = forms.CharField(
        label=_("Order or document id"),
        max_length=100,
        required=False,
        help_text=_("The sell-in order id or sell-through document id, as imported."),
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
