"""Forgotten passwords: a mailed link where e-mail is configured, else a page naming who can
help; an administrator resets a password or signs a user out everywhere."""

from __future__ import annotations

import re
from typing import Any

from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.conftest import World
from tests.factories import make_user


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _still_signed_in(client: Client) -> bool:
    return client.get(reverse("home")).status_code == 200


def test_without_email_the_page_says_to_ask_the_administrator(world: World, settings: Any) -> None:
    settings.QUDAO = {**settings.QUDAO, "PASSWORD_RESET_BY_EMAIL": False}
    client = Client()
    assert 'href="/password/reset/"' in client.get(reverse("login")).content.decode()
    page = client.get(reverse("password_reset"))
    assert page.status_code == 200 and "Ask your administrator" in page.content.decode()
    sent = client.post(reverse("password_reset"), {"email": "x@example.com"})
    assert sent.status_code == 200 and mail.outbox == []
    confirm = reverse("password_reset_confirm", args=["MQ", "set-password"])
    assert client.get(confirm).status_code == 404
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(reverse("password_reset"))
    assert "管理员" in chinese.content.decode()


def test_a_mailed_link_sets_a_new_password_once_and_ends_other_sessions(
    world: World, settings: Any
) -> None:
    settings.QUDAO = {**settings.QUDAO, "PASSWORD_RESET_BY_EMAIL": True}
    user = make_user("wang", "channel_manager", email="wang@example.com")
    elsewhere = _signed_in(user)
    # Given a request for an address nobody has, nothing is sent — and the page says the same
    Client().post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert mail.outbox == []
    # When Wang asks, in Chinese
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").post(
        reverse("password_reset"), {"email": "wang@example.com"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    # then one mail, in Chinese, holds a link
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["wang@example.com"]
    assert "新密码" in mail.outbox[0].subject
    link = re.search(r"https?://[^/]+(/password/reset/\S+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    client = Client()
    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Lotus-river-88", "new_password2": "Lotus-river-88"},
    )
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    # the new password works, the other browser is signed out, the link is spent
    assert Client().login(username="wang", password="Lotus-river-88")
    assert not _still_signed_in(elsewhere)
    again = Client().get(link.group(1), follow=True)
    assert not again.context["validlink"]


def test_an_administrator_resets_a_password_or_ends_sessions(world: World) -> None:
    admin_user = make_user("root", None, is_staff=True, is_superuser=True)
    admin = _signed_in(admin_user)
    target = world.users["finance"]
    # a reset password in the admin ends the user's sessions
    browser = _signed_in(target)
    response = admin.post(
        reverse("admin:auth_user_password_change", args=[target.pk]),
        {
            "password1": "Quiet-harbour-51",
            "password2": "Quiet-harbour-51",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content[:500]
    assert not _still_signed_in(browser)
    assert Client().login(username="finance", password="Quiet-harbour-51")
    # "sign out everywhere" ends them without touching the password
    first, second, other = _signed_in(target), _signed_in(target), _signed_in(world.users["sales"])
    response = admin.post(
        reverse("admin:core_user_changelist"),
        {"action": "end_sessions", "_selected_action": [target.pk]},
    )
    assert response.status_code == 302
    assert not _still_signed_in(first) and not _still_signed_in(second)
    assert _still_signed_in(other)
    assert Client().login(username="finance", password="Quiet-harbour-51")
