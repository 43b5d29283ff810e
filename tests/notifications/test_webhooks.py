"""Webhooks against a real HTTP receiver: deliveries signed so the receiver can check them,
retried with a doubling back-off after a failing answer until delivered (or given up),
every attempt in the log; the test button; only the director sees them."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from qudao.deals.services import deal_approve, deal_registration_create
from qudao.notifications.models import DeliveryStatus, Event, WebhookDelivery
from qudao.notifications.selectors import webhook_list
from qudao.notifications.services import (
    SIGNATURE_HEADER,
    retry_delay,
    webhook_attempt,
    webhook_create,
    webhook_test_send,
)
from tests.conftest import World, run_queued_tasks
from tests.notifications.conftest import Receiver


def _receiver_checks(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """What a receiver does: recompute the signature over "<timestamp>.<body>"."""
    stamp = headers["X-Qudao-Timestamp"]
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(headers[SIGNATURE_HEADER], "sha256=" + expected.hexdigest())


def _approved_deal(world: World) -> Any:
    deal = deal_registration_create(
        partner=world.p_de,
        customer_name="Fabrikam, Inc.",
        value=Decimal("1000"),
        expected_close=timezone.localdate() + timedelta(days=30),
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        deal_approve(deal=deal, actor=world.users["manager"])
    return deal


def test_a_failing_receiver_is_retried_with_back_off_then_delivered_signed(
    world: World, receiver: Receiver, settings: Any
) -> None:
    hook = webhook_create(name="ERP", url=receiver.url, events=[Event.DEAL_APPROVED])
    receiver.failures_left = 2
    deal = _approved_deal(world)
    delivery = WebhookDelivery.objects.get(webhook=hook)
    before = timezone.now()
    webhook_attempt(delivery=delivery)
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("retrying", 1, 503)
    assert before + timedelta(seconds=29) < delivery.next_attempt_at  # 30 s, then doubled
    webhook_attempt(delivery=delivery)
    assert delivery.next_attempt_at - timezone.now() > timedelta(seconds=59)
    webhook_attempt(delivery=delivery)
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("delivered", 3, 204)
    assert len(receiver.received) == 3
    for headers, body in receiver.received:
        assert _receiver_checks(hook.secret, headers, body)
        assert not _receiver_checks("another secret", headers, body)
        assert headers["X-Qudao-Event"] == "deal_approved"
    payload = receiver.payloads()[-1]
    assert payload["event"] == "deal_approved" and payload["id"] == delivery.pk
    assert payload["data"]["deal_id"] == deal.pk and payload["data"]["partner"] == "P-DE"
    assert payload["data"]["value"] == "1000.00"


def test_the_worker_retries_until_delivered(
    world: World, receiver: Receiver, settings: Any
) -> None:
    settings.QUDAO = {**settings.QUDAO, "WEBHOOK_RETRY_SECONDS": 0}  # retry at once, here
    hook = webhook_create(name="ERP", url=receiver.url, events=[Event.DEAL_APPROVED])
    receiver.failures_left = 2
    _approved_deal(world)  # queues the delivery once the approval commits
    run_queued_tasks()
    delivery = WebhookDelivery.objects.get(webhook=hook)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 3)
    assert len(receiver.received) == 3


def test_it_gives_up_after_the_last_attempt(world: World, settings: Any) -> None:
    settings.QUDAO = {**settings.QUDAO, "WEBHOOK_MAX_ATTEMPTS": 2}
    hook = webhook_create(name="Gone", url="http://127.0.0.1:9/hook", events=[Event.DEAL_APPROVED])
    _approved_deal(world)
    delivery = WebhookDelivery.objects.get(webhook=hook)
    webhook_attempt(delivery=delivery)
    assert delivery.status == "retrying" and delivery.error
    webhook_attempt(delivery=delivery)
    assert (delivery.status, delivery.next_attempt_at) == ("gave_up", None)


def test_back_off_doubles() -> None:
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [30, 60, 120, 240, 480]


def test_only_subscribed_events_and_active_hooks_are_delivered(
    world: World, receiver: Receiver
) -> None:
    webhook_create(name="Stock", url=receiver.url, events=[Event.STOCK_OUT])
    webhook_create(name="Off", url=receiver.url, events=[Event.DEAL_APPROVED], active=False)
    _approved_deal(world)
    assert not WebhookDelivery.objects.exists()


def test_the_test_button_pings_the_receiver(world: World, receiver: Receiver) -> None:
    hook = webhook_create(name="ERP", url=receiver.url, events=[Event.IMPORT_FINISHED])
    client = Client()
    client.force_login(world.users["director"])
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("notifications:webhook_test", args=[hook.pk]))
    assert response.status_code == 302
    run_queued_tasks()
    (ping,) = receiver.payloads()
    assert ping["event"] == "ping"
    page = client.get(hook.get_absolute_url()).content.decode()
    assert "Delivered" in page


def test_only_the_director_keeps_webhooks(world: World) -> None:
    hook = webhook_create(name="ERP", url="https://erp.example/hook", events=["deal_approved"])
    for role in ("manager", "finance", "sales", "partner_admin"):
        assert not webhook_list(user=world.users[role]).exists()
        with pytest.raises(PermissionDenied):
            webhook_test_send(webhook=hook, actor=world.users[role])
    assert not WebhookDelivery.objects.exists()
    with pytest.raises(ValidationError):
        webhook_create(name="Bad", url="https://erp.example/hook", events=["nothing"])
