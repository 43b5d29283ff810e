from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from qudao.collaboration.models import (
    Activity,
    Competitor,
    CompetitorNote,
    Course,
    Enrolment,
    FollowUp,
    TrainingRequirement,
)
from qudao.core.tables import NUMERIC, EditColumn, MoneyColumn, NameColumn, StatusColumn


class ActivityTable(tables.Table):
    starts_at = tables.DateTimeColumn(verbose_name=_("When"), format="SHORT_DATETIME_FORMAT")
    partner = tables.Column(
        accessor="partner__code",
        linkify=("partners:partner_detail", [tables.A("partner_id")]),
        verbose_name=_("Partner"),
    )
    kind = tables.Column()
    subject = tables.Column(linkify=True)
    owner = tables.Column()
    open_follow_ups = tables.Column(
        verbose_name=_("Open follow-ups"), attrs=NUMERIC, orderable=False, default=0
    )
    shared_with_partner = tables.BooleanColumn(verbose_name=_("Shared"))
    edit = EditColumn("collaboration:activity_edit")

    class Meta:
        model = Activity
        fields = (
            "starts_at",
            "partner",
            "kind",
            "subject",
            "owner",
            "open_follow_ups",
            "shared_with_partner",
        )
        order_by = ("-starts_at",)


class FollowUpTable(tables.Table):
    due_on = tables.DateColumn(verbose_name=_("Due on"))
    task = tables.Column(linkify=lambda record: record.activity.get_absolute_url())
    partner = tables.Column(
        accessor="activity__partner__code",
        linkify=("partners:partner_detail", [tables.A("activity__partner_id")]),
        verbose_name=_("Partner"),
    )
    owner = tables.Column()
    state = tables.Column(verbose_name=_("State"), accessor="pk", orderable=False)

    class Meta:
        model = FollowUp
        fields = ("due_on", "task", "partner", "owner", "state")
        order_by = ("due_on",)

    def _state(self, record: FollowUp) -> tuple[str, Any]:
        if record.done_at is not None:
            return "done", _("Done")
        if record.due_on < timezone.localdate():
            return "overdue", _("Overdue")
        return "open", _("Open")

    def render_state(self, record: FollowUp) -> str:
        code, label = self._state(record)
        return format_html('<span class="badge {}">{}</span>', code, label)

    def value_state(self, record: FollowUp) -> str:
        return str(self._state(record)[1])


class CourseTable(tables.Table):
    code = tables.Column(linkify=True)
    name = NameColumn(verbose_name=_("Name"))
    mandatory = tables.BooleanColumn()
    certifies = tables.BooleanColumn()
    valid_months = tables.Column(attrs=NUMERIC)
    edit = EditColumn("collaboration:course_edit")

    class Meta:
        model = Course
        fields = ("code", "name", "mandatory", "certifies", "valid_months")
        order_by = ("code",)


class EnrolmentTable(tables.Table):
    contact = tables.Column(accessor="contact__name", verbose_name=_("Person"))
    partner = tables.Column(
        accessor="contact__partner__code",
        linkify=("partners:partner_detail", [tables.A("contact__partner_id")]),
        verbose_name=_("Partner"),
    )
    course = tables.Column(
        accessor="session__course__code",
        linkify=lambda record: record.session.get_absolute_url(),
        verbose_name=_("Course"),
    )
    starts_at = tables.DateColumn(accessor="session__starts_at", verbose_name=_("Session"))
    status = StatusColumn()
    completed_on = tables.DateColumn()
    certified_until = tables.DateColumn()

    class Meta:
        model = Enrolment
        fields = (
            "contact",
            "partner",
            "course",
            "starts_at",
            "status",
            "completed_on",
            "certified_until",
        )
        order_by = ("-starts_at",)


class RequirementTable(tables.Table):
    grade = tables.Column(accessor="grade__name", order_by="grade__rank")
    course = tables.Column(
        accessor="course__code", linkify=lambda record: record.course.get_absolute_url()
    )
    people = tables.Column(attrs=NUMERIC)
    edit = EditColumn("collaboration:requirement_edit")

    class Meta:
        model = TrainingRequirement
        fields = ("grade", "course", "people")


class CompetitorTable(tables.Table):
    code = tables.Column(linkify=True)
    name = NameColumn(verbose_name=_("Name"), linkify=True)
    website = tables.Column()
    notes_count = tables.Column(verbose_name=_("Notes"), attrs=NUMERIC, orderable=False)
    edit = EditColumn("collaboration:competitor_edit")

    class Meta:
        model = Competitor
        fields = ("code", "name", "website", "notes_count")
        order_by = ("code",)


class CompetitorNoteTable(tables.Table):
    observed_on = tables.DateColumn()
    competitor = tables.Column(accessor="competitor__code")
    kind = tables.Column()
    region = tables.Column(accessor="region__name", order_by="region__path")
    partner = tables.Column(accessor="partner__code")
    product = tables.Column()
    price = MoneyColumn()
    text = tables.Column(orderable=False)
    source = tables.Column(orderable=False)
    author = tables.Column()
    edit = EditColumn("collaboration:competitor_note_edit")

    class Meta:
        model = CompetitorNote
        fields = (
            "observed_on",
            "competitor",
            "kind",
            "region",
            "partner",
            "product",
            "price",
            "text",
            "source",
            "author",
        )
        order_by = ("-observed_on",)
