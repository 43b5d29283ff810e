"""Password guessing is throttled per account and per address, by every door, in the
user's language, and kept on record."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from qudao.core.models import LoginFailure
from tests.conftest import World


def _try(client: Client, password: str, username: str = "director") -> str:
    response = client.post(reverse("login"), {"username": username, "password": password})
    return "" if response.status_code == 302 else response.content.decode()


def test_an_account_locks_after_five_failures_then_opens_again(world: World) -> None:
    client = Client()
    for _attempt in range(5):
        assert "correct username and password" in _try(client, "wrong")
    # the right password no longer works, and the page says why
    page = _try(client, "pw-director")
    assert "Too many failed sign-ins" in page and "15 minutes" in page
    assert "_auth_user_id" not in client.session
    # nor through the admin's door (the check is in the authentication backend)
    assert Client().login(username="director", password="pw-director") is False
    assert LoginFailure.objects.filter(username="director", locked=True).count() >= 2
    # another account from elsewhere is not affected
    assert _try(Client(REMOTE_ADDR="10.0.0.9"), "pw-manager", "manager") == ""
    # in Chinese
    chinese = Client()
    chinese.post(reverse("set_language"), {"language": "zh-hans"})
    assert "登录失败次数过多" in _try(chinese, "pw-director")
    # once the window has passed, the right password works again
    LoginFailure.objects.update(at=timezone.now() - timedelta(minutes=16))
    assert _try(Client(), "pw-director") == ""


def test_an_address_locks_after_twenty_failures_across_accounts(world: World) -> None:
    client = Client(REMOTE_ADDR="10.0.0.7")
    for attempt in range(20):
        _try(client, "wrong", username=f"nobody{attempt}")
    assert "Too many failed sign-ins" in _try(client, "pw-finance", "finance")
    assert _try(Client(REMOTE_ADDR="10.0.0.8"), "pw-finance", "finance") == ""


def test_every_user_changes_their_own_password(world: World) -> None:
    client = Client()
    client.force_login(world.users["partner_user"])
    assert client.get(reverse("password_change")).status_code == 200
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "pw-partner_user",
            "new_password1": "a-Longer-secret-42",
            "new_password2": "a-Longer-secret-42",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("password_change_done")
    assert Client().login(username="partner_user", password="a-Longer-secret-42")
    assert not Client().login(username="partner_user", password="pw-partner_user")
