from __future__ import annotations

import django_filters
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from qudao.core.filtersets import ModelChoiceFilter, SearchFilterSet
from qudao.core.periods import Period
from qudao.governance.models import (
    Complaint,
    ComplaintSource,
    ComplaintStatus,
    ComplianceItem,
    ComplianceKind,
    FlagStatus,
    ImprovementPlan,
    PlanStatus,
    RiskFlag,
    RiskLevel,
    RiskProfile,
    Severity,
    Violation,
    ViolationStatus,
    ViolationType,
)
from qudao.governance.rules import RULES
from qudao.territories.models import Region


class RiskFlagFilterSet(SearchFilterSet):
    search_fields = ("partner__code", "partner__name_en", "partner__name_zh")
    period = django_filters.CharFilter(label=_("Period"))
    # lazy names: each rule's name in the request's language, not the import's
    rule = django_filters.ChoiceFilter(
        choices=[(r.id, lazy(lambda r=r: r.name, str)()) for r in RULES], label=_("Rule")
    )
    status = django_filters.ChoiceFilter(choices=FlagStatus.choices, label=_("Status"))

    class Meta:
        model = RiskFlag
        fields = ["q", "period", "rule", "status"]


class ImprovementPlanFilterSet(SearchFilterSet):
    search_fields = ("partner__code", "partner__name_en", "partner__name_zh", "actions")
    status = django_filters.ChoiceFilter(choices=PlanStatus.choices, label=_("Status"))

    class Meta:
        model = ImprovementPlan
        fields = ["q", "status"]


class ViolationFilterSet(SearchFilterSet):
    search_fields = ("partner__code", "partner__name_en", "partner__name_zh")
    type = django_filters.ChoiceFilter(choices=ViolationType.choices, label=_("Type"))
    region = ModelChoiceFilter(queryset=Region.objects.all(), method="in_region", label=_("Region"))
    status = django_filters.ChoiceFilter(choices=ViolationStatus.choices, label=_("Status"))
    period = django_filters.CharFilter(method="in_period", label=_("Period"))

    class Meta:
        model = Violation
        fields = ["q", "type", "region", "status", "period"]

    def in_region(self, queryset, name, value):  # type: ignore[no-untyped-def]
        # the offender's home region, or below it
        return (
            queryset.filter(partner__home_region__path__startswith=value.path)
            if value
            else queryset
        )

    def in_period(self, queryset, name, value):  # type: ignore[no-untyped-def]
        """A year, quarter or month: the violations of its quarters."""
        if not value:
            return queryset
        try:
            quarters = [q.key for q in Period.parse(value.strip()).quarters]
        except ValueError:
            return queryset.none()
        return queryset.filter(period__in=quarters)


class RiskProfileFilterSet(SearchFilterSet):
    search_fields = ("partner__code", "partner__name_en", "partner__name_zh")
    level = django_filters.ChoiceFilter(choices=RiskLevel.choices, label=_("Risk level"))
    region = ModelChoiceFilter(queryset=Region.objects.all(), method="in_region", label=_("Region"))

    class Meta:
        model = RiskProfile
        fields = ["q", "level", "region"]

    def in_region(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return (
            queryset.filter(partner__home_region__path__startswith=value.path)
            if value
            else queryset
        )


class ComplaintFilterSet(SearchFilterSet):
    search_fields = ("partner__code", "partner__name_en", "partner__name_zh", "text")
    status = django_filters.ChoiceFilter(choices=ComplaintStatus.choices, label=_("Status"))
    severity = django_filters.ChoiceFilter(choices=Severity.choices, label=_("Severity"))
    source = django_filters.ChoiceFilter(choices=ComplaintSource.choices, label=_("Source"))

    class Meta:
        model = Complaint
        fields = ["q", "status", "severity", "source"]


class ComplianceItemFilterSet(SearchFilterSet):
    search_fields = ("partner__code", "partner__name_en", "partner__name_zh", "name", "reference")
    kind = django_filters.ChoiceFilter(choices=ComplianceKind.choices, label=_("Kind"))
    expires_by = django_filters.DateFilter(
        field_name="expires_on", lookup_expr="lte", label=_("Expires by")
    )

    class Meta:
        model = ComplianceItem
        fields = ["q", "kind", "expires_by"]
