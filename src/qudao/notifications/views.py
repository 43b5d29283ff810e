from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from qudao.core.permissions import is_partner_user
from qudao.core.selectors import history_for
from qudao.core.views import ObjectEditView, ObjectListView
from qudao.notifications import selectors
from qudao.notifications.filtersets import (
    DeliveryFilterSet,
    NotificationFilterSet,
    WebhookFilterSet,
)
from qudao.notifications.forms import WebhookForm
from qudao.notifications.models import (
    Event,
    Notification,
    Webhook,
    WebhookDelivery,
    event_label,
)
from qudao.notifications.services import (
    notification_preferences_save,
    notification_read,
    notifications_read_all,
    webhook_create,
    webhook_test_send,
    webhook_update,
)
from qudao.notifications.tables import DeliveryTable, NotificationTable, WebhookTable


class InboxView(ObjectListView):
    selector = selectors.inbox
    filterset_class = NotificationFilterSet
    table_class = NotificationTable
    model = Notification
    title = gettext_lazy("Inbox")
    empty_hint = gettext_lazy(
        "Nothing yet. Imports, violations, statements, deal decisions, expiring agreements "
        "and stock-outs that concern you are told here (and by mail, as you choose)."
    )

    def may_add(self, request: HttpRequest) -> bool:
        return False

    def extra_context(self, request: HttpRequest) -> dict[str, Any]:
        return {"list_intro": "notifications/_inbox_actions.html"}


@login_required
@require_safe
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open what a notification is about; it is read from then on."""
    notification = get_object_or_404(selectors.inbox(user=request.user), pk=pk)
    notification_read(notification=notification, actor=request.user)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:inbox")


@login_required
@require_POST
def notifications_all_read(request: HttpRequest) -> HttpResponse:
    count = notifications_read_all(actor=request.user)
    messages.success(request, _("%(n)d marked read.") % {"n": count})
    return redirect("notifications:inbox")


@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    """One's own wishes: each event in the inbox, by mail, both or neither."""
    if request.method == "POST":
        wishes = {
            event: (
                request.POST.get(f"{event}-in_app") == "on",
                request.POST.get(f"{event}-by_email") == "on",
            )
            for event in Event.values
        }
        notification_preferences_save(user=request.user, wishes=wishes, actor=request.user)
        messages.success(request, _("Saved."))
        return redirect("notifications:settings")
    return render(
        request,
        "notifications/settings.html",
        {
            "title": _("Notification settings"),
            "rows": selectors.preferences_of(user=request.user),
            "has_email": bool(request.user.email),  # type: ignore[union-attr]
        },
    )


class WebhookListView(ObjectListView):
    selector = selectors.webhook_list
    filterset_class = WebhookFilterSet
    table_class = WebhookTable
    model = Webhook
    title = gettext_lazy("Webhooks")
    add_url_name = "notifications:webhook_add"
    internal = True
    empty_hint = gettext_lazy(
        "No webhooks: another system (an ERP, a chat room) can be told of events as they happen."
    )

    def get(self, request: HttpRequest) -> HttpResponse:
        if not selectors.may_see_webhooks(request.user):
            raise Http404
        return super().get(request)


class WebhookEditView(ObjectEditView):
    model = Webhook
    form_class = WebhookForm
    create_service = webhook_create
    update_service = webhook_update
    instance_kw = "webhook"


def _webhook(request: HttpRequest, pk: int) -> Webhook:
    if is_partner_user(request.user):
        raise Http404
    return get_object_or_404(selectors.webhook_list(user=request.user), pk=pk)


@login_required
@require_safe
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = _webhook(request, pk)
    return render(
        request,
        "notifications/webhook_detail.html",
        {
            "webhook": webhook,
            "title": webhook.name,
            "deliveries": webhook.deliveries.all()[:50],
            "event_labels": [event_label(e) for e in webhook.events],
            "history": history_for(webhook),
        },
    )


@login_required
@require_POST
def webhook_ping(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = _webhook(request, pk)
    try:
        webhook_test_send(webhook=webhook, actor=request.user)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("A test delivery is on its way; its outcome shows below."))
    return redirect(webhook.get_absolute_url())


class DeliveryListView(ObjectListView):
    selector = selectors.delivery_list
    filterset_class = DeliveryFilterSet
    table_class = DeliveryTable
    model = WebhookDelivery
    title = gettext_lazy("Webhook deliveries")
    internal = True

    def get(self, request: HttpRequest) -> HttpResponse:
        if not selectors.may_see_webhooks(request.user):
            raise Http404
        return super().get(request)

    def may_add(self, request: HttpRequest) -> bool:
        return False
