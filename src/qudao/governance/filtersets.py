from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _

from qudao.core.filtersets import SearchFilterSet
from qudao.governance.models import FlagStatus, ImprovementPlan, PlanStatus, RiskFlag
from qudao.governance.rules import RULES


class RiskFlagFilterSet(SearchFilterSet):
    search_fields = ("partner__code", "partner__name_en", "partner__name_zh")
    period = django_filters.CharFilter(label=_("Period"))
    rule = django_filters.ChoiceFilter(choices=[(r.id, r.id) for r in RULES], label=_("Rule"))
    status = django_filters.ChoiceFilter(choices=FlagStatus.choices, label=_("Status"))

    class Meta:
        model = RiskFlag
        fields = ["q", "period", "rule", "status"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Rule names in the request's language.
        self.filters["rule"].extra["choices"] = [(r.id, r.name) for r in RULES]


class ImprovementPlanFilterSet(SearchFilterSet):
    search_fields = ("partner__code", "partner__name_en", "partner__name_zh", "actions")
    status = django_filters.ChoiceFilter(choices=PlanStatus.choices, label=_("Status"))

    class Meta:
        model = ImprovementPlan
        fields = ["q", "status"]
