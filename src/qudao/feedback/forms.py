from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qudao.core.choices import Role
from qudao.core.forms import FilesField, ScopedModelForm
from qudao.core.models import User
from qudao.feedback.models import Feedback, FeedbackSeverity


class FeedbackForm(ScopedModelForm):
    attachments = FilesField(label=_("Files (photos, documents)"), required=False)

    class Meta:
        model = Feedback
        fields = ["partner", "product", "category", "kind", "severity", "title", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.user.partner_id:
            self.initial.setdefault("partner", self.user.partner_id)
            self.fields["partner"].required = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("product") and not data.get("category"):
            raise forms.ValidationError(_("Name the product, or its category."))
        return data


class RouteForm(forms.Form):
    owner = forms.ModelChoiceField(
        label=_("Product owner"),
        queryset=User.objects.filter(groups__name=Role.PRODUCT.value, is_active=True).distinct(),
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=FeedbackSeverity.choices)
    note = forms.CharField(
        label=_("Note for the product team"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )


class DeclineForm(forms.Form):
    note = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 3}))


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 5}))
