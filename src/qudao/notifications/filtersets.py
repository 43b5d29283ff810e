from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from qudao.core.filtersets import YES_NO_ALL, SearchFilterSet
from qudao.notifications.models import (
    DeliveryStatus,
    Event,
    Notification,
    Webhook,
    WebhookDelivery,
)


class NotificationFilterSet(SearchFilterSet):
    search_fields = ("title", "body", "partner__code")
    event = django_filters.ChoiceFilter(choices=Event.choices, label=_("Event"))
    unread = django_filters.BooleanFilter(label=_("Unread"), method="not_read", widget=YES_NO_ALL)

    class Meta:
        model = Notification
        fields = ["q", "event", "unread"]

    def not_read(self, queryset: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        if value is None:
            return queryset
        return queryset.filter(read_at__isnull=value)


class WebhookFilterSet(SearchFilterSet):
    search_fields = ("name", "url")

    class Meta:
        model = Webhook
        fields = ["q"]


class DeliveryFilterSet(SearchFilterSet):
    search_fields = ("webhook__name", "event", "error")
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices, label=_("Status"))

    class Meta:
        model = WebhookDelivery
        fields = ["q", "status"]
