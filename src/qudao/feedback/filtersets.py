from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from qudao.core.filtersets import DATE_INPUT, SearchFilterSet
from qudao.feedback.models import Feedback, FeedbackKind, FeedbackSeverity, FeedbackStatus


class FeedbackFilterSet(SearchFilterSet):
    search_fields = (
        "title",
        "text",
        "partner__code",
        "product__code",
        "product__name_en",
        "product__name_zh",
        "category__code",
    )
    kind = django_filters.ChoiceFilter(choices=FeedbackKind.choices, label=_("Type"))
    severity = django_filters.ChoiceFilter(choices=FeedbackSeverity.choices, label=_("Severity"))
    status = django_filters.ChoiceFilter(choices=FeedbackStatus.choices, label=_("Status"))
    since = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("From"), widget=DATE_INPUT
    )

    class Meta:
        model = Feedback
        fields = ["q", "kind", "severity", "status", "since"]
