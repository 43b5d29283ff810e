"""Recruitment: applicants moving through the funnel, the entry-threshold models (准入门槛)
they are scored against, and every score kept on record."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from qudao.core.models import TimeStampedModel
from qudao.core.permissions import AccessPolicy, partner_subtree_q
from qudao.core.querysets import RestrictedQuerySet
from qudao.partners.models import DIRECTOR_AND_MANAGER
from qudao.recruitment.choices import CreditCheck, Source, Stage


def _manager_applicants_q(user: Any) -> Q:
    """A channel manager's applicants: those wanting a region the manager looks after, or
    owned by the manager."""
    clauses = Q(owner=user)
    for path in user.managed_regions.values_list("path", flat=True):
        clauses |= Q(home_region__path__startswith=path)
    return clauses


def _sponsored_q(user: Any) -> Q:
    """A partner's staff see the applicants their company (or a sub-partner) proposed."""
    return partner_subtree_q("sponsor", user.partner)


APPLICANT_POLICY = AccessPolicy(
    partner_visible=True,
    partner_q=_sponsored_q,
    manager_q=_manager_applicants_q,
    editor_roles=DIRECTOR_AND_MANAGER,
)


class Applicant(TimeStampedModel):
    """A company that wants to become a partner, from its application to signing or refusal."""

    company = models.CharField(_("company"), max_length=200)
    contact_name = models.CharField(_("contact person"), max_length=100)
    contact_title = models.CharField(_("contact's title"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact's phone"), max_length=50, blank=True)
    contact_email = models.EmailField(_("contact's e-mail"), blank=True)
    other_contacts = models.TextField(_("other contacts"), blank=True)
    channel_model = models.ForeignKey(
        "partners.ChannelModel", verbose_name=_("channel model"), on_delete=models.PROTECT
    )
    home_region = models.ForeignKey(
        "territories.Region",
        verbose_name=_("main region wanted"),
        on_delete=models.PROTECT,
        related_name="applicants",
    )
    regions = models.ManyToManyField(
        "territories.Region",
        verbose_name=_("other regions wanted"),
        blank=True,
        related_name="applicants_also",
    )
    registered_capital = models.DecimalField(
        _("registered capital"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    team_size = models.PositiveIntegerField(
        _("team size"), null=True, blank=True, validators=[MaxValueValidator(1_000_000)]
    )
    warehouse_area = models.DecimalField(
        _("warehouse area (m²)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    founded_year = models.PositiveSmallIntegerField(
        _("year founded"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1800), MaxValueValidator(2200)],
    )
    current_brands = models.TextField(_("brands carried now"), blank=True)
    competing_exclusive = models.BooleanField(
        _("exclusive with a competing brand"),
        default=False,
        help_text=_("Bound by an exclusive agreement with a competitor."),
    )
    sales_last_year = models.DecimalField(
        _("sales last year"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    message = models.TextField(_("message"), blank=True)
    # assessed by the brand during screening and due diligence
    brand_fit = models.PositiveSmallIntegerField(
        _("brand fit (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("The channel team's judgement of how the company fits the brand."),
    )
    credit_check = models.CharField(
        _("credit check"), max_length=10, choices=CreditCheck.choices, default=CreditCheck.UNKNOWN
    )
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.APPLIED
    )
    stage_since = models.DateTimeField(_("in this stage since"), default=timezone.now)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applicants",
    )
    sponsor = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("proposed by partner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sponsored_applicants",
        help_text=_("A partner recruiting the company as its own sub-partner."),
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    partner = models.OneToOneField(
        "partners.Partner",
        verbose_name=_("partner it became"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="application",
    )
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.STAFF
    )
    language = models.CharField(
        _("language"), max_length=10, blank=True, choices=settings.LANGUAGES
    )
    submitted_from = models.GenericIPAddressField(_("submitted from"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["submitted_from"])
    objects = RestrictedQuerySet.as_manager()
    access_policy = APPLICANT_POLICY

    class Meta:
        verbose_name = _("applicant")
        verbose_name_plural = _("applicants")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["submitted_from", "created_at"])]

    def __str__(self) -> str:
        return self.company

    def get_absolute_url(self) -> str:
        return reverse("recruitment:applicant_detail", args=[self.pk])


class StageChange(models.Model):
    """One step of an applicant through the funnel: the timeline, the time spent in each
    stage and the funnel's conversion are all read from these."""

    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(_("from"), max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("to"), max_length=20, choices=Stage.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(
        partner_visible=True,
        partner_q=lambda user: partner_subtree_q("applicant__sponsor", user.partner),
        manager_q=lambda user: Q(
            applicant__in=Applicant.objects.filter(_manager_applicants_q(user))
        ),
        editor_roles=DIRECTOR_AND_MANAGER,
    )

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["applicant_id", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.applicant_id}: {self.from_stage or '—'} → {self.to_stage}"


def _document_path(instance: ApplicantDocument, filename: str) -> str:
    return f"recruitment/{instance.applicant_id}/{filename}"


class ApplicantDocument(models.Model):
    """A file an applicant sent (business licence, financial statements…)."""

    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(_("file"), upload_to=_document_path, max_length=300)
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size"), default=0)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["applicant_id", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name


class EntryModel(models.Model):
    """One version of the entry thresholds (准入门槛) for a channel model: weighted criteria
    with scoring bands, hard knock-outs and the score that passes. Versions are never
    changed: saving the model makes the next version and re-scores the open applicants,
    whose earlier scores stay on record against the version that made them."""

    channel_model = models.ForeignKey(
        "partners.ChannelModel",
        verbose_name=_("channel model"),
        on_delete=models.PROTECT,
        related_name="entry_models",
    )
    version = models.PositiveIntegerField(_("version"))
    pass_score = models.DecimalField(
        _("pass score"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    # [{"measure": "team_size", "weight": "20", "bands": [["5", 50], ["20", 100]],
    #   "minimum": "3" | null}, ...] — see recruitment.scoring
    criteria = models.JSONField(_("criteria"), default=list)
    knock_out_competing_exclusive = models.BooleanField(
        _("knock out: exclusive with a competitor"), default=True
    )
    knock_out_failed_credit = models.BooleanField(_("knock out: failed credit check"), default=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(internal=True, editor_roles=DIRECTOR_AND_MANAGER)

    class Meta:
        verbose_name = _("entry threshold model")
        verbose_name_plural = _("entry threshold models")
        ordering = ["channel_model_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel_model", "version"], name="entry_model_unique_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel_model} v{self.version}"


class ApplicantScore(models.Model):
    """An applicant scored against one entry-model version: the total, pass or not, the
    knock-outs, and each criterion's value, points and contribution. Only the newest is
    ``current``; the rest are the record of how the applicant stood before."""

    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="scores")
    entry_model = models.ForeignKey(
        EntryModel, verbose_name=_("entry model"), on_delete=models.PROTECT, related_name="+"
    )
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    passed = models.BooleanField(_("passed"))
    knocked_out = models.BooleanField(_("knocked out"), default=False)
    # [{"measure", "value", "points", "weight", "contribution", "knock_out"}, ...]
    breakdown = models.JSONField(_("breakdown"), default=list)
    knock_outs = models.JSONField(_("knock-outs"), default=list)
    reason = models.CharField(_("why scored"), max_length=200, blank=True)
    scored_at = models.DateTimeField(_("scored at"), default=timezone.now)
    current = models.BooleanField(_("current"), default=True)
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(
        internal=True,
        manager_q=lambda user: Q(
            applicant__in=Applicant.objects.filter(_manager_applicants_q(user))
        ),
        editor_roles=DIRECTOR_AND_MANAGER,
    )

    class Meta:
        verbose_name = _("applicant score")
        verbose_name_plural = _("applicant scores")
        ordering = ["applicant_id", "-scored_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant"], condition=Q(current=True), name="applicant_one_current_score"
            )
        ]

    def __str__(self) -> str:
        return f"{self.applicant_id}: {self.score}"


# --- pilots -------------------------------------------------------------------------------------


class PilotStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    RUNNING = "running", _("Running")
    DECIDED = "decided", _("Decided")


class PilotDecision(models.TextChoices):
    GO = "go", _("Go: roll it out")
    EXTEND = "extend", _("Extend the pilot")
    STOP = "stop", _("Stop")


class Pilot(TimeStampedModel):
    """A trial of a channel, a model or a policy with some partners in some regions over a
    window, measured against goals and against a control group of comparable partners."""

    code = models.CharField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    hypothesis = models.TextField(_("what it tries, and what should follow"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    regions = models.ManyToManyField(
        "territories.Region", verbose_name=_("regions"), blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=PilotStatus.choices, default=PilotStatus.PLANNED
    )
    decision = models.CharField(
        _("decision"), max_length=20, choices=PilotDecision.choices, blank=True
    )
    decision_note = models.TextField(_("why"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(internal=True, editor_roles=DIRECTOR_AND_MANAGER)

    class Meta:
        verbose_name = _("pilot")
        verbose_name_plural = _("pilots")
        ordering = ["-starts_on", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="pilot_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("recruitment:pilot_detail", args=[self.pk])


class PilotGroup(models.TextChoices):
    PILOT = "pilot", _("Pilot")
    CONTROL = "control", _("Control")


class PilotMember(models.Model):
    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="members")
    partner = models.ForeignKey(
        "partners.Partner", verbose_name=_("partner"), on_delete=models.CASCADE, related_name="+"
    )
    group = models.CharField(_("group"), max_length=10, choices=PilotGroup.choices)

    class Meta:
        verbose_name = _("pilot member")
        verbose_name_plural = _("pilot members")
        ordering = ["pilot_id", "group", "partner__code"]
        constraints = [
            models.UniqueConstraint(fields=["pilot", "partner"], name="pilot_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.pilot.code}: {self.partner.code} ({self.group})"


class PilotGoal(models.Model):
    """A KPI target for the pilot partners, per period (their average)."""

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="goals")
    kpi = models.CharField(_("KPI"), max_length=50)
    target = models.DecimalField(_("target"), max_digits=24, decimal_places=6)

    class Meta:
        verbose_name = _("pilot goal")
        verbose_name_plural = _("pilot goals")
        ordering = ["pilot_id", "pk"]
        constraints = [models.UniqueConstraint(fields=["pilot", "kpi"], name="pilot_goal_once")]

    def __str__(self) -> str:
        return f"{self.pilot.code}: {self.kpi} {self.target}"
