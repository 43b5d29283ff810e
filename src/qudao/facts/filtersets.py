from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from qudao.core.filtersets import SearchFilterSet
from qudao.facts.choices import FACT_CHOICES, BatchStatus
from qudao.facts.models import Batch, SavedMapping


class BatchFilterSet(SearchFilterSet):
    search_fields = ("source_name", "checksum")
    fact = django_filters.ChoiceFilter(choices=FACT_CHOICES, label=_("Fact"))
    status = django_filters.ChoiceFilter(choices=BatchStatus.choices, label=_("Status"))

    class Meta:
        model = Batch
        fields = ["q", "fact", "status"]


class SavedMappingFilterSet(SearchFilterSet):
    search_fields = ("name", "partner__code", "partner__name_en", "partner__name_zh")
    fact = django_filters.ChoiceFilter(choices=FACT_CHOICES, label=_("Fact"))

    class Meta:
        model = SavedMapping
        fields = ["q", "fact"]
