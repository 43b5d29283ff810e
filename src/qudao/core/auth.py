"""Sign-in throttling: after repeated failures an account, and an address, are locked for a
while — whatever the door (the login page, the admin's), because the check lives in the
authentication backend. Every failure is kept (``LoginFailure``) as the audit trail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.core.models import LoginFailure


def _limits() -> tuple[int, int, timedelta]:
    config = settings.QUDAO
    return (
        int(str(config.get("LOGIN_FAILURES_PER_ACCOUNT", 5))),
        int(str(config.get("LOGIN_FAILURES_PER_ADDRESS", 20))),
        timedelta(minutes=int(str(config.get("LOGIN_LOCKOUT_MINUTES", 15)))),
    )


def client_address(request: HttpRequest | None) -> str | None:
    return None if request is None else request.META.get("REMOTE_ADDR") or None


def lockout_active(username: str, address: str | None) -> bool:
    """Whether the account, or the address, failed too often within the lockout window."""
    per_account, per_address, window = _limits()
    recent = LoginFailure.objects.filter(at__gte=timezone.now() - window)
    if recent.filter(username__iexact=username).count() >= per_account:
        return True
    return address is not None and recent.filter(address=address).count() >= per_address


def lockout_refusal(username: str, address: str | None) -> str | None:
    """If the lockout holds: record the refused attempt and return why, in the user's
    language; else None."""
    if not lockout_active(username, address):
        return None
    LoginFailure.objects.create(username=username, address=address, locked=True)
    return lockout_message()


def lockout_message() -> str:
    minutes = int(_limits()[2].total_seconds() // 60)
    return _(
        "Too many failed sign-ins: this account or this computer is locked for %(minutes)d "
        "minutes. Ask an administrator to reset the password if you have forgotten it."
    ) % {"minutes": minutes}


class ThrottledModelBackend(ModelBackend):
    """Django's backend, behind the lockout; every refusal recorded."""

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is None:
            username = kwargs.get("username", "")
        address = client_address(request)
        refusal = lockout_refusal(username or "", address)
        if refusal:
            raise PermissionDenied(refusal)  # authenticate() stops: no password is checked
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            LoginFailure.objects.create(username=username or "", address=address)
        return user


class ThrottledAuthenticationForm(AuthenticationForm):
    """The login form, saying so when the lockout refused the attempt."""

    def clean(self) -> dict[str, Any]:
        # Checked here as well: Django's authenticate() turns the backend's refusal into a
        # plain "wrong password", and the user should learn the account is locked.
        username = self.cleaned_data.get("username") or ""
        refusal = lockout_refusal(username, client_address(self.request))
        if refusal:
            raise forms.ValidationError(refusal, code="locked")
        return super().clean()


# --- password reset --------------------------------------------------------------------------


def password_reset_by_email() -> bool:
    """Whether this installation sends password-reset mail (an e-mail server is set)."""
    return bool(settings.QUDAO.get("PASSWORD_RESET_BY_EMAIL"))


def user_sessions_end(*, user: Any) -> int:
    """Sign ``user`` out everywhere: every browser session of theirs ends (API tokens are
    revoked separately, in the admin). Returns how many sessions ended."""
    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk)
    ]
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)
