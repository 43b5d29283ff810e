from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from qudao.collaboration.models import Activity, FollowUp
from qudao.core.tables import NUMERIC, EditColumn


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
