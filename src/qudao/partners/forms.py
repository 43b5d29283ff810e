from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any, cast

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qudao.core.choices import INTERNAL_ROLES, Role
from qudao.core.forms import FilesField, ScopedModelForm
from qudao.core.models import User
from qudao.partners.choices import ALLOWED_TRANSITIONS, PartnerStatus
from qudao.partners.models import Agreement, Contact, Partner, PartnerTerritory, Target


class PartnerForm(ScopedModelForm):
    class Meta:
        model = Partner
        fields = [
            "code",
            "name_en",
            "name_zh",
            "channel_model",
            "parent",
            "grade",
            "home_region",
            "segments",
            "owner",
            "credit_limit",
            "joined_on",
            "reports_sell_through",
            "notes",
        ]
        widgets = {"joined_on": forms.DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            groups__name__in=[r.value for r in INTERNAL_ROLES]
        ).distinct()
        user = self.user
        if not user.is_superuser and not user.has_role(Role.CHANNEL_DIRECTOR):
            # Offer only what keeps the partner inside the user's scope: a manager's own
            # regions (the service refuses anything else too).
            paths = list(user.managed_regions.values_list("path", flat=True))
            within = reduce(or_, (Q(path__startswith=p) for p in paths), Q(pk__in=[]))
            self.fields["home_region"].queryset = self.fields["home_region"].queryset.filter(  # type: ignore[attr-defined]
                within
            )
        if self.instance.pk:
            # A partner cannot become its own ancestor.
            self.fields["parent"].queryset = self.fields["parent"].queryset.exclude(  # type: ignore[attr-defined]
                path__startswith=self.instance.path
            )


class PartnerStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"))

    def __init__(self, *args: Any, partner: Partner, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = ALLOWED_TRANSITIONS[partner.status]
        status_field = cast(forms.ChoiceField, self.fields["status"])
        status_field.choices = [(v, label) for v, label in PartnerStatus.choices if v in allowed]


class TargetForm(ScopedModelForm):
    period = forms.CharField(
        label=_("Period"),
        max_length=10,
        help_text=_("A year (2020), quarter (2020Q1) or month (2020-03)."),
    )

    class Meta:
        model = Target
        fields = ["partner", "period", "category", "amount", "quantity"]


class PartnerTerritoryForm(ScopedModelForm):
    class Meta:
        model = PartnerTerritory
        fields = ["region", "exclusive", "valid_from", "valid_to"]
        widgets = {"valid_from": forms.DateInput(), "valid_to": forms.DateInput()}


class ContactForm(ScopedModelForm):
    class Meta:
        model = Contact
        fields = ["name", "title", "phone", "email", "wechat", "is_primary"]


class AgreementForm(ScopedModelForm):
    signed_copies = FilesField(
        label=_("Signed copies"),
        required=False,
        help_text=_("PDF or images, 20 MB each; added to those kept."),
    )

    class Meta:
        model = Agreement
        fields = [
            "partner",
            "number",
            "kind",
            "starts_on",
            "ends_on",
            "territories",
            "yearly_target",
            "rebate_programs",
            "payment_terms",
            "other_terms",
            "remind_days",
        ]
        widgets = {
            "starts_on": forms.DateInput(),
            "ends_on": forms.DateInput(),
            "other_terms": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["partner"]  # an agreement stays with its partner
        territories = self.fields["territories"]
        territories.widget.attrs["size"] = 6


class AgreementRenewForm(forms.Form):
    starts_on = forms.DateField(
        label=_("starts on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(label=_("ends on"), widget=forms.DateInput(attrs={"type": "date"}))
    yearly_target = forms.DecimalField(
        label=_("yearly target"), required=False, max_digits=18, decimal_places=2, min_value=0
    )
    payment_terms = forms.CharField(label=_("payment terms"), required=False, max_length=200)
    signed_copies = FilesField(label=_("Signed copies"), required=False)


class InviteForm(forms.Form):
    """One of the partner's people, given a sign-in."""

    username = forms.CharField(label=_("User name"), max_length=150)
    first_name = forms.CharField(label=_("Given name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Family name"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        help_text=_("The invitation goes here; without one, you pass the link on yourself."),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[
            (Role.PARTNER_USER.value, Role.PARTNER_USER.label),
            (Role.PARTNER_ADMIN.value, Role.PARTNER_ADMIN.label),
        ],
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
