"""Reads for notifications — one's own inbox and preferences; the director's webhooks."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from qudao.core.permissions import may_view, restrict
from qudao.notifications.models import (
    MAILED_BY_DEFAULT,
    Event,
    Notification,
    NotificationPreference,
    Webhook,
    WebhookDelivery,
)


def inbox(*, user: Any) -> QuerySet[Notification]:
    return restrict(Notification.objects.all(), user).select_related("partner")


def unread_count(*, user: Any) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return inbox(user=user).filter(read_at__isnull=True).count()


def preferences_of(*, user: Any) -> list[tuple[str, Any, bool, bool]]:
    """Every event with the user's wish: (event, label, in the inbox, by mail)."""
    stored = {
        p.event: (p.in_app, p.by_email)
        for p in restrict(NotificationPreference.objects.all(), user)
    }
    return [
        (event.value, event.label, *stored.get(event.value, (True, event in MAILED_BY_DEFAULT)))
        for event in Event
    ]


def webhook_list(*, user: Any) -> QuerySet[Webhook]:
    return restrict(Webhook.objects.all(), user)


def delivery_list(*, user: Any) -> QuerySet[WebhookDelivery]:
    return restrict(WebhookDelivery.objects.all(), user).select_related("webhook")


def may_see_webhooks(user: Any) -> bool:
    """Webhooks hold secrets: the director's alone (an empty list would hide that)."""
    return may_view(user, Webhook)
