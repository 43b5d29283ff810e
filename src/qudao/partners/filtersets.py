from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from qudao.core.filtersets import LevelFilter, ModelChoiceFilter, SearchFilterSet
from qudao.partners.choices import PartnerStatus
from qudao.partners.models import ChannelModel, Grade, Partner, Target
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
