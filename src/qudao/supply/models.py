"""Supply alerts: each partner's days of supply per product family (the product's
category), next month's forecast and a suggested replenishment; stock-out and overstock
alerts raised while a family is below or above its category's thresholds.

A check (``SupplyCheck``) is one run of the rules over the fact store: it records what it
judged with (thresholds, alphas), how its forecast did on the month before, and the
positions it found; alerts name the check that raised and the one that cleared them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from qudao.core.choices import Role
from qudao.core.models import TimeStampedModel
from qudao.core.permissions import AccessPolicy
from qudao.core.querysets import RestrictedQuerySet

SUPPLY_READERS = frozenset({Role.SUPPLY_CHAIN})
# who sets thresholds, runs a check and acknowledges an alert
SUPPLY_EDITORS = frozenset({Role.CHANNEL_DIRECTOR, Role.CHANNEL_MANAGER, Role.SUPPLY_CHAIN})


class PositionStatus(models.TextChoices):
    STOCK_OUT = "stock_out", _("Stock-out")
    OVERSTOCK = "overstock", _("Overstock")
    OK = "ok", _("Within thresholds")
    NO_DEMAND = "no_demand", _("No stock, no sales")


class SupplyAlertKind(models.TextChoices):
    STOCK_OUT = "stock_out", _("Stock-out")
    OVERSTOCK = "overstock", _("Overstock")


class CheckTrigger(models.TextChoices):
    REVIEW = "review", _("Channel review")
    IMPORT = "import", _("Inventory or sell-through import")
    COMMAND = "command", _("Command line")
    PAGE = "page", _("Started on the page")


class SupplyThreshold(TimeStampedModel):
    """A category's thresholds (its subcategories' too, unless they have their own)."""

    category = models.OneToOneField(
        "catalog.Category",
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        related_name="supply_threshold",
    )
    stock_out_days = models.PositiveIntegerField(
        _("stock-out below (days of supply)"),
        help_text=_("A stock-out alert is raised when stock covers fewer days than this."),
    )
    overstock_days = models.PositiveIntegerField(
        _("overstock above (days of supply)"),
        help_text=_("An overstock alert is raised when stock covers more days than this."),
    )
    cover_days = models.PositiveIntegerField(
        _("target cover (days)"),
        help_text=_("The suggested replenishment brings stock up to this many days of sales."),
    )
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(editor_roles=SUPPLY_EDITORS, reader_roles=SUPPLY_READERS)

    class Meta:
        verbose_name = _("supply threshold")
        verbose_name_plural = _("supply thresholds")
        ordering = ["category__path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stock_out_days__lt=models.F("overstock_days")),
                name="supply_threshold_stock_out_below_overstock",
            ),
            models.CheckConstraint(condition=Q(cover_days__gt=0), name="supply_cover_positive"),
        ]

    def __str__(self) -> str:
        return str(self.category)

    def get_absolute_url(self) -> str:
        return reverse("supply:threshold_list")


class SupplyCheck(models.Model):
    """One run of the supply rules: as of a day, with the settings it judged by."""

    as_of = models.DateField(_("as of"))
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    trigger = models.CharField(_("started by"), max_length=20, choices=CheckTrigger.choices)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    review_run = models.ForeignKey(
        "analytics.ReviewRun",
        verbose_name=_("review"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # the fact whose file (committed or reverted) started it
    fact = models.CharField(_("after a change of"), max_length=30, blank=True)
    # thresholds (default and per category), the demand window, the snapshot age limit
    parameters = models.JSONField(_("parameters"), default=dict)
    # the month forecast, each family's alpha, and the backtest of the month before
    forecast = models.JSONField(_("forecast"), default=dict)
    counts = models.JSONField(_("counts"), default=dict)
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(internal=True, reader_roles=SUPPLY_READERS)

    class Meta:
        verbose_name = _("supply check")
        verbose_name_plural = _("supply checks")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.as_of:%Y-%m-%d} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("supply:check_detail", args=[self.pk])


class SupplyPosition(models.Model):
    """One partner × product family as a check found it."""

    check_run = models.ForeignKey(
        SupplyCheck, verbose_name=_("check"), on_delete=models.CASCADE, related_name="positions"
    )
    partner = models.ForeignKey(
        "partners.Partner", verbose_name=_("partner"), on_delete=models.CASCADE, related_name="+"
    )
    category = models.ForeignKey(
        "catalog.Category",
        verbose_name=_("product family"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    snapshot_date = models.DateField(_("stock counted on"))
    on_hand = models.DecimalField(_("on hand"), max_digits=18, decimal_places=4)
    sold = models.DecimalField(
        _("sold in the 90 days to the count"), max_digits=18, decimal_places=4
    )
    daily = models.DecimalField(_("sold per day"), max_digits=18, decimal_places=4)
    days_of_supply = models.DecimalField(
        _("days of supply"), max_digits=12, decimal_places=1, null=True, blank=True
    )
    forecast = models.DecimalField(
        _("next month's forecast"), max_digits=18, decimal_places=1, default=0
    )
    suggested = models.DecimalField(_("suggested replenishment"), max_digits=18, decimal_places=0)
    status = models.CharField(_("status"), max_length=20, choices=PositionStatus.choices)
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_field="partner", reader_roles=SUPPLY_READERS)

    class Meta:
        verbose_name = _("supply position")
        verbose_name_plural = _("supply positions")
        ordering = ["partner__code", "category__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["check_run", "partner", "category"], name="supply_position_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.category_id}"


class SupplyAlert(models.Model):
    """A family out of stock (or over-stocked) at a partner: raised once while it holds,
    cleared by the first check that no longer finds it; people acknowledge what they saw."""

    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        related_name="supply_alerts",
    )
    category = models.ForeignKey(
        "catalog.Category",
        verbose_name=_("product family"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(_("alert"), max_length=20, choices=SupplyAlertKind.choices)
    raised_by = models.ForeignKey(
        SupplyCheck,
        verbose_name=_("raised by check"),
        on_delete=models.PROTECT,
        related_name="alerts_raised",
    )
    cleared_by = models.ForeignKey(
        SupplyCheck,
        verbose_name=_("cleared by check"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alerts_cleared",
    )
    raised_at = models.DateTimeField(_("raised at"))
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    # the figures of the latest check that found it (updated while it is open)
    snapshot_date = models.DateField(_("stock counted on"))
    on_hand = models.DecimalField(_("on hand"), max_digits=18, decimal_places=4)
    daily = models.DecimalField(_("sold per day"), max_digits=18, decimal_places=4)
    days_of_supply = models.DecimalField(
        _("days of supply"), max_digits=12, decimal_places=1, null=True, blank=True
    )
    threshold_days = models.PositiveIntegerField(_("threshold (days)"))
    forecast = models.DecimalField(
        _("next month's forecast"), max_digits=18, decimal_places=1, default=0
    )
    suggested = models.DecimalField(_("suggested replenishment"), max_digits=18, decimal_places=0)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(
        partner_field="partner", editor_roles=SUPPLY_EDITORS, reader_roles=SUPPLY_READERS
    )

    class Meta:
        verbose_name = _("supply alert")
        verbose_name_plural = _("supply alerts")
        ordering = ["-raised_at", "partner__code", "category__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "category", "kind"],
                condition=Q(cleared_at__isnull=True),
                name="supply_alert_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.category_id} {self.kind}"

    def get_absolute_url(self) -> str:
        return reverse("supply:alert_detail", args=[self.pk])
