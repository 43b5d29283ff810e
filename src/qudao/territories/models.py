"""Regions (a tree of any depth) and market segments."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from qudao.core.choices import Role
from qudao.core.models import BilingualNamed, TimeStampedModel, TreeNode
from qudao.core.permissions import AccessPolicy
from qudao.core.querysets import RestrictedQuerySet
from qudao.territories.choices import RegionKind, SegmentKind

DIRECTOR_AND_MANAGER_ROLES = frozenset({Role.CHANNEL_DIRECTOR, Role.CHANNEL_MANAGER})


class Region(BilingualNamed, TreeNode, TimeStampedModel):
    """A node of the territory tree: region group → country → territory → city, or deeper."""

    code = models.CharField(_("code"), max_length=50, unique=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=RegionKind.choices, default=RegionKind.OTHER
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_visible=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["path", "code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def get_absolute_url(self) -> str:
        return reverse("territories:region_detail", args=[self.pk])


class Segment(BilingualNamed, TimeStampedModel):
    """A market segment partners serve: an industry, a customer group or a product line."""

    code = models.CharField(_("code"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=SegmentKind.choices)
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_visible=True)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class RegionPotential(TimeStampedModel):
    """The market a region holds for a period — an amount, a count of outlets, or both —
    and where the figure comes from (a market study, the statistics bureau, an estimate).
    Against it, coverage: what the brand's partners sell there, and how many there are."""

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="potentials"
    )
    period = models.CharField(_("period"), max_length=10, help_text=_("2020, 2020Q1 or 2020-03"))
    potential_amount = models.DecimalField(
        _("potential amount"),
        max_digits=20,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    potential_outlets = models.PositiveIntegerField(_("potential outlets"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    # the brand's market study: not shown to partners
    access_policy = AccessPolicy(internal=True, editor_roles=DIRECTOR_AND_MANAGER_ROLES)

    class Meta:
        verbose_name = _("region potential")
        verbose_name_plural = _("region potentials")
        ordering = ["region__path", "period"]
        constraints = [
            models.UniqueConstraint(fields=["region", "period"], name="region_potential_once"),
            models.CheckConstraint(
                condition=models.Q(potential_amount__isnull=False)
                | models.Q(potential_outlets__isnull=False),
                name="region_potential_has_a_figure",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region.code} {self.period}"

    def get_absolute_url(self) -> str:
        return reverse("territories:coverage") + f"?period={self.period}"
