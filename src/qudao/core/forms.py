"""Form base: model forms whose choices are limited to what the user may see."""

from __future__ import annotations

from typing import Any

from django import forms


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
