from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from qudao.core.filtersets import ModelChoiceFilter, SearchFilterSet
from qudao.partners.models import ChannelModel
from qudao.recruitment.choices import Stage
from qudao.recruitment.models import Applicant, Pilot, PilotStatus
from qudao.territories.models import Region


class ApplicantFilterSet(SearchFilterSet):
    search_fields = ("company", "contact_name", "contact_email", "current_brands")
    stage = django_filters.ChoiceFilter(choices=Stage.choices, label=_("Stage"))
    channel_model = ModelChoiceFilter(
        queryset=ChannelModel.objects.all(), label=_("Channel model"), empty_label=_("All")
    )
    region = ModelChoiceFilter(
        queryset=Region.objects.all(), label=_("Region"), method="in_region", empty_label=_("All")
    )
    passed = django_filters.BooleanFilter(label=_("Passes the thresholds"), field_name="passed")

    class Meta:
        model = Applicant
        fields = ["q", "stage", "channel_model", "region", "passed"]

    def in_region(self, queryset: QuerySet[Any], name: str, value: Region) -> QuerySet[Any]:
        return queryset.filter(home_region__path__startswith=value.path)


class PilotFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "hypothesis")
    status = django_filters.ChoiceFilter(choices=PilotStatus.choices, label=_("Status"))

    class Meta:
        model = Pilot
        fields = ["q", "status"]
