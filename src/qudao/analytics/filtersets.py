from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from qudao.analytics.models import GradeProposal, ProposalStatus, ReviewRun, RunStatus, Scorecard
from qudao.core.filtersets import ModelChoiceFilter, SearchFilterSet
from qudao.partners.models import ChannelModel


class ScorecardFilterSet(SearchFilterSet):
    search_fields = ("partner__code", "partner__name_en", "partner__name_zh")
    period = django_filters.CharFilter(label=_("Period"))
    channel_model = ModelChoiceFilter(
        queryset=ChannelModel.objects.all(), label=_("Channel model"), empty_label=_("All")
    )

    class Meta:
        model = Scorecard
        fields = ["q", "period", "channel_model"]


class ReviewRunFilterSet(SearchFilterSet):
    search_fields = ("period",)
    status = django_filters.ChoiceFilter(choices=RunStatus.choices, label=_("Status"))

    class Meta:
        model = ReviewRun
        fields = ["q", "status"]


class GradeProposalFilterSet(SearchFilterSet):
    search_fields = ("partner__code", "partner__name_en", "partner__name_zh")
    period = django_filters.CharFilter(label=_("Period"))
    status = django_filters.ChoiceFilter(choices=ProposalStatus.choices, label=_("Status"))

    class Meta:
        model = GradeProposal
        fields = ["q", "period", "status"]
