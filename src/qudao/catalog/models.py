"""Products, their category tree, and price lists (list, partner and floor prices over time)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from qudao.core.models import BilingualNamed, TimeStampedModel, TreeNode
from qudao.core.permissions import AccessPolicy
from qudao.core.querysets import RestrictedQuerySet


def _price_applies_to_partner(user: object) -> Q:
    """Partner staff see the price-list entries whose scope includes their own partner."""
    partner = user.partner  # type: ignore[attr-defined]
    region_ids = [int(pk) for pk in partner.home_region.path.strip("/").split("/") if pk]
    return (
        (Q(channel_model__isnull=True) | Q(channel_model_id=partner.channel_model_id))
        & (Q(grade__isnull=True) | Q(grade_id=partner.grade_id))
        & (Q(region__isnull=True) | Q(region_id__in=region_ids))
    )


# Units Qudao itself fills in (the default, the generator); others are the brand's own.
UNIT_WORDS = {"pcs": _("pcs")}


class Category(BilingualNamed, TreeNode, TimeStampedModel):
    """A product category; categories nest (category → subcategory → …)."""

    code = models.CharField(_("code"), max_length=50, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    history = HistoricalRecords(excluded_fields=["path", "depth"])
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_visible=True)

    class Meta:
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")
        ordering = ["path", "code"]

    def __str__(self) -> str:
        return self.name


class Product(BilingualNamed, TimeStampedModel):
    """A product the brand sells through its channel."""

    code = models.CharField(_("code"), max_length=50, unique=True)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
    )
    unit = models.CharField(_("unit"), max_length=20, default="pcs")
    standard_cost = models.DecimalField(
        _("standard cost"), max_digits=16, decimal_places=4, null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_visible=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(standard_cost__isnull=True) | Q(standard_cost__gte=0),
                name="product_standard_cost_non_negative",
            )
        ]

    @property
    def unit_label(self) -> str:
        """The unit as people say it: the seeded "pcs" translated, any other as given."""
        return str(UNIT_WORDS.get(self.unit, self.unit))

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def get_absolute_url(self) -> str:
        return reverse("catalog:product_detail", args=[self.pk])


class PriceListEntry(TimeStampedModel):
    """Prices of one product for one scope over a validity period.

    The scope is (channel model, grade, region); an empty part means "any".
    Entries of the same product and scope may not overlap in time
    (``price_entry_create`` / ``price_entry_update`` enforce it).
    """

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="prices"
    )
    channel_model = models.ForeignKey(
        "partners.ChannelModel",
        verbose_name=_("channel model"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    grade = models.ForeignKey(
        "partners.Grade", verbose_name=_("grade"), on_delete=models.PROTECT, null=True, blank=True
    )
    region = models.ForeignKey(
        "territories.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    list_price = models.DecimalField(_("list price"), max_digits=16, decimal_places=4)
    partner_price = models.DecimalField(_("partner price"), max_digits=16, decimal_places=4)
    floor_price = models.DecimalField(_("floor price"), max_digits=16, decimal_places=4)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_visible=True, partner_q=_price_applies_to_partner)

    class Meta:
        verbose_name = _("price-list entry")
        verbose_name_plural = _("price list")
        ordering = ["product__code", "valid_from", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="price_entry_valid_range",
            ),
            models.CheckConstraint(
                condition=Q(list_price__gte=0) & Q(partner_price__gte=0) & Q(floor_price__gte=0),
                name="price_entry_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.code} {self.valid_from}"

    def get_absolute_url(self) -> str:
        return reverse("catalog:price_detail", args=[self.pk])
