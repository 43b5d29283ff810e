from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from qudao.core.filtersets import SearchFilterSet
from qudao.marketing.models import Campaign, CampaignStatus


class CampaignFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "participants__partner__code")
    status = django_filters.ChoiceFilter(choices=CampaignStatus.choices, label=_("Status"))

    class Meta:
        model = Campaign
        fields = ["q", "status"]
