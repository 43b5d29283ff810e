from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from qudao.catalog.models import Category
from qudao.core.filtersets import YES_NO_ALL, ModelChoiceFilter, SearchFilterSet
from qudao.supply.models import (
    CheckTrigger,
    PositionStatus,
    SupplyAlert,
    SupplyAlertKind,
    SupplyCheck,
    SupplyPosition,
    SupplyThreshold,
)

PARTNER_AND_FAMILY = (
    "partner__code",
    "partner__name_en",
    "partner__name_zh",
    "category__code",
    "category__name_en",
    "category__name_zh",
)


class SupplyAlertFilterSet(SearchFilterSet):
    search_fields = PARTNER_AND_FAMILY
    kind = django_filters.ChoiceFilter(choices=SupplyAlertKind.choices, label=_("Alert"))
    category = ModelChoiceFilter(queryset=Category.objects.all(), label=_("Product family"))
    open = django_filters.BooleanFilter(
        field_name="cleared_at", lookup_expr="isnull", label=_("Open"), widget=YES_NO_ALL
    )
    acknowledged = django_filters.BooleanFilter(
        method="is_acknowledged", label=_("Acknowledged"), widget=YES_NO_ALL
    )

    class Meta:
        model = SupplyAlert
        fields = ["q", "kind", "category", "open", "acknowledged"]

    def is_acknowledged(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        if value is None:
            return queryset
        return queryset.filter(acknowledged_at__isnull=not value)


class SupplyPositionFilterSet(SearchFilterSet):
    search_fields = PARTNER_AND_FAMILY
    status = django_filters.ChoiceFilter(choices=PositionStatus.choices, label=_("Status"))
    category = ModelChoiceFilter(queryset=Category.objects.all(), label=_("Product family"))

    class Meta:
        model = SupplyPosition
        fields = ["q", "status", "category"]


class SupplyCheckFilterSet(SearchFilterSet):
    search_fields = ("triggered_by__username",)
    trigger = django_filters.ChoiceFilter(choices=CheckTrigger.choices, label=_("Started by"))

    class Meta:
        model = SupplyCheck
        fields = ["q", "trigger"]


class SupplyThresholdFilterSet(SearchFilterSet):
    search_fields = ("category__code", "category__name_en", "category__name_zh")

    class Meta:
        model = SupplyThreshold
        fields = ["q"]
