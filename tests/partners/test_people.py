"""A partner's admin gives its colleagues a sign-in (and takes it away): an invitation in
the invitee's language whose link sets the password; never for another partner; the
channel team may do it for the partners it changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from qudao.core.models import User
from qudao.partners.services import partner_user_deactivate, partner_user_invite
from tests.conftest import World


@pytest.fixture
def mailing(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.QUDAO = {**settings.QUDAO, "SENDS_MAIL": True, "SITE_URL": "https://qudao.test"}


def test_an_admin_invites_a_colleague_who_sets_a_password(world: World, mailing: None) -> None:
    invitation = partner_user_invite(
        partner=world.p_de,
        username="li.na",
        email="li.na@p-de.example",
        role="partner_user",
        language="zh-hans",
        actor=world.users["partner_admin"],
    )
    user = User.objects.get(username="li.na")
    assert (user.partner, user.has_usable_password(), invitation.mailed) == (
        world.p_de,
        False,
        True,
    )
    assert "partner_user" in user.roles
    (sent,) = mail.outbox
    assert sent.to == ["li.na@p-de.example"] and "账号" in sent.subject
    assert invitation.link in sent.body and invitation.link.startswith("https://qudao.test/")
    client = Client()
    answer = client.get(invitation.link.removeprefix("https://qudao.test"), follow=True)
    assert answer.status_code == 200 and b"new_password1" in answer.content


def test_without_mail_the_link_is_shown_once(world: World) -> None:
    client = Client()
    client.force_login(world.users["partner_admin"])
    page = client.post(
        reverse("partners:user_invite", args=[world.p_de_sub.pk]),
        {"username": "sub.clerk", "role": "partner_user", "language": "en"},
    )
    assert page.status_code == 200 and 'id="invitation-link"' in page.content.decode()
    assert User.objects.get(username="sub.clerk").partner == world.p_de_sub


def test_never_for_another_partner_nor_by_its_plain_users(world: World) -> None:
    before = User.objects.count()
    with pytest.raises(PermissionDenied):
        partner_user_invite(
            partner=world.p_us,
            username="x",
            email="",
            role="partner_user",
            actor=world.users["partner_admin"],
        )
    with pytest.raises(PermissionDenied):
        partner_user_invite(
            partner=world.p_de,
            username="y",
            email="",
            role="partner_user",
            actor=world.users["partner_user"],
        )
    with pytest.raises(PermissionDenied):  # sales read, never change
        partner_user_invite(
            partner=world.p_de,
            username="z",
            email="",
            role="partner_user",
            actor=world.users["sales"],
        )
    with pytest.raises(ValidationError):  # a partner's people are partner admins or users
        partner_user_invite(
            partner=world.p_de,
            username="w",
            email="",
            role="channel_director",
            actor=world.users["manager"],
        )
    assert User.objects.count() == before
    client = Client()
    client.force_login(world.users["partner_admin"])
    assert client.get(reverse("partners:user_invite", args=[world.p_us.pk])).status_code == 404
    client.force_login(world.users["partner_user"])
    assert client.get(reverse("partners:user_invite", args=[world.p_de.pk])).status_code == 404


def test_an_admin_takes_a_colleagues_sign_in_away(world: World) -> None:
    admin, colleague = world.users["partner_admin"], world.users["partner_user"]
    with pytest.raises(ValidationError):
        partner_user_deactivate(user=admin, actor=admin)
    client = Client()
    client.force_login(admin)
    response = client.post(reverse("partners:user_deactivate", args=[colleague.pk]))
    colleague.refresh_from_db()
    assert response.status_code == 302 and not colleague.is_active
    us_user = User.objects.create_user("us.clerk", partner=world.p_us)
    assert client.post(reverse("partners:user_deactivate", args=[us_user.pk])).status_code == 404
    us_user.refresh_from_db()
    assert us_user.is_active
