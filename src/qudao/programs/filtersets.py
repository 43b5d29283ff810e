from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from qudao.core.filtersets import SearchFilterSet
from qudao.programs.models import (
    ExpenseCategory,
    ExpenseClaim,
    ExpenseStatus,
    Fund,
    MdfRequest,
    MdfStatus,
    Program,
    Settlement,
    SettlementStatus,
    Statement,
)


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


class FundFilterSet(SearchFilterSet):
    search_fields = ("code", "name_en", "name_zh", "period")

    class Meta:
        model = Fund
        fields = ["q"]


class MdfRequestFilterSet(SearchFilterSet):
    search_fields = ("partner__code", "partner__name_en", "partner__name_zh", "activity")
    status = django_filters.ChoiceFilter(choices=MdfStatus.choices, label=_("Status"))

    class Meta:
        model = MdfRequest
        fields = ["q", "status"]


class ExpenseClaimFilterSet(SearchFilterSet):
    search_fields = ("description", "claimant__username", "partner__code")
    status = django_filters.ChoiceFilter(choices=ExpenseStatus.choices, label=_("Status"))
    category = django_filters.ChoiceFilter(choices=ExpenseCategory.choices, label=_("Category"))

    class Meta:
        model = ExpenseClaim
        fields = ["q", "status", "category"]
