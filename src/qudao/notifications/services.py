"""Telling people and systems what happened.

``notify`` is the one door: the other apps' services call it with an event, the people
concerned, the message (rendered in each recipient's language) and the event's data. Each
recipient gets it in their inbox and by mail as their preferences say; every active
webhook subscribed to the event gets a signed delivery. Mail leaves once the transaction
that raised the event commits, and webhook calls from the background worker (retried
there) — a refused or rolled-back write tells no one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from qudao.core.choices import Role
from qudao.core.mail import sends_mail
from qudao.core.models import User
from qudao.core.permissions import ensure_may_change, ensure_may_change_row
from qudao.core.services import model_create, model_update
from qudao.notifications.models import (
    MAILED_BY_DEFAULT,
    PING,
    DeliveryStatus,
    Event,
    Notification,
    NotificationPreference,
    Webhook,
    WebhookDelivery,
)

SIGNATURE_HEADER = "X-Qudao-Signature"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    """Text with its values, rendered in the language of whoever reads it."""

    text: Any  # a lazy translation with %(name)s placeholders
    values: dict[str, Any] = field(default_factory=dict)

    def render(self, language: str) -> str:
        with translation.override(language or settings.LANGUAGE_CODE):
            return str(self.text) % {k: str(v) for k, v in self.values.items()}


def _preferences(users: list[User], event: str) -> dict[int, tuple[bool, bool]]:
    """(in the inbox, by mail) per user for ``event``."""
    stored = {
        p.user_id: (p.in_app, p.by_email)
        for p in NotificationPreference.objects.filter(user__in=users, event=event)
    }
    default = (True, event in MAILED_BY_DEFAULT)
    return {u.pk: stored.get(u.pk, default) for u in users}


def notify(
    *,
    event: Event,
    recipients: Iterable[Any],
    title: Message,
    body: Message | None = None,
    url: str = "",
    partner: Any | None = None,
    data: dict[str, Any] | None = None,
) -> list[Notification]:
    """Tell ``recipients`` (users; inactive ones and repeats are skipped) of ``event`` and
    deliver it to the webhooks that subscribe to it. Returns the inbox entries made."""
    people = list({u.pk: u for u in recipients if u is not None and u.is_active}.values())
    wishes = _preferences(people, event)
    made: list[Notification] = []
    for person in people:
        in_app, by_email = wishes[person.pk]
        language = person.language or settings.LANGUAGE_CODE
        subject = title.render(language)
        text = body.render(language) if body else ""
        if in_app:
            made.append(
                Notification.objects.create(
                    recipient=person,
                    event=event,
                    title=subject[:300],
                    body=text,
                    url=url,
                    partner=partner,
                )
            )
        if by_email and person.email and sends_mail():
            notification_id = made[-1].pk if in_app else None
            _after_commit_mail(person.email, subject, text, url, notification_id, language)
    _deliveries_queue(
        event,
        {
            **(data or {}),
            "url": url,
            "partner": partner.code if partner is not None else None,
        },
    )
    return made


def _after_commit_mail(
    to: str, subject: str, text: str, url: str, notification_id: int | None, language: str
) -> None:
    """Mail once the event's transaction commits (a rolled-back write tells no one)."""
    transaction.on_commit(
        partial(
            notification_mail_send,
            to=to,
            subject=subject,
            text=text,
            url=url,
            notification_id=notification_id,
            language=language,
        )
    )


def notification_mail_send(
    *, to: str, subject: str, text: str, url: str, notification_id: int | None, language: str
) -> bool:
    """Send one notification by mail, in the recipient's language; recorded on its inbox
    entry (when, or the server's refusal — the write that raised it stands)."""
    link = f"{site_url()}{url}" if url else ""
    with translation.override(language or settings.LANGUAGE_CODE):
        footer = _("Change what you are told on your notification settings: %(url)s") % {
            "url": f"{site_url()}/notifications/settings/"
        }
    message = "\n\n".join(part for part in (text, link, "—\n" + footer) if part)
    try:
        sent = send_mail(subject, message, None, [to]) == 1
    except (OSError, smtplib.SMTPException) as exc:
        logger.warning("notification mail to %s failed: %s", to, exc)
        if notification_id is not None:
            Notification.objects.filter(pk=notification_id).update(email_error=str(exc)[:500])
        return False
    if sent and notification_id is not None:
        Notification.objects.filter(pk=notification_id).update(
            emailed_at=timezone.now(), email_error=""
        )
    return sent


def site_url() -> str:
    return str(settings.QUDAO.get("SITE_URL", "")).rstrip("/")


# --- the inbox ----------------------------------------------------------------------------------


def notification_read(*, notification: Notification, actor: Any) -> Notification:
    ensure_may_change_row(notification, actor)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_read_all(*, actor: Any) -> int:
    """Mark all of one's own notifications read; how many were unread."""
    return (
        Notification.objects.restrict(actor, "change")
        .filter(read_at__isnull=True)
        .update(  # type: ignore[attr-defined]
            read_at=timezone.now()
        )
    )


@transaction.atomic
def notification_preferences_save(
    *, user: Any, wishes: dict[str, tuple[bool, bool]], actor: Any
) -> None:
    """One's own wishes per event: (in the inbox, by mail)."""
    if actor is not None and actor.pk != user.pk and not actor.is_superuser:
        raise ValidationError(_("Each person sets their own notifications."))
    for event, (in_app, by_email) in wishes.items():
        if event not in Event.values:
            raise ValidationError(_("No such event: %(event)s.") % {"event": event})
        NotificationPreference.objects.update_or_create(
            user=user, event=event, defaults={"in_app": in_app, "by_email": by_email}
        )


# --- who is told --------------------------------------------------------------------------------


def partner_people(partner: Any) -> list[User]:
    """The partner's own users, and the brand's owner of the partner."""
    people = list(User.objects.filter(partner=partner, is_active=True))
    if getattr(partner, "owner", None) is not None:
        people.append(partner.owner)
    return people


def channel_team_for(partner: Any) -> list[User]:
    """The director(s) and the managers whose regions hold the partner, or who own it."""
    team = User.objects.filter(is_active=True, groups__name=Role.CHANNEL_DIRECTOR.value)
    managers = User.objects.filter(is_active=True, groups__name=Role.CHANNEL_MANAGER.value)
    path = partner.home_region.path if partner.home_region_id else None
    scoped = [
        m
        for m in managers.prefetch_related("managed_regions")
        if m.pk == partner.owner_id
        or (path and any(path.startswith(r.path) for r in m.managed_regions.all()))
    ]
    return [*team, *scoped]


# --- webhooks -----------------------------------------------------------------------------------


def _events(values: Iterable[str]) -> list[str]:
    chosen = sorted(set(values))
    unknown = [e for e in chosen if e not in Event.values]
    if unknown:
        raise ValidationError({"events": _("No such event: %(event)s.") % {"event": unknown[0]}})
    if not chosen:
        raise ValidationError({"events": _("Choose at least one event.")})
    return chosen


@transaction.atomic
def webhook_create(*, actor: Any | None = None, **data: Any) -> Webhook:
    data["events"] = _events(data.get("events") or [])
    return model_create(model=Webhook, data=data, actor=actor)


@transaction.atomic
def webhook_update(*, webhook: Webhook, actor: Any | None = None, **data: Any) -> Webhook:
    if "events" in data:
        data["events"] = _events(data["events"])
    return model_update(instance=webhook, data=data, actor=actor)[0]


def _deliveries_queue(event: str, data: dict[str, Any]) -> list[WebhookDelivery]:
    hooks = [h for h in Webhook.objects.filter(active=True) if event in h.events]
    deliveries = [_delivery_new(hook, event, data) for hook in hooks]
    for delivery in deliveries:
        transaction.on_commit(lambda d=delivery: _enqueue(d))  # type: ignore[misc]
    return deliveries


def _delivery_new(hook: Webhook, event: str, data: dict[str, Any]) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.create(webhook=hook, event=event, payload={})
    delivery.payload = {
        "id": delivery.pk,
        "event": event,
        "occurred_at": timezone.now().isoformat(),
        "data": json.loads(json.dumps(data, cls=DjangoJSONEncoder)),
    }
    delivery.save(update_fields=["payload"])
    return delivery


def _enqueue(delivery: WebhookDelivery, run_after: Any | None = None) -> None:
    from qudao.notifications.tasks import deliver_webhook  # a cycle: tasks use this

    task = deliver_webhook.using(run_after=run_after) if run_after else deliver_webhook
    task.enqueue(delivery.pk)


@transaction.atomic
def webhook_test_send(*, webhook: Webhook, actor: Any) -> WebhookDelivery:
    """A "ping" to the webhook now, signed like every delivery: the receiver can be tried."""
    ensure_may_change(Webhook, actor)
    ensure_may_change_row(webhook, actor)
    delivery = _delivery_new(
        webhook, PING, {"message": "Qudao test delivery", "webhook": webhook.name}
    )
    transaction.on_commit(lambda: _enqueue(delivery))
    return delivery


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=`` + HMAC-SHA256 of ``<timestamp>.<body>`` under the webhook's secret; the
    receiver recomputes it and refuses a stale timestamp (a replayed delivery)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def max_attempts() -> int:
    return int(str(settings.QUDAO.get("WEBHOOK_MAX_ATTEMPTS", 6)))


def retry_delay(attempts: int) -> timedelta:
    """Back-off after ``attempts`` failures: the base doubled each time (30 s, 1 min, 2 min,
    4 min, 8 min with the default base)."""
    base = int(str(settings.QUDAO.get("WEBHOOK_RETRY_SECONDS", 30)))
    return timedelta(seconds=base * 2 ** (attempts - 1))


def webhook_attempt(*, delivery: WebhookDelivery, timeout: float = 10.0) -> WebhookDelivery:
    """POST the delivery once. A 2xx answer delivers it; anything else is recorded and,
    until ``WEBHOOK_MAX_ATTEMPTS``, tried again after ``retry_delay``."""
    if delivery.status in (DeliveryStatus.DELIVERED, DeliveryStatus.GAVE_UP):
        return delivery
    hook = delivery.webhook
    body = json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True).encode()
    stamp = int(time.time())
    request = urllib.request.Request(  # noqa: S310 - an http(s) address the director set
        hook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Qudao-Webhook/1",
            "X-Qudao-Event": delivery.event,
            "X-Qudao-Delivery": str(delivery.pk),
            "X-Qudao-Timestamp": str(stamp),
            SIGNATURE_HEADER: signature(hook.secret, stamp, body),
        },
    )
    delivery.attempts += 1
    code, error = None, ""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            code = answer.status
    except urllib.error.HTTPError as exc:
        code, error = exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        error = str(getattr(exc, "reason", exc))[:500]
    delivery.response_code, delivery.error = code, error
    if code is not None and 200 <= code < 300:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
            DeliveryStatus.DELIVERED,
            timezone.now(),
            None,
        )
    elif delivery.attempts >= max_attempts():
        delivery.status, delivery.next_attempt_at = DeliveryStatus.GAVE_UP, None
    else:
        delivery.status = DeliveryStatus.RETRYING
        delivery.next_attempt_at = timezone.now() + retry_delay(delivery.attempts)
    delivery.save()
    if delivery.status == DeliveryStatus.RETRYING:
        _enqueue(delivery, run_after=delivery.next_attempt_at)
    return delivery
