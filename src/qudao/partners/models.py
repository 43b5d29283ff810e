"""Partners (multi-tier), channel models, grades, territories, contacts and targets."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from qudao.core.choices import Role
from qudao.core.models import BilingualNamed, TimeStampedModel, TreeNode
from qudao.core.permissions import AccessPolicy
from qudao.core.querysets import RestrictedQuerySet
from qudao.partners.choices import AgreementKind, AgreementState, PartnerStatus

DIRECTOR_AND_MANAGER = frozenset({Role.CHANNEL_DIRECTOR, Role.CHANNEL_MANAGER})


class ChannelModel(BilingualNamed, TimeStampedModel):
    """How a partner sells: direct, distributor, agent, reseller, e-commerce, store, solution."""

    code = models.CharField(_("code"), max_length=50, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    reports_sell_through = models.BooleanField(
        _("must report sell-through"),
        default=False,
        help_text=_(
            "Partners of this model send their sell-through (流向) every month; the "
            "missing sell-through rule watches them. A partner may say otherwise."
        ),
    )
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_visible=True)

    class Meta:
        verbose_name = _("channel model")
        verbose_name_plural = _("channel models")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Grade(BilingualNamed, TimeStampedModel):
    """A partner grade (e.g. A/B/C/D or 铂金/金/银/注册); ``rank`` 1 is the best."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    rank = models.PositiveSmallIntegerField(_("rank"), default=1)
    benefits = models.TextField(_("benefits"), blank=True)
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_visible=True)

    class Meta:
        verbose_name = _("grade")
        verbose_name_plural = _("grades")
        ordering = ["rank", "code"]

    def __str__(self) -> str:
        return self.name


class Partner(BilingualNamed, TreeNode, TimeStampedModel):
    """A company the brand sells through. ``parent`` makes the tiers; ``depth`` is its level."""

    code = models.CharField(_("code"), max_length=50, unique=True)
    channel_model = models.ForeignKey(
        ChannelModel, verbose_name=_("channel model"), on_delete=models.PROTECT
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent partner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    grade = models.ForeignKey(
        Grade, verbose_name=_("grade"), on_delete=models.PROTECT, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=PartnerStatus.choices, default=PartnerStatus.PROSPECT
    )
    home_region = models.ForeignKey(
        "territories.Region",
        verbose_name=_("home region"),
        on_delete=models.PROTECT,
        related_name="home_partners",
    )
    segments = models.ManyToManyField(
        "territories.Segment", verbose_name=_("segments"), blank=True, related_name="partners"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_partners",
    )
    credit_limit = models.DecimalField(
        _("credit limit"),
        max_digits=16,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True)
    # None: as its channel model says (ChannelModel.reports_sell_through)
    reports_sell_through = models.BooleanField(
        _("must report sell-through"),
        null=True,
        blank=True,
        help_text=_("Empty: as its channel model says."),
    )
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords(excluded_fields=["path", "depth"])
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_field="", editor_roles=DIRECTOR_AND_MANAGER)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_limit__gte=0), name="partner_credit_limit_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(terminated_on__isnull=True)
                | Q(joined_on__isnull=True)
                | Q(terminated_on__gte=F("joined_on")),
                name="partner_terminated_after_joined",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def get_absolute_url(self) -> str:
        return reverse("partners:partner_detail", args=[self.pk])


class PartnerTerritory(TimeStampedModel):
    """A region a partner is authorised to sell in, exclusively or not, for a period."""

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="territories"
    )
    region = models.ForeignKey(
        "territories.Region", verbose_name=_("region"), on_delete=models.PROTECT
    )
    exclusive = models.BooleanField(_("exclusive"), default=False)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_field="partner", editor_roles=DIRECTOR_AND_MANAGER)

    class Meta:
        verbose_name = _("authorised territory")
        verbose_name_plural = _("authorised territories")
        ordering = ["partner_id", "valid_from", "region_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="partner_territory_valid_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner.code} → {self.region.code}"

    def get_absolute_url(self) -> str:
        return self.partner.get_absolute_url() + "?tab=territories"


class Contact(TimeStampedModel):
    """A person at a partner."""

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("title"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    wechat = models.CharField(_("WeChat"), max_length=100, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    # a partner's admin keeps its own company's contacts (and its sub-partners')
    access_policy = AccessPolicy(
        partner_field="partner",
        editor_roles=DIRECTOR_AND_MANAGER,
        partner_editor_roles=frozenset({Role.PARTNER_ADMIN}),
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["partner_id", "-is_primary", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return self.partner.get_absolute_url() + "?tab=contacts"


class Target(TimeStampedModel):
    """What a partner should sell in a period (month, quarter or year), optionally per category."""

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="targets"
    )
    period = models.CharField(_("period"), max_length=10, help_text=_("2020, 2020Q1 or 2020-03"))
    period_start = models.DateField(_("period start"), editable=False)
    period_end = models.DateField(_("period end"), editable=False)
    category = models.ForeignKey(
        "catalog.Category",
        verbose_name=_("product category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    amount = models.DecimalField(
        _("target amount"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    quantity = models.DecimalField(
        _("target quantity"), max_digits=18, decimal_places=3, null=True, blank=True
    )
    basis = models.CharField(
        _("basis"),
        max_length=200,
        blank=True,
        help_text=_("How the target was set, e.g. “demo target: prior-year quarter × 1.10”."),
    )
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_field="partner", editor_roles=DIRECTOR_AND_MANAGER)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["partner_id", "period_start", "period", "category_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "period", "category"],
                condition=Q(category__isnull=False),
                name="target_unique_partner_period_category",
            ),
            models.UniqueConstraint(
                fields=["partner", "period"],
                condition=Q(category__isnull=True),
                name="target_unique_partner_period_all_categories",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=False) | Q(quantity__isnull=False),
                name="target_has_amount_or_quantity",
            ),
            models.CheckConstraint(
                condition=(Q(amount__isnull=True) | Q(amount__gte=0))
                & (Q(quantity__isnull=True) | Q(quantity__gte=0)),
                name="target_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner.code} {self.period}"

    def get_absolute_url(self) -> str:
        return reverse("partners:target_list") + f"?q={self.partner.code}"


def _default_remind_days() -> int:
    return int(str(settings.QUDAO.get("AGREEMENT_REMIND_DAYS", 60)))


class Agreement(TimeStampedModel):
    """A partner's contract: its kind, terms (territories, a yearly target, the rebate
    programs it grants, payment terms), when it runs and its signed files. Renewing makes
    the next version of the same agreement (``previous``); only the newest version of an
    agreement is reminded about and can lapse."""

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="agreements"
    )
    number = models.CharField(_("agreement number"), max_length=60)
    version = models.PositiveSmallIntegerField(_("version"), default=1, editable=False)
    previous = models.OneToOneField(
        "self",
        verbose_name=_("renews"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="renewal",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AgreementKind.choices)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    territories = models.ManyToManyField(
        "territories.Region", verbose_name=_("territories"), blank=True, related_name="+"
    )
    yearly_target = models.DecimalField(
        _("yearly target"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    rebate_programs = models.CharField(
        _("rebate programs"),
        max_length=300,
        blank=True,
        help_text=_("The codes of the rebate programs it grants, separated by commas."),
    )
    payment_terms = models.CharField(
        _("payment terms"), max_length=200, blank=True, help_text=_("e.g. “30 days net”.")
    )
    other_terms = models.TextField(_("other terms"), blank=True)
    remind_days = models.PositiveSmallIntegerField(
        _("remind days before"),
        default=_default_remind_days,
        validators=[MaxValueValidator(366)],
        help_text=_("How many days before it ends a reminder is raised."),
    )
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_field="partner", editor_roles=DIRECTOR_AND_MANAGER)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["partner_id", "number", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "number", "version"], name="agreement_unique_version"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="agreement_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("partners:agreement_detail", args=[self.pk])

    def state_on(self, day: date) -> str:
        """Renewed (a newer version took over), not yet started, valid, expiring (inside
        the reminder window) or expired on ``day``."""
        if getattr(self, "renewal", None) is not None:
            return AgreementState.RENEWED
        if day < self.starts_on:
            return AgreementState.UPCOMING
        if day > self.ends_on:
            return AgreementState.EXPIRED
        if day >= self.ends_on - timedelta(days=self.remind_days):
            return AgreementState.EXPIRING
        return AgreementState.VALID


def _agreement_file_path(instance: AgreementFile, filename: str) -> str:
    return f"agreements/{instance.agreement_id}/{filename}"


class AgreementFile(models.Model):
    """A signed copy of an agreement (a scan, the PDF both sides signed)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("file"), upload_to=_agreement_file_path, max_length=300)
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size"), default=0)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(
        partner_field="agreement__partner", editor_roles=DIRECTOR_AND_MANAGER
    )

    class Meta:
        verbose_name = _("signed file")
        verbose_name_plural = _("signed files")
        ordering = ["agreement_id", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name
