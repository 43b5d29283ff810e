"""Forms of recruitment: the public application, the applicant as staff and partners edit
it, stage moves, signing, and the entry thresholds — a row of boxes per criterion."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qudao.core.choices import INTERNAL_ROLES
from qudao.core.forms import FilesField, ScopedModelForm
from qudao.core.models import User
from qudao.core.permissions import is_partner_user
from qudao.partners.models import ChannelModel, Partner
from qudao.recruitment import scoring
from qudao.recruitment.choices import NEXT_STAGES, Stage
from qudao.recruitment.models import Applicant, Pilot, PilotDecision, PilotGroup
from qudao.recruitment.pilots import pilot_kpis
from qudao.recruitment.services import APPLICATION_FIELDS_IN_ORDER
from qudao.territories.models import Region

APPLICATION_FORM_FIELDS = list(APPLICATION_FIELDS_IN_ORDER)
TEXTAREA = forms.Textarea(attrs={"rows": 2})


class _TreeLabels:
    """Regions listed as the tree they are: each indented under its parent."""

    def label_from_instance(self, obj: Any) -> str:
        return "\u3000" * (obj.depth - 1) + obj.name


class RegionChoiceField(_TreeLabels, forms.ModelChoiceField):  # type: ignore[type-arg]
    pass


class RegionsChoiceField(_TreeLabels, forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    pass


def _region_fields(form: forms.BaseForm) -> None:
    regions = Region.objects.order_by("path")
    home = form.fields["home_region"]
    form.fields["home_region"] = RegionChoiceField(
        queryset=regions, label=home.label, help_text=home.help_text
    )
    others = form.fields["regions"]
    form.fields["regions"] = RegionsChoiceField(
        queryset=regions,
        label=others.label,
        required=False,
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."),
    )
    form.fields["regions"].widget.attrs["size"] = 6


class ApplicationForm(forms.ModelForm):  # type: ignore[type-arg]
    """The public application: no sign-in. ``website`` is a trap for robots — hidden from
    people, so only a program fills it in."""

    documents = FilesField(
        label=_("Documents"),
        required=False,
        help_text=_("Business licence, last year's accounts…: up to 5 files of 10 MB."),
    )
    website = forms.CharField(required=False, label=_("Leave this empty"))

    class Meta:
        model = Applicant
        fields = APPLICATION_FORM_FIELDS
        widgets = {
            "other_contacts": TEXTAREA,
            "current_brands": TEXTAREA,
            "message": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _region_fields(self)
        self.fields["contact_email"].required = True
        self.fields["channel_model"].queryset = ChannelModel.objects.all()  # type: ignore[attr-defined]
        self.fields["channel_model"].label = _("How you would sell")

    @property
    def is_robot(self) -> bool:
        return bool(self.data.get("website"))


class ApplicantForm(ScopedModelForm):
    """An applicant as channel staff see it; a partner's admin gets what an applicant tells."""

    documents = FilesField(
        label=_("Documents"), required=False, help_text=_("Up to 5 files of 10 MB.")
    )

    class Meta:
        model = Applicant
        fields = [
            *APPLICATION_FORM_FIELDS,
            "brand_fit",
            "credit_check",
            "owner",
            "sponsor",
        ]
        widgets = {
            "other_contacts": TEXTAREA,
            "current_brands": TEXTAREA,
            "message": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _region_fields(self)
        if is_partner_user(self.user):
            for name in ("brand_fit", "credit_check", "owner", "sponsor"):
                del self.fields[name]
        else:
            self.fields["owner"].queryset = User.objects.filter(  # type: ignore[attr-defined]
                groups__name__in=[r.value for r in INTERNAL_ROLES]
            ).distinct()
        if self.instance.pk:
            del self.fields["documents"]  # added on the applicant's page


class StageForm(forms.Form):
    stage = forms.ChoiceField(label=_("Move to"), choices=())
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=TEXTAREA,
        help_text=_("Required when rejecting: the reason."),
    )

    def __init__(self, *args: Any, applicant: Applicant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [  # type: ignore[attr-defined]
            (s.value, s.label) for s in NEXT_STAGES.get(applicant.stage, ()) if s != Stage.SIGNED
        ]


class SignForm(forms.Form):
    code = forms.CharField(label=_("Partner code"), max_length=50)
    name_en = forms.CharField(label=_("name (English)"), max_length=200)
    name_zh = forms.CharField(label=_("name (Chinese)"), max_length=200, required=False)
    exclusive = forms.BooleanField(
        label=_("Exclusive territories"),
        required=False,
        help_text=_("Protect the regions it wanted: no other partner may hold them."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=TEXTAREA)


class BandsField(forms.CharField):
    """Scoring bands typed one per line, “lower bound: points”."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 18})

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        try:
            return scoring.parse_bands(text or "")
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


class EntryModelForm(forms.Form):
    """The entry thresholds of a channel model: per criterion a weight, its bands and an
    optional minimum below which the applicant is knocked out."""

    pass_score = forms.DecimalField(
        label=_("Pass score"), min_value=Decimal(0), max_value=Decimal(100), decimal_places=2
    )
    knock_out_competing_exclusive = forms.BooleanField(
        label=_("Knock out an applicant exclusive with a competitor"), required=False
    )
    knock_out_failed_credit = forms.BooleanField(
        label=_("Knock out an applicant that failed the credit check"), required=False
    )
    note = forms.CharField(
        label=_("What changed, and why"), required=False, max_length=2000, widget=TEXTAREA
    )

    def __init__(self, *args: Any, criteria: list[dict[str, Any]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        stored = {c["measure"]: c for c in (criteria or [])}
        for measure in scoring.MEASURES:
            criterion = stored.get(measure.key, {})
            self.fields[f"{measure.key}_weight"] = forms.DecimalField(
                label=_("Weight"),
                min_value=Decimal(0),
                max_value=Decimal(1000),
                decimal_places=2,
                initial=Decimal(criterion.get("weight", "0")),
            )
            self.fields[f"{measure.key}_bands"] = BandsField(
                label=_("Bands"),
                required=False,
                initial=scoring.format_bands(criterion.get("bands", [])),
            )
            self.fields[f"{measure.key}_minimum"] = forms.DecimalField(
                label=_("Minimum"),
                required=False,
                max_digits=18,
                decimal_places=2,
                initial=criterion.get("minimum"),
            )

    def rows(self) -> list[dict[str, Any]]:
        """The criteria's boxes, a row per measure, for the template."""
        return [
            {
                "measure": m,
                "weight": self[f"{m.key}_weight"],
                "bands": self[f"{m.key}_bands"],
                "minimum": self[f"{m.key}_minimum"],
            }
            for m in scoring.MEASURES
        ]

    def criteria(self) -> list[dict[str, Any]]:
        """The criteria as stored on the model (after ``is_valid``)."""
        data = self.cleaned_data
        return [
            {
                "measure": m.key,
                "weight": str(data[f"{m.key}_weight"]),
                "bands": [[str(bound), points] for bound, points in data[f"{m.key}_bands"]],
                "minimum": None
                if data[f"{m.key}_minimum"] is None
                else str(data[f"{m.key}_minimum"]),
            }
            for m in scoring.MEASURES
        ]


class PartnersField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.name}"


class PilotForm(ScopedModelForm):
    partners = PartnersField(
        label=_("Pilot partners"),
        queryset=Partner.objects.none(),
        required=False,
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."),
    )

    class Meta:
        model = Pilot
        fields = ["code", "name", "hypothesis", "starts_on", "ends_on", "regions", "status"]
        widgets = {
            "starts_on": forms.DateInput(),
            "ends_on": forms.DateInput(),
            "hypothesis": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["partners"]
        field.queryset = Partner.objects.restrict(self.user, "change").order_by("code")  # type: ignore[attr-defined]
        field.widget.attrs["size"] = 8
        self.fields["regions"].widget.attrs["size"] = 6
        if self.instance.pk:
            field.initial = [
                m.partner_id for m in self.instance.members.filter(group=PilotGroup.PILOT)
            ]


class ControlForm(forms.Form):
    partners = PartnersField(
        label=_("Control partners"), queryset=Partner.objects.none(), required=False
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["partners"]
        field.queryset = Partner.objects.restrict(user).order_by("code")  # type: ignore[attr-defined]
        field.widget.attrs["size"] = 8


class GoalForm(forms.Form):
    kpi = forms.ChoiceField(label=_("KPI"))
    target = forms.DecimalField(
        label=_("Target per period"),
        max_digits=24,
        decimal_places=6,
        help_text=_("The pilot partners' mean; a rate as a percentage (60 = 60 %)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kpi"].choices = [(k.id, f"{k.name} ({k.unit_label})") for k in pilot_kpis()]  # type: ignore[attr-defined]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=PilotDecision.choices)
    note = forms.CharField(
        label=_("Why"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
