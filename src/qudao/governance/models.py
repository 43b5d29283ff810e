"""Risk flags the review raises, and the improvement plans people run on them.

A flag carries its evidence (the numbers, period by period). It proposes an improvement
plan; a plan that fails proposes termination; a channel director decides.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import uuid4

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from qudao.core.choices import Role
from qudao.core.models import TimeStampedModel
from qudao.core.permissions import AccessPolicy
from qudao.core.querysets import RestrictedQuerySet
from qudao.facts.schemas import FACTS

REVIEWERS = frozenset({Role.CHANNEL_DIRECTOR, Role.CHANNEL_MANAGER})


class RiskRuleSetting(TimeStampedModel):
    """Whether a rule runs with the review, and its parameters (else the rule's defaults)."""

    rule = models.CharField(_("rule"), max_length=50, unique=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(editor_roles=frozenset({Role.CHANNEL_DIRECTOR}))

    class Meta:
        verbose_name = _("risk rule")
        verbose_name_plural = _("risk rules")
        ordering = ["rule"]

    def __str__(self) -> str:
        return self.rule


class FlagStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PLAN = "in_plan", _("In a plan")
    CLEARED = "cleared", _("Cleared")
    SUPERSEDED = "superseded", _("Superseded")


class RiskFlagQuerySet(RestrictedQuerySet):
    def standing(self) -> RiskFlagQuerySet:
        """Flags that still speak of the partner: all but those a later run superseded."""
        return self.exclude(status=FlagStatus.SUPERSEDED)


class RiskFlag(TimeStampedModel):
    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        related_name="risk_flags",
    )
    period = models.CharField(_("period"), max_length=10, db_index=True)
    rule = models.CharField(_("rule"), max_length=50)
    run = models.ForeignKey(
        "analytics.ReviewRun", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    evidence = models.JSONField(_("evidence"), default=list)
    status = models.CharField(
        _("status"), max_length=20, choices=FlagStatus.choices, default=FlagStatus.OPEN
    )
    plan = models.ForeignKey(
        "governance.ImprovementPlan",
        verbose_name=_("improvement plan"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="flags",
    )
    objects = RiskFlagQuerySet.as_manager()
    access_policy = AccessPolicy(partner_field="partner", editor_roles=REVIEWERS, internal=True)

    class Meta:
        verbose_name = _("risk flag")
        verbose_name_plural = _("risk flags")
        ordering = ["-period", "partner_id", "rule"]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.rule} {self.period}"

    @property
    def rule_definition(self):  # type: ignore[no-untyped-def]
        from qudao.governance.rules import RULE_BY_ID  # deferred: the rules load Ibis

        return RULE_BY_ID.get(self.rule)


class RunAtRisk(models.Model):
    """A partner the review found at risk: when the run's rule step ran, the partner had an
    open or planned flag for the run's period. Kept per run, so a run's scorecards keep
    saying what that review said, whatever happens to the flags afterwards; the scorecard
    pages, API and export join it in as ``at_risk`` (``analytics.contributions``)."""

    run = models.ForeignKey("analytics.ReviewRun", on_delete=models.CASCADE, related_name="+")
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+")
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_field="partner", internal=True)

    class Meta:
        verbose_name = _("partner at risk in a review")
        verbose_name_plural = _("partners at risk in a review")
        constraints = [
            models.UniqueConstraint(fields=["run", "partner"], name="governance_run_at_risk_once")
        ]

    def __str__(self) -> str:
        return f"{self.partner_id}@{self.run_id}"


class ViolationType(models.TextChoices):
    CROSS_REGION_SALE = "cross_region_sale", _("Cross-region sale")
    CROSS_REGION_CODE = "cross_region_code", _("Code scanned outside the territory")
    CLONED_CODE = "cloned_code", _("Cloned code")
    CROSS_REGION_SHIP = "cross_region_ship", _("Shipped outside the territory")
    BELOW_FLOOR = "below_floor", _("Below the floor price")
    CHANNEL_STUFFING = "channel_stuffing", _("Channel stuffing")


class ViolationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    INVESTIGATING = "investigating", _("Investigating")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")
    CLOSED = "closed", _("Closed")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class DetectionRun(TimeStampedModel):
    """One run of the detectors over a period — on demand, or as a step of a review — with
    what it read and what it could not judge (lines with no region, no price in force)."""

    period = models.CharField(_("period"), max_length=10)
    engine = models.CharField(_("engine"), max_length=20)
    review_run = models.ForeignKey(
        "analytics.ReviewRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    parameters = models.JSONField(_("parameters"), default=dict)
    row_counts = models.JSONField(_("row counts"), default=dict)
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(editor_roles=REVIEWERS)

    class Meta:
        verbose_name = _("detection run")
        verbose_name_plural = _("detection runs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.period} #{self.pk}"


class Violation(TimeStampedModel):
    """One kind of violation by one partner against one injured partner (or none) in one
    quarter, with its evidence. Its identity is stable: detecting again adds to it, never
    duplicates it; when every piece of its evidence is withdrawn (a batch reverted), it
    closes."""

    identity = models.CharField(max_length=200, unique=True, editable=False)
    type = models.CharField(_("type"), max_length=30, choices=ViolationType.choices)
    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        related_name="violations",
    )
    injured_partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("injured partner"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    period = models.CharField(_("period"), max_length=10, db_index=True)
    quantity = models.DecimalField(_("quantity"), max_digits=20, decimal_places=4, default=0)
    value = models.DecimalField(_("value"), max_digits=24, decimal_places=2, null=True)
    evidence_count = models.IntegerField(_("evidence"), default=0)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ViolationStatus.choices, default=ViolationStatus.OPEN
    )
    # set by the detectors alone: a violation whose evidence was withdrawn
    closed_reason = models.TextField(_("reason closed"), blank=True)
    last_run = models.ForeignKey(
        DetectionRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    # why it was confirmed, dismissed or closed, in the decider's words
    decision_note = models.TextField(_("decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # kept when a confirmed violation is later closed: the at-risk rule counts it
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_field="partner", editor_roles=REVIEWERS)

    class Meta:
        verbose_name = _("violation")
        verbose_name_plural = _("violations")
        ordering = ["-period", "type", "partner_id"]

    def __str__(self) -> str:
        return f"{self.get_type_display()} · {self.period}"

    def get_absolute_url(self) -> str:
        return reverse("governance:violation_detail", args=[self.pk])

    @property
    def is_undecided(self) -> bool:
        return self.status in (ViolationStatus.OPEN, ViolationStatus.INVESTIGATING)


class ViolationEvidence(models.Model):
    """One fact row that shows a violation: the batch and the row of its file, and what the
    detector read there."""

    violation = models.ForeignKey(Violation, on_delete=models.CASCADE, related_name="evidence")
    fact = models.CharField(_("fact"), max_length=30)
    batch = models.ForeignKey("facts.Batch", on_delete=models.CASCADE, related_name="+")
    row = models.IntegerField(_("row"))
    day = models.DateField(_("date"))
    region = models.CharField(_("region"), max_length=50, blank=True)
    product = models.CharField(_("product"), max_length=50, blank=True)
    # a scan's product code and local time of day (its day is ``day``)
    code = models.CharField(_("code"), max_length=100, blank=True)
    time = models.TimeField(_("time"), null=True, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=20, decimal_places=4)
    value = models.DecimalField(_("value"), max_digits=24, decimal_places=2, null=True)
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_field="violation__partner", editor_roles=REVIEWERS)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["day", "batch_id", "row"]
        constraints = [
            models.UniqueConstraint(
                fields=["violation", "fact", "batch", "row"], name="governance_evidence_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.fact} {self.batch_id}:{self.row}"

    @property
    def fact_label(self) -> str:
        schema = FACTS.get(self.fact)
        return str(schema.label) if schema else self.fact


class PenaltyKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    FINE = "fine", _("Fine")
    REBATE_DEDUCTION = "rebate_deduction", _("Rebate deduction")
    GRADE_DOWNGRADE = "grade_downgrade", _("Grade downgrade")
    SUSPENSION = "suspension", _("Suspension")


class PenaltyStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Penalty(TimeStampedModel):
    """What confirming a violation costs the partner. A warning, a fine and a rebate
    deduction apply at once (the rebate settlement of ``period`` deducts ``amount``); a
    grade downgrade is a grade proposal, a suspension a proposal a director decides."""

    violation = models.ForeignKey(
        Violation, verbose_name=_("violation"), on_delete=models.CASCADE, related_name="penalties"
    )
    partner = models.ForeignKey(
        "partners.Partner", verbose_name=_("partner"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("penalty"), max_length=20, choices=PenaltyKind.choices)
    amount = models.DecimalField(
        _("amount"), max_digits=24, decimal_places=2, null=True, blank=True
    )
    period = models.CharField(_("period"), max_length=10, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=PenaltyStatus.choices)
    grade_proposal = models.ForeignKey(
        "analytics.GradeProposal",
        verbose_name=_("grade proposal"),
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
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(
        partner_field="partner", editor_roles=frozenset({Role.CHANNEL_DIRECTOR})
    )

    class Meta:
        verbose_name = _("penalty")
        verbose_name_plural = _("penalties")
        ordering = ["violation_id", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.violation}"

    @property
    def state(self) -> str:
        """Where it stands: a downgrade follows its grade proposal's decision."""
        if self.grade_proposal_id is not None:
            return str(self.grade_proposal.get_status_display())  # type: ignore[union-attr]
        return str(self.get_status_display())


def _attachment_path(comment: ViolationComment, filename: str) -> str:
    return f"violations/{comment.violation_id}/{uuid4().hex}/{filename[-100:]}"


class ViolationComment(models.Model):
    """A comment on a violation, perhaps with a file: the reviewers' notes (internal ones
    hidden from the partner) and the offender's answer — an appeal (申诉)."""

    violation = models.ForeignKey(
        Violation, verbose_name=_("violation"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    text = models.TextField(_("comment"))
    appeal = models.BooleanField(_("appeal"), default=False)
    internal = models.BooleanField(_("internal"), default=False)
    attachment = models.FileField(_("attachment"), upload_to=_attachment_path, blank=True)
    attachment_name = models.CharField(_("file name"), max_length=200, blank=True)
    attachment_size = models.PositiveIntegerField(_("file size"), null=True, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_field="violation__partner", editor_roles=REVIEWERS)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.violation_id}: {self.text[:40]}"


class PlanStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUCCEEDED = "succeeded", _("Succeeded")
    TERMINATION_PROPOSED = "termination_proposed", _("Failed: termination proposed")
    TERMINATED = "terminated", _("Partner terminated")
    KEPT = "kept", _("Failed: partner kept")


class ImprovementPlan(TimeStampedModel):
    partner = models.ForeignKey(
        "partners.Partner", verbose_name=_("partner"), on_delete=models.CASCADE
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="improvement_plans",
    )
    actions = models.TextField(_("actions"))
    due_date = models.DateField(_("due date"))
    follow_up_date = models.DateField(_("follow-up date"))
    status = models.CharField(
        _("status"), max_length=30, choices=PlanStatus.choices, default=PlanStatus.ACTIVE
    )
    outcome = models.TextField(_("outcome"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_field="partner", editor_roles=REVIEWERS, internal=True)

    class Meta:
        verbose_name = _("improvement plan")
        verbose_name_plural = _("improvement plans")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.partner_id} plan {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("governance:plan_detail", args=[self.pk])


# --- partner risk -----------------------------------------------------------------------


class ComplaintSource(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    PARTNER = "partner", _("Another partner")
    SALES = "sales", _("Our sales team")
    MARKET_CHECK = "market_check", _("Market check")
    OTHER = "other", _("Other")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("Open")
    INVESTIGATING = "investigating", _("Investigating")
    RESOLVED = "resolved", _("Resolved")
    DISMISSED = "dismissed", _("Dismissed")


class Complaint(TimeStampedModel):
    """A complaint about a partner (口碑): who raised it, when, how grave, and where it
    stands. Complaints that were not dismissed weigh on the partner's risk score."""

    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        related_name="complaints",
    )
    source = models.CharField(_("source"), max_length=20, choices=ComplaintSource.choices)
    received_on = models.DateField(_("received on"))
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    text = models.TextField(_("complaint"))
    status = models.CharField(
        _("status"), max_length=20, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN
    )
    resolution = models.TextField(_("resolution"), blank=True)
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_field="partner", editor_roles=REVIEWERS)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_on", "-pk"]

    def __str__(self) -> str:
        return str(_("Complaint %(id)s") % {"id": self.pk or ""})

    def get_absolute_url(self) -> str:
        return reverse("governance:complaint_edit", args=[self.pk])


class ComplianceKind(models.TextChoices):
    LICENCE = "licence", _("Licence")
    AGREEMENT = "agreement", _("Agreement")
    CERTIFICATE = "certificate", _("Certificate")
    OTHER = "other", _("Other")


class ComplianceState(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRING = "expiring", _("Expiring")
    EXPIRED = "expired", _("Expired")


class ComplianceItem(TimeStampedModel):
    """A licence or agreement a partner must hold, with the day it expires; a reminder
    is raised ``remind_days`` before."""

    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        related_name="compliance_items",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ComplianceKind.choices)
    name = models.CharField(_("name"), max_length=200)
    reference = models.CharField(_("reference number"), max_length=100, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    remind_days = models.PositiveSmallIntegerField(
        _("remind days before"),
        default=30,
        validators=[MaxValueValidator(366)],
        help_text=_("How many days before the expiry a reminder is raised."),
    )
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_field="partner", editor_roles=REVIEWERS)

    class Meta:
        verbose_name = _("compliance item")
        verbose_name_plural = _("compliance items")
        ordering = ["expires_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(expires_on__isnull=True)
                | models.Q(expires_on__gte=models.F("valid_from")),
                name="compliance_expires_after_valid_from",
                violation_error_message=_("It cannot expire before it is valid."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("governance:compliance_edit", args=[self.pk])

    def state_on(self, day: date) -> ComplianceState:
        """Valid, expiring (inside the reminder window) or expired on ``day``."""
        if self.expires_on is None or day < self.expires_on - timedelta(days=self.remind_days):
            return ComplianceState.VALID
        return ComplianceState.EXPIRING if day <= self.expires_on else ComplianceState.EXPIRED


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class RiskProfile(models.Model):
    """A partner's risk on a day: what it owes against its credit limit, how overdue,
    complaints, compliance and confirmed violations, and the score they add up to (each
    component's points kept, so the score explains itself). Refreshed by
    ``qudao governance risk`` and whenever one of its records changes."""

    partner = models.OneToOneField(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        related_name="risk_profile",
    )
    as_of = models.DateField(_("as of"))
    computed_at = models.DateTimeField(_("computed at"))
    receivables_as_of = models.DateField(_("receivables as of"), null=True, blank=True)
    credit_limit = models.DecimalField(_("credit limit"), max_digits=24, decimal_places=2)
    exposure = models.DecimalField(
        _("credit exposure"), max_digits=24, decimal_places=2, null=True, blank=True
    )
    current = models.DecimalField(
        _("not yet due"), max_digits=24, decimal_places=2, null=True, blank=True
    )
    overdue_1_30 = models.DecimalField(
        _("1–30 days overdue"), max_digits=24, decimal_places=2, null=True, blank=True
    )
    overdue_31_60 = models.DecimalField(
        _("31–60 days overdue"), max_digits=24, decimal_places=2, null=True, blank=True
    )
    overdue_61_90 = models.DecimalField(
        _("61–90 days overdue"), max_digits=24, decimal_places=2, null=True, blank=True
    )
    overdue_over_90 = models.DecimalField(
        _("over 90 days overdue"), max_digits=24, decimal_places=2, null=True, blank=True
    )
    complaints = models.PositiveIntegerField(_("complaints"), default=0)
    compliance_expiring = models.PositiveIntegerField(_("expiring"), default=0)
    compliance_expired = models.PositiveIntegerField(_("expired"), default=0)
    confirmed_violations = models.PositiveIntegerField(_("confirmed violations"), default=0)
    components = models.JSONField(_("score components"), default=dict)
    score = models.DecimalField(_("risk score"), max_digits=5, decimal_places=1)
    level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices)
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_field="partner", editor_roles=REVIEWERS, internal=True)

    class Meta:
        verbose_name = _("risk profile")
        verbose_name_plural = _("risk profiles")
        ordering = ["-score", "partner_id"]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.score}"

    @property
    def utilisation(self) -> Decimal | None:
        """Exposure ÷ credit limit; None without a limit or without receivables."""
        if self.exposure is None or not self.credit_limit:
            return None
        return self.exposure / self.credit_limit


class AlertKind(models.TextChoices):
    SCORE_HIGH = "score_high", _("High risk score")
    CREDIT_OVER_LIMIT = "credit_over_limit", _("Over the credit limit")
    OVERDUE_OVER_90 = "overdue_over_90", _("Receivables over 90 days overdue")
    COMPLAINT_HIGH = "complaint_high", _("Grave complaint")
    COMPLIANCE_EXPIRING = "compliance_expiring", _("Expiring soon")
    COMPLIANCE_EXPIRED = "compliance_expired", _("Expired")
    AGREEMENT_EXPIRING = "agreement_expiring", _("Agreement ends soon")
    AGREEMENT_EXPIRED = "agreement_expired", _("Agreement lapsed")
    TRAINING_MISSED = "training_missed", _("Mandatory training refused or missed")
    CERTIFICATE_EXPIRING = "certificate_expiring", _("Certificate runs out soon")


class RiskAlert(models.Model):
    """A threshold a partner crossed. Raised once while the condition holds (one open
    alert per partner, kind and subject — a complaint or compliance item), cleared when
    it no longer does; people acknowledge what they have seen."""

    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        related_name="risk_alerts",
    )
    kind = models.CharField(_("alert"), max_length=30, choices=AlertKind.choices)
    # the complaint or compliance item it is about; 0 for the partner as a whole
    subject = models.PositiveIntegerField(_("subject"), default=0)
    detail = models.JSONField(_("detail"), default=dict)
    raised_at = models.DateTimeField(_("raised at"))
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
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
    access_policy = AccessPolicy(partner_field="partner", editor_roles=REVIEWERS, internal=True)

    class Meta:
        verbose_name = _("risk alert")
        verbose_name_plural = _("risk alerts")
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "kind", "subject"],
                condition=models.Q(cleared_at__isnull=True),
                name="risk_alert_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.kind}"
