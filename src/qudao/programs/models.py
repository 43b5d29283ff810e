"""Rebate programs, their versions, and the settlements that turn them into money.

A program (its ``code``) has versions; a version is a ``Definition`` (``rules.py``) kept as
JSON beside the TOML it came from. A settlement is one run of ``qudao rebates settle P``:
a statement per partner, a line per (program, settlement period) — the current period's
and any earlier one whose money changed (returns restated into it, a void) — and the
penalties it deducts. Only approved statements count as paid.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import uuid4

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from qudao.core.choices import Role
from qudao.core.models import BilingualNamed, TimeStampedModel
from qudao.core.permissions import AccessPolicy
from qudao.core.querysets import RestrictedQuerySet
from qudao.programs.rules import Definition, parse_definition

PROGRAM_EDITORS = frozenset({Role.CHANNEL_DIRECTOR})
SETTLERS = frozenset({Role.CHANNEL_DIRECTOR, Role.FINANCE})


class ProgramKind(models.TextChoices):
    FLAT = "flat", _("Flat rate")
    FIXED = "fixed", _("Fixed amount")
    TARGET = "target", _("Target (all or nothing)")
    RETROACTIVE = "retroactive", _("Retroactive tiers")
    INCREMENTAL = "incremental", _("Incremental tiers")
    GROWTH = "growth", _("Growth")
    MIX = "mix", _("Product mix")
    PAYMENT = "payment", _("Payment speed")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Program(BilingualNamed, TimeStampedModel):
    code = models.CharField(_("code"), max_length=50, unique=True)
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(editor_roles=PROGRAM_EDITORS)

    class Meta:
        verbose_name = _("rebate program")
        verbose_name_plural = _("rebate programs")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("programs:program", args=[self.pk])


class ProgramVersion(TimeStampedModel):
    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=20, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ProgramKind.choices)
    settlement = models.CharField(_("settled by"), max_length=10)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    definition = models.JSONField(_("definition"))
    source = models.TextField(_("TOML"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(editor_roles=PROGRAM_EDITORS)

    class Meta:
        verbose_name = _("program version")
        verbose_name_plural = _("program versions")
        ordering = ["program__code", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["program", "number"], name="program_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.program.code} v{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("programs:version", args=[self.pk])

    @property
    def rules(self) -> Definition:
        return parse_definition(self.definition)


class SettlementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    SUPERSEDED = "superseded", _("Superseded")


class Settlement(TimeStampedModel):
    """One run of ``settle`` for a period, with what it read (the run that made the money)."""

    period = models.CharField(_("period"), max_length=10, db_index=True)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    status = models.CharField(
        _("status"), max_length=20, choices=SettlementStatus.choices, default=SettlementStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    engine = models.CharField(_("engine"), max_length=20, default="duckdb")
    parameters = models.JSONField(_("parameters"), default=dict)
    row_counts = models.JSONField(_("row counts"), default=dict)
    timings = models.JSONField(_("timings"), default=dict)
    total_payable = models.DecimalField(
        _("payable"), default=Decimal(0), max_digits=24, decimal_places=2
    )
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(editor_roles=SETTLERS, internal=True)

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.period} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("programs:settlement", args=[self.pk])


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class SettlementJob(TimeStampedModel):
    """A settlement asked for in the web, run by the background worker: what was asked, how
    far it got, and the settlement it made (or why it could not)."""

    period = models.CharField(_("period"), max_length=10)
    programs = models.JSONField(_("programs"), default=list, blank=True)  # [] = all in effect
    status = models.CharField(
        _("status"), max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    progress = models.FloatField(_("progress"), default=0)
    message = models.TextField(_("message"), blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)  # the asker's
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    settlement = models.ForeignKey(
        Settlement, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(editor_roles=SETTLERS, internal=True)

    class Meta:
        verbose_name = _("settlement job")
        verbose_name_plural = _("settlement jobs")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.period} #{self.pk}"

    @property
    def running(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)

    def get_absolute_url(self) -> str:
        return reverse("programs:settle_job", args=[self.pk])


class Statement(TimeStampedModel):
    """What one settlement pays (or debits) one partner; a draft until finance approves it."""

    settlement = models.ForeignKey(
        Settlement,
        verbose_name=_("settlement"),
        on_delete=models.CASCADE,
        related_name="statements",
    )
    partner = models.ForeignKey(
        "partners.Partner", verbose_name=_("partner"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=SettlementStatus.choices, default=SettlementStatus.DRAFT
    )
    lines_payable = models.DecimalField(
        _("rebates payable"), default=Decimal(0), max_digits=24, decimal_places=2
    )
    deductions = models.DecimalField(
        _("deductions"), default=Decimal(0), max_digits=24, decimal_places=2
    )
    carried_in = models.DecimalField(
        _("carried in"), default=Decimal(0), max_digits=24, decimal_places=2
    )
    payable = models.DecimalField(_("payable"), default=Decimal(0), max_digits=24, decimal_places=2)
    carried_out = models.DecimalField(
        _("carried forward"), default=Decimal(0), max_digits=24, decimal_places=2
    )
    document_no = models.CharField(_("document"), max_length=40, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_field="partner", editor_roles=SETTLERS)

    class Meta:
        verbose_name = _("rebate statement")
        verbose_name_plural = _("rebate statements")
        ordering = ["-settlement_id", "partner__code"]
        constraints = [
            models.UniqueConstraint(fields=["settlement", "partner"], name="statement_unique")
        ]

    def __str__(self) -> str:
        return f"{self.settlement.period} {self.partner.code}"

    def get_absolute_url(self) -> str:
        return reverse("programs:statement", args=[self.pk])


class LineKind(models.TextChoices):
    CURRENT = "current", _("This period")
    ADJUSTMENT = "adjustment", _("Prior-period adjustment")


class StatementLine(models.Model):
    """One (program, settlement period) on a statement: how the entitlement was made
    (``steps``) and what is paid now: round(entitlement) − already paid."""

    statement = models.ForeignKey(
        Statement, verbose_name=_("statement"), on_delete=models.CASCADE, related_name="lines"
    )
    version = models.ForeignKey(
        ProgramVersion, verbose_name=_("program"), on_delete=models.PROTECT, related_name="+"
    )
    program_code = models.CharField(_("program"), max_length=50, db_index=True)
    kind = models.CharField(_("line"), max_length=20, choices=LineKind.choices)
    period = models.CharField(_("settlement period"), max_length=10, db_index=True)
    period_start = models.DateField()
    period_end = models.DateField()
    through = models.DateField(_("to date"))  # the last day counted (interim: before the end)
    final = models.BooleanField(_("final"), default=False)
    base = models.DecimalField(_("base"), max_digits=28, decimal_places=4)
    base_last_year = models.DecimalField(
        _("base last year"), null=True, blank=True, max_digits=28, decimal_places=4
    )
    tier = models.PositiveSmallIntegerField(_("tier"), null=True, blank=True)
    rate = models.DecimalField(_("rate"), max_digits=20, decimal_places=8, null=True, blank=True)
    entitlement = models.DecimalField(_("entitlement"), max_digits=24, decimal_places=2)
    already_paid = models.DecimalField(_("already paid"), max_digits=24, decimal_places=2)
    payable = models.DecimalField(_("payable"), max_digits=24, decimal_places=2)
    voided = models.BooleanField(_("voided"), default=False)
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    steps = models.JSONField(_("how"), default=list)
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_field="statement__partner", editor_roles=SETTLERS)

    class Meta:
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        ordering = ["statement_id", "program_code", "kind", "period_start"]

    def __str__(self) -> str:
        return f"{self.program_code} {self.period} ({self.kind})"


class StatementDeduction(models.Model):
    """A penalty (rebate deduction) a statement takes off; once approved, never again."""

    statement = models.ForeignKey(
        Statement, on_delete=models.CASCADE, related_name="deduction_lines"
    )
    penalty = models.ForeignKey("governance.Penalty", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount"), max_digits=24, decimal_places=2)
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_field="statement__partner", editor_roles=SETTLERS)

    def __str__(self) -> str:
        return f"{self.penalty_id}: {self.amount}"


# --- market development funds (MDF) and expense claims -----------------------------------

MDF_DECIDERS = frozenset({Role.CHANNEL_DIRECTOR, Role.CHANNEL_MANAGER})


def _fund_for_partner(user: Any) -> Q:
    """The funds a partner may draw on: those for its channel model and grade (or any)."""
    partner = user.partner
    return (Q(channel_model__isnull=True) | Q(channel_model_id=partner.channel_model_id)) & (
        Q(grade__isnull=True) | Q(grade_id=partner.grade_id)
    )


class Fund(BilingualNamed, TimeStampedModel):
    """A market development fund (市场费用) for a period, for a channel model and/or grade
    (or every partner). Approved requests commit it, paid claims spend it; it is never
    overspent: committed + paid ≤ amount, checked under a lock at every approval."""

    code = models.CharField(_("code"), max_length=50, unique=True)
    period = models.CharField(_("period"), max_length=10, help_text=_("2020, 2020Q1 or 2020-03"))
    period_start = models.DateField(_("period start"), editable=False)
    period_end = models.DateField(_("period end"), editable=False)
    channel_model = models.ForeignKey(
        "partners.ChannelModel",
        verbose_name=_("channel model"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    grade = models.ForeignKey(
        "partners.Grade",
        verbose_name=_("grade"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    amount = models.DecimalField(_("amount"), max_digits=24, decimal_places=2)
    committed = models.DecimalField(
        _("committed"), max_digits=24, decimal_places=2, default=Decimal(0), editable=False
    )
    paid = models.DecimalField(
        _("paid"), max_digits=24, decimal_places=2, default=Decimal(0), editable=False
    )
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_visible=True, partner_q=_fund_for_partner)

    class Meta:
        verbose_name = _("market development fund")
        verbose_name_plural = _("market development funds")
        ordering = ["-period_start", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(committed__gte=0)
                & models.Q(paid__gte=0)
                & models.Q(amount__gte=models.F("committed") + models.F("paid")),
                name="fund_never_overspent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("programs:fund", args=[self.pk])

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.committed - self.paid


class MdfStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CLAIMED = "claimed", _("Claimed")
    PAID = "paid", _("Paid")


class MdfRequest(TimeStampedModel):
    """A partner's request for market development funds: the activity, its plan and budget;
    approved (with an amount) or rejected; then claimed with proof, and paid."""

    fund = models.ForeignKey(
        Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="requests"
    )
    partner = models.ForeignKey(
        "partners.Partner", verbose_name=_("partner"), on_delete=models.PROTECT, related_name="+"
    )
    activity = models.CharField(_("activity"), max_length=200)
    plan = models.TextField(_("plan"))
    budget = models.DecimalField(_("budget"), max_digits=24, decimal_places=2)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    status = models.CharField(
        _("status"), max_length=20, choices=MdfStatus.choices, default=MdfStatus.SUBMITTED
    )
    approved_amount = models.DecimalField(
        _("approved amount"), max_digits=24, decimal_places=2, null=True, blank=True
    )
    decision_note = models.TextField(_("decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_field="partner", editor_roles=MDF_DECIDERS)

    class Meta:
        verbose_name = _("MDF request")
        verbose_name_plural = _("MDF requests")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.partner.code} · {self.activity}"

    def get_absolute_url(self) -> str:
        return reverse("programs:mdf_request", args=[self.pk])


class MdfClaim(TimeStampedModel):
    """What an approved activity cost, with proof of performance; finance approves and pays."""

    request = models.ForeignKey(
        MdfRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="claims"
    )
    amount = models.DecimalField(_("amount claimed"), max_digits=24, decimal_places=2)
    description = models.TextField(_("what was done"))
    status = models.CharField(
        _("status"), max_length=20, choices=MdfStatus.choices, default=MdfStatus.SUBMITTED
    )
    approved_amount = models.DecimalField(
        _("approved amount"), max_digits=24, decimal_places=2, null=True, blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_field="request__partner", editor_roles=SETTLERS)

    class Meta:
        verbose_name = _("MDF claim")
        verbose_name_plural = _("MDF claims")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.request} · {self.amount}"


def _proof_path(proof: MdfProof, filename: str) -> str:
    return f"mdf/{proof.claim_id}/{uuid4().hex}/{filename[-100:]}"


class MdfProof(models.Model):
    """A file proving an activity took place (photos, invoices, attendance lists)."""

    claim = models.ForeignKey(MdfClaim, on_delete=models.CASCADE, related_name="proofs")
    file = models.FileField(_("file"), upload_to=_proof_path)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("file size"))
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_field="claim__request__partner", editor_roles=SETTLERS)

    def __str__(self) -> str:
        return self.name


class ExpenseCategory(models.TextChoices):
    TRAVEL = "travel", _("Travel")
    MEALS = "meals", _("Meals and entertainment")
    EVENT = "event", _("Events and training")
    SAMPLES = "samples", _("Samples and materials")
    OTHER = "other", _("Other")


class ExpenseStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    PAID = "paid", _("Paid")


def _receipt_path(claim: ExpenseClaim, filename: str) -> str:
    return f"expenses/{uuid4().hex}/{filename[-100:]}"


class ExpenseClaim(TimeStampedModel):
    """A channel staff member's expense (费用报销): submitted with its receipt, approved or
    rejected by finance or the channel director, then paid."""

    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("claimant"),
        on_delete=models.PROTECT,
        related_name="expense_claims",
    )
    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    category = models.CharField(_("category"), max_length=20, choices=ExpenseCategory.choices)
    spent_on = models.DateField(_("spent on"))
    amount = models.DecimalField(_("amount"), max_digits=24, decimal_places=2)
    description = models.TextField(_("description"))
    receipt = models.FileField(_("receipt"), upload_to=_receipt_path, blank=True)
    receipt_name = models.CharField(_("file name"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ExpenseStatus.choices, default=ExpenseStatus.SUBMITTED
    )
    decision_note = models.TextField(_("decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(internal=True, editor_roles=SETTLERS)

    class Meta:
        verbose_name = _("expense claim")
        verbose_name_plural = _("expense claims")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.claimant} · {self.amount} · {self.spent_on}"

    def get_absolute_url(self) -> str:
        return reverse("programs:expense", args=[self.pk])
