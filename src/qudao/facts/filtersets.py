from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _

from qudao.core.filtersets import SearchFilterSet
from qudao.facts.choices import (
    FACT_CHOICES,
    BatchStatus,
    MasterImportStatus,
    mapping_target_choices,
    master_target_choices,
)
from qudao.facts.models import Batch, MasterImport, SavedMapping


class BatchFilterSet(SearchFilterSet):
    search_fields = ("source_name", "checksum")
    fact = django_filters.ChoiceFilter(choices=FACT_CHOICES, label=_("Fact"))
    status = django_filters.ChoiceFilter(choices=BatchStatus.choices, label=_("Status"))

    class Meta:
        model = Batch
        fields = ["q", "fact", "status"]


class SavedMappingFilterSet(SearchFilterSet):
    search_fields = ("name", "partner__code", "partner__name_en", "partner__name_zh")
    fact = django_filters.ChoiceFilter(choices=[], label=_("For"))

    class Meta:
        model = SavedMapping
        fields = ["q", "fact"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # the master-data targets are registered when the apps are ready, not at import
        self.base_filters["fact"].extra["choices"] = mapping_target_choices()
        super().__init__(*args, **kwargs)


class MasterImportFilterSet(SearchFilterSet):
    search_fields = ("source_name",)
    target = django_filters.ChoiceFilter(choices=[], label=_("Target"))
    status = django_filters.ChoiceFilter(choices=MasterImportStatus.choices, label=_("Status"))

    class Meta:
        model = MasterImport
        fields = ["q", "target", "status"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.base_filters["target"].extra["choices"] = master_target_choices()
        super().__init__(*args, **kwargs)
