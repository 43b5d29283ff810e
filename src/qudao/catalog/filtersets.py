from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qudao.catalog.models import Category, PriceListEntry, Product
from qudao.core.filtersets import ModelChoiceFilter, SearchFilterSet
from qudao.partners.models import ChannelModel


class ProductFilterSet(SearchFilterSet):
    category = ModelChoiceFilter(
        queryset=Category.objects.all(), method="in_category", label=_("Category")
    )
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Product
        fields = ["q", "category", "is_active"]

    def in_category(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(category__path__startswith=value.path) if value else queryset


class PriceListFilterSet(SearchFilterSet):
    search_fields = ("product__code", "product__name_en", "product__name_zh")
    channel_model = ModelChoiceFilter(queryset=ChannelModel.objects.all(), label=_("Channel model"))
    valid_on = django_filters.DateFilter(method="valid_on_date", label=_("Valid on"))

    class Meta:
        model = PriceListEntry
        fields = ["q", "channel_model", "valid_on"]

    def valid_on_date(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=value), valid_from__lte=value
        )
