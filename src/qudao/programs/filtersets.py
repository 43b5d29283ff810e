from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from qudao.core.filtersets import SearchFilterSet
from qudao.programs.models import Program, Settlement, SettlementStatus, Statement


class ProgramFilterSet(SearchFilterSet):
    search_fields = ("code", "name_en", "name_zh")

    class Meta:
        model = Program
        fields = ["q"]


class SettlementFilterSet(SearchFilterSet):
    search_fields = ("period",)
    status = django_filters.ChoiceFilter(choices=SettlementStatus.choices, label=_("Status"))

    class Meta:
        model = Settlement
        fields = ["q", "status"]


class StatementFilterSet(SearchFilterSet):
    search_fields = ("partner__code", "partner__name_en", "partner__name_zh", "document_no")
    period = django_filters.CharFilter(field_name="settlement__period", label=_("Period"))
    status = django_filters.ChoiceFilter(choices=SettlementStatus.choices, label=_("Status"))

    class Meta:
        model = Statement
        fields = ["q", "period", "status"]
