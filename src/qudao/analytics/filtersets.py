from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from qudao.analytics.models import GradeProposal, ProposalStatus, ReviewRun, RunStatus, Scorecard
from qudao.analytics.selectors import reviewed_periods
from qudao.analytics.tables import COLUMN_GROUPS
from qudao.core.filtersets import ModelChoiceFilter, SearchFilterSet
from qudao.core.permissions import is_partner_user
from qudao.core.templatetags.qudao import period_label
from qudao.partners.models import ChannelModel, Grade
from qudao.territories.models import Region

YES_NO_ANY = forms.Select(choices=[("", _("All")), ("true", _("yes")), ("false", _("no"))])


SCORECARD_COLUMNS_KEY = "scorecard_columns"


class ScorecardFilterSet(SearchFilterSet):
    """Period from the reviewed ones, channel model, region (with the regions below it),
    grade, at risk — and which column groups to show, remembered for the user."""

    search_fields = ("partner__code", "partner__name_en", "partner__name_zh")
    period = django_filters.ChoiceFilter(choices=[], label=_("Period"))
    channel_model = ModelChoiceFilter(
        queryset=ChannelModel.objects.all(), label=_("Channel model"), empty_label=_("All")
    )
    region = ModelChoiceFilter(
        queryset=Region.objects.all(), label=_("Region"), method="in_region", empty_label=_("All")
    )
    grade = ModelChoiceFilter(
        queryset=Grade.objects.order_by("rank"),
        field_name="partner__grade",
        label=_("Grade"),
        empty_label=_("All"),
    )
    at_risk = django_filters.BooleanFilter(label=_("At risk"), method="flagged", widget=YES_NO_ANY)
    columns = django_filters.MultipleChoiceFilter(
        choices=[(name, label) for name, (label, _kpis) in COLUMN_GROUPS.items()],
        label=_("Columns"),
        method="show_only",
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Scorecard
        fields = ["q", "period", "channel_model", "region", "grade", "at_risk", "columns"]

    def __init__(self, data: Any = None, *args: Any, request: Any = None, **kwargs: Any) -> None:
        # the reviewed periods change with every review: offered as of now
        self.base_filters["period"].extra["choices"] = [
            (key, period_label(key)) for key in reviewed_periods()
        ]
        user = getattr(request, "user", None)
        saved = getattr(user, "preferences", {}).get(SCORECARD_COLUMNS_KEY)
        if data is not None and "columns" not in data and saved:
            data = data.copy()
            data.setlist("columns", saved)
        super().__init__(data, *args, request=request, **kwargs)
        if user is not None and is_partner_user(user):
            # the brand's internal view of a partner: neither asked nor applied
            del self.filters["at_risk"]
            del self.form.fields["at_risk"]
        if data is None and saved:
            self.form.fields["columns"].initial = saved

    def in_region(self, queryset: QuerySet[Any], name: str, value: Region) -> QuerySet[Any]:
        return queryset.filter(region__path__startswith=value.path)

    def flagged(self, queryset: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        return queryset if value is None else queryset.filter(at_risk=value)

    def show_only(self, queryset: QuerySet[Any], name: str, value: list[str]) -> QuerySet[Any]:
        return queryset  # chooses columns, filters no rows (the view reads it)


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
