"""Form base: model forms whose choices are limited to what the user may see."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class ScopedModelForm(forms.ModelForm):  # type: ignore[type-arg]
    """A ModelForm that knows its user; every related-object choice passes the access gate."""

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and hasattr(queryset, "restrict"):
                field.queryset = queryset.restrict(user)  # type: ignore[attr-defined]
            if isinstance(field.widget, forms.DateInput):
                field.widget.input_type = "date"
                field.widget.format = "%Y-%m-%d"


class ApiTokenForm(forms.Form):
    """A token a person makes for their own integration."""

    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What it is for, e.g. “ERP sync”.")
    )
    read_only = forms.BooleanField(
        label=_("Read only"),
        required=False,
        initial=True,
        help_text=_("It may read what you may read, and change nothing."),
    )
    days = forms.TypedChoiceField(
        label=_("Expires"),
        coerce=int,
        empty_value=None,
        choices=[
            (30, _("in 30 days")),
            (90, _("in 90 days")),
            (365, _("in a year")),
            ("", _("never (until revoked)")),
        ],
        initial=90,
        required=False,
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Several files in one field (the browser's multiple selection); cleans to a list."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(FilesField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []
