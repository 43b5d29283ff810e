"""What people are told, and other systems: an inbox per user (and mail, as each chooses
per event), and webhooks — HMAC-signed deliveries of the same events to another system,
retried with back-off, every attempt logged."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from qudao.core.choices import Role
from qudao.core.models import TimeStampedModel
from qudao.core.permissions import AccessPolicy
from qudao.core.querysets import RestrictedQuerySet


class Event(models.TextChoices):
    IMPORT_FINISHED = "import_finished", _("An import finished")
    IMPORT_FAILED = "import_failed", _("An import failed")
    VIOLATION_OPENED = "violation_opened", _("A violation was opened against a partner")
    STATEMENT_READY = "statement_ready", _("A rebate statement is ready")
    DEAL_APPROVED = "deal_approved", _("A deal registration was approved (or rejected, routed)")
    DEAL_CONFLICT = "deal_conflict", _("A deal registration is in conflict")
    DEAL_EXPIRING = "deal_expiring", _("A deal's protection ends soon")
    AGREEMENT_EXPIRING = "agreement_expiring", _("An agreement or licence ends or has ended")
    CERTIFICATE_EXPIRING = "certificate_expiring", _("A certificate runs out soon")
    STOCK_OUT = "stock_out", _("A stock-out alert")
    FEEDBACK_ROUTED = "feedback_routed", _("Product feedback routed to me")
    FEEDBACK_ANSWERED = "feedback_answered", _("My product feedback answered")


# Mailed unless the person says otherwise: what asks them to act.
MAILED_BY_DEFAULT = frozenset(
    {
        Event.IMPORT_FAILED,
        Event.VIOLATION_OPENED,
        Event.STATEMENT_READY,
        Event.DEAL_APPROVED,
        Event.DEAL_CONFLICT,
        Event.DEAL_EXPIRING,
        Event.AGREEMENT_EXPIRING,
        Event.CERTIFICATE_EXPIRING,
        Event.STOCK_OUT,
        Event.FEEDBACK_ROUTED,
        Event.FEEDBACK_ANSWERED,
    }
)
PING = "ping"  # a webhook's test delivery; no one's inbox


class Notification(models.Model):
    """One thing one person was told, in their language when it happened."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    event = models.CharField(_("event"), max_length=30, choices=Event.choices)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("mailed at"), null=True, blank=True)
    email_error = models.CharField(_("mail error"), max_length=500, blank=True)
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(personal_field="recipient")

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("notifications:open", args=[self.pk])


class NotificationPreference(models.Model):
    """How one person wants to hear of one event (no row: in the inbox, and by mail for
    the events in ``MAILED_BY_DEFAULT``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    event = models.CharField(_("event"), max_length=30, choices=Event.choices)
    in_app = models.BooleanField(_("in the inbox"), default=True)
    by_email = models.BooleanField(_("by e-mail"), default=True)
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(personal_field="user")

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="one_preference_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_event_display()}"


def new_secret() -> str:
    return secrets.token_hex(32)


class Webhook(TimeStampedModel):
    """Another system told of events: each one POSTed as JSON, signed with the secret."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("address"), max_length=500)
    secret = models.CharField(
        _("secret"),
        max_length=64,
        default=new_secret,
        help_text=_("Signs every delivery (HMAC-SHA256); the receiver checks it."),
    )
    events = models.JSONField(_("events"), default=list)
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(excluded_fields=["secret"])
    objects = RestrictedQuerySet.as_manager()
    # An integration of the brand's: the director sets it up; no one else sees it.
    access_policy = AccessPolicy(
        editor_roles=frozenset({Role.CHANNEL_DIRECTOR}),
        viewer_roles=frozenset({Role.CHANNEL_DIRECTOR}),
        internal=True,
    )

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("notifications:webhook_detail", args=[self.pk])


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    DELIVERED = "delivered", _("Delivered")
    RETRYING = "retrying", _("Failed, will retry")
    GAVE_UP = "gave_up", _("Failed, given up")


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one webhook: every attempt's outcome."""

    webhook = models.ForeignKey(
        Webhook, verbose_name=_("webhook"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(_("event"), max_length=30)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(_("answer"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(
        editor_roles=frozenset({Role.CHANNEL_DIRECTOR}),
        viewer_roles=frozenset({Role.CHANNEL_DIRECTOR}),
        internal=True,
    )

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.webhook} · {self.event} · {self.get_status_display()}"

    @property
    def event_label(self) -> str:
        return event_label(self.event)


def event_label(value: str) -> str:
    """An event's name in the reader's language (the test delivery's too)."""
    if value == PING:
        return str(_("Test delivery"))
    return str(Event(value).label) if value in Event.values else value
