from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qudao.collaboration.models import (
    Activity,
    Competitor,
    CompetitorNote,
    Course,
    TrainingRequirement,
    TrainingSession,
)
from qudao.core.choices import INTERNAL_ROLES
from qudao.core.forms import FilesField, ScopedModelForm
from qudao.core.models import User
from qudao.partners.models import Contact, Grade

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _staff() -> Any:
    return User.objects.filter(groups__name__in=[r.value for r in INTERNAL_ROLES]).distinct()


class ActivityForm(ScopedModelForm):
    class Meta:
        model = Activity
        fields = [
            "partner",
            "kind",
            "subject",
            "starts_at",
            "minutes",
            "location",
            "staff",
            "contacts",
            "notes",
            "owner",
            "shared_with_partner",
        ]
        widgets = {"starts_at": DATETIME, "notes": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]  # type: ignore[attr-defined]
        self.fields["staff"].queryset = _staff()  # type: ignore[attr-defined]
        self.fields["owner"].queryset = _staff()  # type: ignore[attr-defined]
        partner = self.initial.get("partner") or getattr(self.instance, "partner_id", None)
        if partner:
            # the contacts of the partner chosen (all the user sees, until one is)
            self.fields["contacts"].queryset = self.fields["contacts"].queryset.filter(  # type: ignore[attr-defined]
                partner=partner
            )


class FollowUpForm(forms.Form):
    task = forms.CharField(label=_("task"), max_length=300)
    owner = forms.ModelChoiceField(label=_("owner"), queryset=User.objects.none())
    due_on = forms.DateField(label=_("due on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _staff()  # type: ignore[attr-defined]


class VisitFrequencyForm(forms.Form):
    """A box per grade: every how many days a partner of that grade should be visited."""

    def __init__(self, *args: Any, current: dict[int | None, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rows = [(g.pk, g.name) for g in Grade.objects.order_by("rank")]
        for key, label in [*rows, (0, _("Not graded yet"))]:
            self.fields[f"grade_{key}"] = forms.IntegerField(
                label=label,
                required=False,
                min_value=1,
                max_value=730,
                initial=current.get(key or None),
                help_text=_("Days between visits; empty: no rule."),
            )

    def every_days(self) -> dict[int, int | None]:
        return {
            int(name.removeprefix("grade_")): value for name, value in self.cleaned_data.items()
        }


class CourseForm(ScopedModelForm):
    materials = FilesField(
        label=_("Materials"), required=False, help_text=_("Files added to those kept (50 MB each).")
    )

    class Meta:
        model = Course
        fields = [
            "code",
            "name_en",
            "name_zh",
            "description",
            "mandatory",
            "certifies",
            "valid_months",
            "links",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "links": forms.Textarea(attrs={"rows": 2}),
        }


class SessionForm(ScopedModelForm):
    class Meta:
        model = TrainingSession
        fields = ["course", "starts_at", "location", "seats"]
        widgets = {"starts_at": DATETIME}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]  # type: ignore[attr-defined]


class EnrolForm(forms.Form):
    contact = forms.ModelChoiceField(label=_("Person"), queryset=Contact.objects.none())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = (
            Contact.objects.restrict(user)
            .select_related("partner")
            .order_by("partner__code", "name")
        )
        field = self.fields["contact"]
        field.queryset = people  # type: ignore[attr-defined]
        field.label_from_instance = lambda c: f"{c.name} · {c.partner.code}"  # type: ignore[attr-defined]


class RequirementForm(ScopedModelForm):
    class Meta:
        model = TrainingRequirement
        fields = ["grade", "course", "people"]


class CompetitorForm(ScopedModelForm):
    class Meta:
        model = Competitor
        fields = ["code", "name_en", "name_zh", "website", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class CompetitorNoteForm(ScopedModelForm):
    class Meta:
        model = CompetitorNote
        fields = [
            "competitor",
            "kind",
            "region",
            "partner",
            "observed_on",
            "product",
            "price",
            "text",
            "source",
        ]
        widgets = {"observed_on": forms.DateInput(), "text": forms.Textarea(attrs={"rows": 3})}
