from __future__ import annotations

from datetime import timedelta
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qudao.core.filtersets import YES_NO_ALL, ModelChoiceFilter, SearchFilterSet
from qudao.deals.models import (
    ConflictKind,
    DealConflict,
    DealRegistration,
    DealStatus,
    DirectAccount,
)
from qudao.territories.models import Region


class DealFilterSet(SearchFilterSet):
    search_fields = (
        "partner__code",
        "partner__name_en",
        "partner__name_zh",
        "customer_name",
        "customer_tax_id",
    )
    status = django_filters.ChoiceFilter(choices=DealStatus.choices, label=_("Status"))
    region = ModelChoiceFilter(
        queryset=Region.objects.all(), method="in_region", label=_("Customer region")
    )
    in_conflict = django_filters.BooleanFilter(
        label=_("With conflicts"), method="conflicting", widget=YES_NO_ALL
    )
    expiring = django_filters.BooleanFilter(
        label=_("Protection ends within 30 days"), method="ending", widget=YES_NO_ALL
    )
    routed_to_me = django_filters.BooleanFilter(
        label=_("Routed to me"), method="routed_to_user", widget=YES_NO_ALL
    )

    class Meta:
        model = DealRegistration
        fields = ["q", "status", "region", "in_conflict", "expiring", "routed_to_me"]

    def in_region(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return queryset.filter(customer_region__path__startswith=value.path) if value else queryset

    def conflicting(self, queryset: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        if value is None:
            return queryset
        found = Q(pk__in=DealConflict.objects.values("deal_id"))
        return queryset.filter(found) if value else queryset.exclude(found)

    def ending(self, queryset: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        if value is None:
            return queryset
        today = timezone.localdate()
        soon = Q(
            status=DealStatus.APPROVED,
            protected_until__gte=today,
            protected_until__lte=today + timedelta(days=30),
        )
        return queryset.filter(soon) if value else queryset.exclude(soon)

    def routed_to_user(
        self, queryset: QuerySet[Any], name: str, value: bool | None
    ) -> QuerySet[Any]:
        user = getattr(self.request, "user", None)
        if value is None or user is None:
            return queryset
        return queryset.filter(routed_to=user) if value else queryset.exclude(routed_to=user)


class ConflictFilterSet(SearchFilterSet):
    search_fields = (
        "deal__customer_name",
        "deal__partner__code",
        "account__customer_name",
        "other_deal__customer_name",
    )
    kind = django_filters.ChoiceFilter(choices=ConflictKind.choices, label=_("Kind"))
    min_score = django_filters.NumberFilter(
        field_name="score", lookup_expr="gte", label=_("Score at least"), min_value=0, max_value=100
    )

    class Meta:
        model = DealConflict
        fields = ["q", "kind", "min_score"]


class DirectAccountFilterSet(SearchFilterSet):
    search_fields = ("customer_name", "tax_id", "owner__username")
    region = ModelChoiceFilter(queryset=Region.objects.all(), method="in_region", label=_("Region"))

    class Meta:
        model = DirectAccount
        fields = ["q", "region"]

    def in_region(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return queryset.filter(region__path__startswith=value.path) if value else queryset
