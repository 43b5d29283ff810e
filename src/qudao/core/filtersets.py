"""Filterset base: a free-text ``q`` over code and both names, as on every list page."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _


class SearchFilterSet(django_filters.FilterSet):
    search_fields: tuple[str, ...] = ("code", "name_en", "name_zh")
    q = django_filters.CharFilter(method="search", label=_("Search"),
                                  widget=forms.TextInput(attrs={"type": "search"}))

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        if not value:
            return queryset
        clause = Q()
        for field in self.search_fields:
            clause |= Q(**{f"{field}__icontains": value})
        return queryset.filter(clause)
