from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from qudao.core.filtersets import (
    DATE_INPUT,
    YES_NO_ALL,
    LevelFilter,
    ModelChoiceFilter,
    SearchFilterSet,
)
from qudao.partners.choices import AgreementKind, PartnerStatus
from qudao.partners.models import Agreement, ChannelModel, Grade, Partner, Target
from qudao.territories.models import Region


class PartnerFilterSet(SearchFilterSet):
    status = django_filters.ChoiceFilter(choices=PartnerStatus.choices, label=_("Status"))
    channel_model = ModelChoiceFilter(queryset=ChannelModel.objects.all(), label=_("Channel model"))
    grade = ModelChoiceFilter(queryset=Grade.objects.all(), label=_("Grade"))
    region = ModelChoiceFilter(queryset=Region.objects.all(), method="in_region", label=_("Region"))
    level = LevelFilter(field_name="depth", label=_("Level"))

    class Meta:
        model = Partner
        fields = ["q", "status", "channel_model", "grade", "region", "level"]

    def in_region(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(home_region__path__startswith=value.path) if value else queryset


class TargetFilterSet(SearchFilterSet):
    search_fields = ("partner__code", "partner__name_en", "partner__name_zh")
    period = django_filters.CharFilter(label=_("Period"))

    class Meta:
        model = Target
        fields = ["q", "period"]


class AgreementFilterSet(SearchFilterSet):
    search_fields = ("partner__code", "partner__name_en", "partner__name_zh", "number")
    kind = django_filters.ChoiceFilter(choices=AgreementKind.choices, label=_("Kind"))
    ends_by = django_filters.DateFilter(
        field_name="ends_on", lookup_expr="lte", label=_("Ends by"), widget=DATE_INPUT
    )
    newest = django_filters.BooleanFilter(
        label=_("Newest versions only"), method="newest_only", widget=YES_NO_ALL
    )

    class Meta:
        model = Agreement
        fields = ["q", "kind", "ends_by", "newest"]

    def newest_only(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(renewal__isnull=True) if value else queryset
