from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from qudao.core.tables import EditColumn, StatusColumn
from qudao.notifications.models import Notification, Webhook, WebhookDelivery, event_label


class NotificationTable(tables.Table):
    created_at = tables.DateTimeColumn(verbose_name=_("When"), format="SHORT_DATETIME_FORMAT")
    event = tables.Column()
    title = tables.Column(linkify=True)
    partner = tables.Column(accessor="partner__code", verbose_name=_("Partner"), default="")
    read_at = tables.Column(verbose_name=_("Read"))

    class Meta:
        model = Notification
        fields = ("created_at", "event", "title", "partner", "read_at")
        order_by = ("-created_at",)
        row_attrs = {"class": lambda record: "" if record.read_at else "unread"}

    def render_read_at(self, value: Any) -> Any:
        return format_html('<span class="badge done">{}</span>', _("Read")) if value else ""

    def value_read_at(self, value: Any) -> str:
        return value.isoformat() if value else ""


class WebhookTable(tables.Table):
    name = tables.Column(linkify=True)
    url = tables.Column()
    events = tables.Column(orderable=False)
    active = tables.BooleanColumn()
    edit = EditColumn("notifications:webhook_edit")

    class Meta:
        model = Webhook
        fields = ("name", "url", "events", "active")

    def render_events(self, value: list[str]) -> str:
        return "、".join(event_label(e) for e in value)


class DeliveryTable(tables.Table):
    created_at = tables.DateTimeColumn(verbose_name=_("When"), format="SHORT_DATETIME_FORMAT")
    webhook = tables.Column(linkify=True)
    event = tables.Column()
    status = StatusColumn()
    attempts = tables.Column()
    response_code = tables.Column()
    error = tables.Column()
    next_attempt_at = tables.DateTimeColumn(format="SHORT_DATETIME_FORMAT")

    class Meta:
        model = WebhookDelivery
        fields = (
            "created_at",
            "webhook",
            "event",
            "status",
            "attempts",
            "response_code",
            "error",
            "next_attempt_at",
        )
        order_by = ("-created_at",)

    def render_event(self, value: str) -> str:
        return event_label(value)
