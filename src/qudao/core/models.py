"""Users, roles and API tokens — the shared kernel's models."""

from __future__ import annotations

import hashlib
import secrets
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qudao.core.choices import Role
from qudao.core.i18n import bilingual


class TimeStampedModel(models.Model):
    """Adds ``created_at`` / ``updated_at`` to every domain model."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class User(AbstractUser):
    """A person using Qudao: channel staff, or staff of a partner (``partner`` set)."""

    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("Set for partner staff: they see this partner and its sub-partners only."),
    )
    managed_regions = models.ManyToManyField(
        "territories.Region",
        verbose_name=_("managed regions"),
        blank=True,
        related_name="managers",
        help_text=_("For channel managers: partners whose home region lies here are in scope."),
    )
    language = models.CharField(
        _("language"), max_length=10, blank=True, choices=settings.LANGUAGES
    )
    # What a person chose to see and is shown again on any device, e.g. the scorecard
    # table's column groups: {"scorecard_columns": ["sales", "growth"]}.
    preferences = models.JSONField(_("preferences"), default=dict, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def roles(self) -> frozenset[str]:
        return frozenset(self.groups.values_list("name", flat=True))

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles & {r.value for r in roles})

    @property
    def role_labels(self) -> list[str]:
        return [str(Role(r).label) for r in sorted(self.roles) if r in Role.values]


class ApiToken(TimeStampedModel):
    """A bearer token for integrations. Only its SHA-256 is stored; the key is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("prefix"), max_length=8, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    # read-only: reads only, whatever the user's role may change
    read_only = models.BooleanField(_("read only"), default=False)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["user_id", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def usable(self) -> bool:
        """Neither revoked nor expired."""
        return self.revoked_at is None and (
            self.expires_at is None or self.expires_at > timezone.now()
        )

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def generate_key() -> str:
        return "qd_" + secrets.token_urlsafe(32)


class BilingualNamed(models.Model):
    """A name in English and in Chinese; ``name`` picks the active language's one."""

    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        return bilingual(self.name_en, self.name_zh)


class TreeNode(models.Model):
    """A node of a tree kept as a materialised path of primary keys (``/1/5/12/``).

    Paths make "this node and everything below it" one indexed ``startswith``
    query, which the access gate relies on. Services keep them up to date
    (``qudao.core.trees``); nothing else writes them.
    """

    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(_("level"), editable=False, default=1)

    class Meta:
        abstract = True


class LoginFailure(models.Model):
    """A refused sign-in: the throttle counts them, and they are the audit trail of
    password guessing (who was tried, from where, when, and whether it was locked)."""

    username = models.CharField(_("username"), max_length=150, db_index=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True, db_index=True)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    locked = models.BooleanField(_("refused by the lockout"), default=False)

    class Meta:
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("failed sign-ins")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.username} {self.address} {self.at:%Y-%m-%d %H:%M}"
