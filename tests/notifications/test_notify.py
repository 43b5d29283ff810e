"""People are told, in their language, as they choose: the inbox and mail delivered to a
real SMTP server; events raised by the other apps (a deal decided or in conflict, a
statement ready, an import finished); a refused write tells no one; one's inbox is one's
own."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from qudao.deals.services import deal_approve, deal_registration_create, direct_account_create
from qudao.facts.services import upload_enqueue
from qudao.notifications.models import Event, Notification
from qudao.notifications.selectors import inbox
from qudao.notifications.services import notification_preferences_save
from tests.conftest import World, run_queued_tasks
from tests.factories import make_user
from tests.notifications.conftest import Mailbox


def _partner_admin(world: World, language: str = "zh-hans") -> Any:
    admin = world.users["partner_admin"]
    admin.email, admin.language = "admin@p-de.example", language
    admin.save()
    return admin


def _register(world: World, name: str = "Fabrikam, Inc.") -> Any:
    return deal_registration_create(
        partner=world.p_de,
        customer_name=name,
        value=Decimal("1000"),
        expected_close=timezone.localdate() + timedelta(days=30),
        actor=world.users["partner_admin"],
    )


def test_a_decision_reaches_the_inbox_and_the_smtp_server_in_the_readers_language(
    world: World, smtp_server: Mailbox, django_capture_on_commit_callbacks: Any
) -> None:
    admin = _partner_admin(world, "zh-hans")
    english = make_user("clerk", "partner_user", partner=world.p_de, email="clerk@p-de.example")
    deal = _register(world)
    with django_capture_on_commit_callbacks(execute=True):
        deal_approve(deal=deal, actor=world.users["manager"])
    zh = Notification.objects.get(recipient=admin, event=Event.DEAL_APPROVED)
    en = Notification.objects.get(recipient=english, event=Event.DEAL_APPROVED)
    assert "已批准" in zh.title and "Approved" in en.title
    assert zh.url == deal.get_absolute_url() and zh.emailed_at is not None
    by_address = {m["To"]: m for m in smtp_server.messages}
    assert set(by_address) == {"admin@p-de.example", "clerk@p-de.example"}
    chinese = by_address["admin@p-de.example"]
    assert chinese["Subject"] == zh.title
    text = chinese.get_content()
    assert f"https://qudao.test{deal.get_absolute_url()}" in text and "通知设置" in text


def test_preferences_decide_inbox_and_mail(
    world: World, smtp_server: Mailbox, django_capture_on_commit_callbacks: Any
) -> None:
    admin = _partner_admin(world)
    notification_preferences_save(
        user=admin, wishes={Event.DEAL_APPROVED: (True, False)}, actor=admin
    )
    deal = _register(world)
    with django_capture_on_commit_callbacks(execute=True):
        deal_approve(deal=deal, actor=world.users["manager"])
    assert Notification.objects.filter(recipient=admin).count() == 1
    assert smtp_server.messages == []
    notification_preferences_save(
        user=admin, wishes={Event.DEAL_APPROVED: (False, True)}, actor=admin
    )
    other = _register(world, "Contoso Ltd")
    with django_capture_on_commit_callbacks(execute=True):
        deal_approve(deal=other, actor=world.users["manager"])
    assert Notification.objects.filter(recipient=admin).count() == 1  # not in the inbox
    assert [m["To"] for m in smtp_server.messages] == ["admin@p-de.example"]  # but mailed


def test_a_conflict_tells_the_channel_team_of_the_partners_region_and_the_account_owner(
    world: World,
) -> None:
    direct_account_create(customer_name="Fabrikam Incorporated", owner=world.users["sales"])
    _register(world)
    told = set(
        Notification.objects.filter(event=Event.DEAL_CONFLICT).values_list(
            "recipient__username", flat=True
        )
    )
    # the EU manager holds P-DE's region; sales owns the account it matched
    assert told == {"director", "manager", "sales"}


def test_a_refused_write_tells_no_one(world: World) -> None:
    deal = _register(world)
    with pytest.raises(PermissionDenied):
        deal_approve(deal=deal, actor=world.users["finance"])
    assert not Notification.objects.filter(event=Event.DEAL_APPROVED).exists()


def test_a_mail_server_that_refuses_leaves_the_write_and_says_so(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    admin = _partner_admin(world)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", 9, False
    settings.QUDAO = {**settings.QUDAO, "SENDS_MAIL": True}
    deal = _register(world)
    with django_capture_on_commit_callbacks(execute=True):
        deal_approve(deal=deal, actor=world.users["manager"])
    deal.refresh_from_db()
    told = Notification.objects.get(recipient=admin)
    assert deal.status == "approved" and told.emailed_at is None and told.email_error


def test_ones_inbox_is_ones_own(world: World) -> None:
    _partner_admin(world)
    _register(world)
    deal_approve(deal=_register(world, "Contoso Ltd"), actor=world.users["manager"])
    mine = Notification.objects.get(recipient=world.users["partner_admin"])
    for role in ("director", "manager", "partner_user"):
        assert not inbox(user=world.users[role]).filter(pk=mine.pk).exists()
    client = Client()
    client.force_login(world.users["director"])
    assert client.get(reverse("notifications:open", args=[mine.pk])).status_code == 404
    client.force_login(world.users["partner_admin"])
    response = client.get(reverse("notifications:open", args=[mine.pk]))
    assert response.status_code == 302 and response.url == mine.url
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_the_inbox_page_counts_unread_and_marks_all_read(world: World) -> None:
    _partner_admin(world, "zh-hans")
    deal_approve(deal=_register(world), actor=world.users["manager"])
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(world.users["partner_admin"])
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert 'id="unread-count">1<' in page and "已批准" in page
    client.post(reverse("notifications:read_all"))
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert 'id="unread-count"' not in page


def test_the_settings_page_saves_ones_wishes(world: World) -> None:
    client = Client()
    client.force_login(world.users["finance"])
    client.post(reverse("notifications:settings"), {"deal_conflict-in_app": "on"})
    rows = {
        (p.event, p.in_app, p.by_email)
        for p in world.users["finance"].notification_preferences.all()
    }
    assert ("deal_conflict", True, False) in rows and ("stock_out", False, False) in rows


@pytest.mark.parametrize(
    ("rows", "event", "words"),
    [
        ("2020-01-06,P-DE,C1,BIKE-1,1,150,150,D1\n", Event.IMPORT_FINISHED, "committed"),
        ("2020-01-06,NOBODY,C1,BIKE-1,1,150,150,D1\n", Event.IMPORT_FAILED, "did not go in"),
    ],
)
def test_a_queued_import_tells_its_uploader_how_it_ended(
    world: World, rows: str, event: str, words: str
) -> None:
    header = "date,partner,customer,product,quantity,unit_price,amount,document_id\n"
    with TestCase.captureOnCommitCallbacks(execute=True):
        batch = upload_enqueue(
            fact="sell_through",
            uploaded=SimpleUploadedFile("flow.csv", (header + rows).encode()),
            mapping_toml="",
            mode="all-or-nothing",
            actor=world.users["director"],
        )
    run_queued_tasks()
    told = Notification.objects.get(recipient=world.users["director"])
    assert told.event == event and "flow.csv" in told.title and words in told.title.lower()
    assert told.url == batch.get_absolute_url()
