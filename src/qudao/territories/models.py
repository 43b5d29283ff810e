"""Regions (a tree of any depth) and market segments."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from qudao.core.models import BilingualNamed, TimeStampedModel, TreeNode
from qudao.core.permissions import AccessPolicy
from qudao.core.querysets import RestrictedQuerySet
from qudao.territories.choices import RegionKind, SegmentKind


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
