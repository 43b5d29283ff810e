"""Deal registration: a partner tells the brand about an opportunity before it closes, so
that no other partner — and no direct-sales rep — chases the same customer unseen. The
brand's direct accounts (imported from sales) and the other partners' open registrations
are the two things a registration can collide with."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from qudao.core.choices import Role
from qudao.core.models import TimeStampedModel
from qudao.core.permissions import AccessPolicy
from qudao.core.querysets import RestrictedQuerySet
from qudao.partners.models import DIRECTOR_AND_MANAGER


class DirectAccount(TimeStampedModel):
    """A customer the brand's own sales team serves; partners may not register it unseen."""

    customer_name = models.CharField(_("customer name"), max_length=200, unique=True)
    # the name as compared (matching.name_key): place, legal form, brackets set aside
    name_key = models.CharField(_("name as compared"), max_length=200, db_index=True)
    tax_id = models.CharField(
        _("tax id"),
        max_length=30,
        blank=True,
        db_index=True,
        help_text=_("Unified social credit code (统一社会信用代码) or another tax number."),
    )
    region = models.ForeignKey(
        "territories.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="direct_accounts",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sales owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="direct_accounts",
    )
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    # The sales team's list: they and the director keep it; partners never see it.
    access_policy = AccessPolicy(editor_roles=frozenset({Role.CHANNEL_DIRECTOR, Role.SALES}))

    class Meta:
        verbose_name = _("direct account")
        verbose_name_plural = _("direct accounts")
        ordering = ["customer_name"]

    def __str__(self) -> str:
        return self.customer_name

    def get_absolute_url(self) -> str:
        return reverse("deals:account_detail", args=[self.pk])


class DealStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    ROUTED = "routed", _("Routed to sales")
    EXPIRED = "expired", _("Expired")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


# Registrations that still claim their customer: others collide with them.
OPEN_STATUSES = (DealStatus.SUBMITTED, DealStatus.APPROVED)
CLOSED_STATUSES = (DealStatus.WON, DealStatus.LOST)


class RealisedFact(models.TextChoices):
    SELL_IN = "sell_in", _("Sell-in order")
    SELL_THROUGH = "sell_through", _("Sell-through document")


class DealRegistration(TimeStampedModel):
    """One opportunity a partner registered: the customer, what and how much, by when; the
    channel team's decision and, once it closes, the sale that realised it."""

    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="deal_registrations",
    )
    customer_name = models.CharField(_("end customer"), max_length=200)
    name_key = models.CharField(_("name as compared"), max_length=200, db_index=True)
    customer_tax_id = models.CharField(_("customer tax id"), max_length=30, blank=True)
    customer_region = models.ForeignKey(
        "territories.Region",
        verbose_name=_("customer region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    products = models.ManyToManyField(
        "catalog.Product", verbose_name=_("products"), blank=True, related_name="+"
    )
    value = models.DecimalField(
        _("deal value"),
        max_digits=16,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    expected_close = models.DateField(_("expected close"))
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=DealStatus.choices, default=DealStatus.SUBMITTED
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    protected_until = models.DateField(_("protected until"), null=True, blank=True)
    extensions = models.PositiveSmallIntegerField(_("extensions"), default=0)
    routed_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("routed to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deals_routed",
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    realised_fact = models.CharField(
        _("realised by"), max_length=20, choices=RealisedFact.choices, blank=True
    )
    realised_document = models.CharField(_("document"), max_length=100, blank=True)
    realised_amount = models.DecimalField(
        _("realised amount"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    close_note = models.TextField(_("outcome note"), blank=True)
    # the day the partner was told its protection runs out soon (told once)
    expiry_notified_on = models.DateField(null=True, blank=True, editable=False)
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(
        partner_field="partner",
        editor_roles=DIRECTOR_AND_MANAGER,
        partner_editor_roles=frozenset({Role.PARTNER_ADMIN}),
    )

    class Meta:
        verbose_name = _("deal registration")
        verbose_name_plural = _("deal registrations")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "protected_until"])]

    def __str__(self) -> str:
        return f"{self.number} {self.customer_name}"

    @property
    def number(self) -> str:
        return f"DR-{self.pk:06d}" if self.pk else "DR-new"

    def get_absolute_url(self) -> str:
        return reverse("deals:deal_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ConflictKind(models.TextChoices):
    DIRECT_ACCOUNT = "direct_account", _("Direct account")
    REGISTRATION = "registration", _("Another partner's registration")


class MatchBasis(models.TextChoices):
    TAX_ID = "tax_id", _("Same tax id")
    NAME = "name", _("Similar name")


class DealConflict(models.Model):
    """A customer this registration may collide with, found when it was checked: a direct
    account or another partner's open registration, with how alike the two are."""

    deal = models.ForeignKey(
        DealRegistration,
        verbose_name=_("deal registration"),
        on_delete=models.CASCADE,
        related_name="conflicts",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ConflictKind.choices)
    account = models.ForeignKey(
        DirectAccount,
        verbose_name=_("direct account"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="conflicts",
    )
    other_deal = models.ForeignKey(
        DealRegistration,
        verbose_name=_("other registration"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    basis = models.CharField(_("matched on"), max_length=10, choices=MatchBasis.choices)
    score = models.DecimalField(
        _("score"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    found_at = models.DateTimeField(_("found at"), auto_now_add=True)
    objects = RestrictedQuerySet.as_manager()
    # Who else is after the customer is the brand's to know, not the partner's.
    access_policy = AccessPolicy(
        partner_field="deal__partner", editor_roles=DIRECTOR_AND_MANAGER, internal=True
    )

    class Meta:
        verbose_name = _("deal conflict")
        verbose_name_plural = _("deal conflicts")
        ordering = ["-score", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(account__isnull=False) | models.Q(other_deal__isnull=False),
                name="deal_conflict_names_its_match",
            )
        ]

    def __str__(self) -> str:
        return f"{self.deal.number} ↔ {self.matched_name}"

    @property
    def matched_name(self) -> str:
        if self.account is not None:
            return self.account.customer_name
        return self.other_deal.customer_name if self.other_deal else ""
