from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qudao.collaboration.models import Activity
from qudao.core.choices import INTERNAL_ROLES
from qudao.core.forms import ScopedModelForm
from qudao.core.models import User
from qudao.partners.models import Grade

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
