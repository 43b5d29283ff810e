"""Joint marketing: campaigns the brand runs with partners — their dates, regions, the
budget drawn from a market development fund, the leads and results — and what they
returned on the attributed sales (the rule is in ``selectors.campaign_roi``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from qudao.core.models import TimeStampedModel
from qudao.core.permissions import AccessPolicy, manager_scope_q, partner_subtree_q
from qudao.core.querysets import RestrictedQuerySet
from qudao.partners.models import DIRECTOR_AND_MANAGER


class CampaignStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


def _taking_part(partner_q: Q) -> Q:
    return Q(pk__in=CampaignPartner.objects.filter(partner_q).values("campaign"))


def _manager_campaigns(user: Any) -> Q:
    """A manager's campaigns: those it owns, and those with a partner in its scope."""
    return Q(owner=user) | _taking_part(manager_scope_q("partner", user))


def _partner_campaigns(user: Any) -> Q:
    """A partner's: those it (or a sub-partner) takes part in."""
    return _taking_part(partner_subtree_q("partner", user.partner))


class Campaign(TimeStampedModel):
    code = models.CharField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    fund = models.ForeignKey(
        "programs.Fund",
        verbose_name=_("fund"),
        on_delete=models.PROTECT,
        related_name="campaigns",
        help_text=_("The market development fund the budget is drawn from."),
    )
    regions = models.ManyToManyField(
        "territories.Region",
        verbose_name=_("regions"),
        blank=True,
        related_name="+",
        help_text=_("Where it runs (and its sub-regions); none: wherever the partners sell."),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    budget = models.DecimalField(
        _("budget"),
        max_digits=16,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    spend = models.DecimalField(
        _("spend"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("What it cost in the end, paid from the fund when the campaign closes."),
    )
    results = models.TextField(_("results"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.OPEN
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(
        editor_roles=DIRECTOR_AND_MANAGER,
        manager_q=_manager_campaigns,
        partner_visible=True,
        partner_q=_partner_campaigns,
    )

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(spend__isnull=True) | Q(spend__lte=models.F("budget")),
                name="campaign_spends_its_budget_at_most",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("marketing:campaign_detail", args=[self.pk])


class CampaignPartner(models.Model):
    """A partner taking part in a campaign, with the leads it brought."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="participants"
    )
    partner = models.ForeignKey(
        "partners.Partner", verbose_name=_("partner"), on_delete=models.PROTECT, related_name="+"
    )
    leads = models.PositiveIntegerField(_("leads"), default=0)
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_field="partner", editor_roles=DIRECTOR_AND_MANAGER)

    class Meta:
        verbose_name = _("campaign partner")
        verbose_name_plural = _("campaign partners")
        ordering = ["partner__code"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "partner"], name="campaign_partner_once")
        ]

    def __str__(self) -> str:
        return f"{self.campaign.code}: {self.partner.code}"
