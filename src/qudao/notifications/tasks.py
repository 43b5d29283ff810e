"""Background work for notifications: webhook deliveries leave from the worker, so that a
slow receiver never holds up a page, and are retried there."""

from __future__ import annotations

from django_tasks import task

from qudao.notifications.models import WebhookDelivery
from qudao.notifications.services import webhook_attempt


@task()
def deliver_webhook(delivery_id: int) -> str:
    delivery = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None:  # the webhook was deleted meanwhile
        return "gone"
    return webhook_attempt(delivery=delivery).status
