"""Filterset base: a free-text ``q`` over code and both names, as on every list page."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

MAX_DATABASE_ID = 2**63 - 1
DATE_INPUT = forms.DateInput(attrs={"type": "date"})
YES_NO_ALL = forms.Select(choices=[("", _("All")), ("true", _("yes")), ("false", _("no"))])


class BoundedModelChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """Refuses ids no database column can hold, instead of letting the query fail (a 500)."""

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values:
            text = str(value).strip()
            if not text.isdigit() or not 0 < int(text) <= MAX_DATABASE_ID:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice"
                )
        return super().to_python(value)


class ModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = BoundedModelChoiceField


def LevelFilter(**kwargs: Any) -> django_filters.NumberFilter:  # noqa: N802 - reads like a class
    """A tree level: a small positive whole number."""
    return django_filters.NumberFilter(min_value=1, max_value=99, **kwargs)


class SearchFilterSet(django_filters.FilterSet):
    search_fields: tuple[str, ...] = ("code", "name_en", "name_zh")
    q = django_filters.CharFilter(
        method="search", label=_("Search"), widget=forms.TextInput(attrs={"type": "search"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            if hasattr(field, "empty_label"):
                field.empty_label = _("All")
            if isinstance(field, forms.ChoiceField) and field.choices:
                choices = list(cast(Iterable[Any], field.choices))
                if choices and choices[0][0] == "":
                    field.choices = [("", _("All")), *choices[1:]]

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        if not value:
            return queryset
        clause = Q()
        for field in self.search_fields:
            clause |= Q(**{f"{field}__icontains": value})
        return queryset.filter(clause)
