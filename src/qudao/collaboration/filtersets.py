from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from qudao.collaboration.models import (
    Activity,
    ActivityKind,
    Competitor,
    CompetitorNote,
    Course,
    Enrolment,
    EnrolmentStatus,
    FollowUp,
    NoteKind,
    TrainingRequirement,
)
from qudao.core.filtersets import DATE_INPUT, YES_NO_ALL, ModelChoiceFilter, SearchFilterSet
from qudao.territories.models import Region


class ActivityFilterSet(SearchFilterSet):
    search_fields = ("partner__code", "partner__name_en", "partner__name_zh", "subject")
    kind = django_filters.ChoiceFilter(choices=ActivityKind.choices, label=_("Kind"))
    since = django_filters.DateFilter(
        field_name="starts_at", lookup_expr="date__gte", label=_("From"), widget=DATE_INPUT
    )
    until = django_filters.DateFilter(
        field_name="starts_at", lookup_expr="date__lte", label=_("To"), widget=DATE_INPUT
    )
    mine = django_filters.BooleanFilter(label=_("Mine"), method="own", widget=YES_NO_ALL)

    class Meta:
        model = Activity
        fields = ["q", "kind", "since", "until", "mine"]

    def own(self, queryset: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        user = getattr(self.request, "user", None)
        if value is None or user is None:
            return queryset
        mine = Q(owner=user) | Q(staff=user)
        return queryset.filter(mine).distinct() if value else queryset.exclude(mine)


class FollowUpFilterSet(SearchFilterSet):
    search_fields = ("activity__partner__code", "activity__partner__name_en", "task")
    open = django_filters.BooleanFilter(
        field_name="done_at", lookup_expr="isnull", label=_("Open"), widget=YES_NO_ALL
    )
    mine = django_filters.BooleanFilter(label=_("Mine"), method="own", widget=YES_NO_ALL)

    class Meta:
        model = FollowUp
        fields = ["q", "open", "mine"]

    def own(self, queryset: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        user = getattr(self.request, "user", None)
        if value is None or user is None:
            return queryset
        return queryset.filter(owner=user) if value else queryset.exclude(owner=user)


class CourseFilterSet(SearchFilterSet):
    mandatory = django_filters.BooleanFilter(label=_("Mandatory"), widget=YES_NO_ALL)

    class Meta:
        model = Course
        fields = ["q", "mandatory"]


class EnrolmentFilterSet(SearchFilterSet):
    search_fields = (
        "contact__name",
        "contact__partner__code",
        "contact__partner__name_en",
        "session__course__code",
    )
    status = django_filters.ChoiceFilter(choices=EnrolmentStatus.choices, label=_("Status"))
    course = ModelChoiceFilter(
        queryset=Course.objects.all(), field_name="session__course", label=_("Course")
    )
    certified_until = django_filters.DateFilter(
        field_name="certified_until",
        lookup_expr="lte",
        label=_("Certified until, by"),
        widget=DATE_INPUT,
    )

    class Meta:
        model = Enrolment
        fields = ["q", "status", "course", "certified_until"]


class RequirementFilterSet(SearchFilterSet):
    search_fields = ("course__code", "course__name_en", "grade__code")

    class Meta:
        model = TrainingRequirement
        fields = ["q"]


class CompetitorFilterSet(SearchFilterSet):
    class Meta:
        model = Competitor
        fields = ["q"]


class CompetitorNoteFilterSet(SearchFilterSet):
    search_fields = ("competitor__code", "competitor__name_en", "product", "text", "source")
    competitor = ModelChoiceFilter(queryset=Competitor.objects.all(), label=_("Competitor"))
    kind = django_filters.ChoiceFilter(choices=NoteKind.choices, label=_("Kind"))
    region = ModelChoiceFilter(queryset=Region.objects.all(), label=_("Region"), method="in_region")
    since = django_filters.DateFilter(
        field_name="observed_on", lookup_expr="gte", label=_("From"), widget=DATE_INPUT
    )

    class Meta:
        model = CompetitorNote
        fields = ["q", "competitor", "kind", "region", "since"]

    def in_region(self, queryset: QuerySet[Any], name: str, value: Region) -> QuerySet[Any]:
        return queryset.filter(region__path__startswith=value.path)
