"""Review runs and their scorecards: the results people browse, compare and act on.

A run computes every KPI of every scored partner for one period. Re-running a period
supersedes the earlier run (its scorecards stay, for history); readers take the current
run's rows. A run records what it read and how, so each figure can be reproduced.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext
from simple_history.models import HistoricalRecords

from qudao.analytics.choices import Engine
from qudao.analytics.kpis import KPI_BY_ID, Unit
from qudao.core.choices import Role
from qudao.core.models import TimeStampedModel
from qudao.core.permissions import AccessPolicy
from qudao.core.querysets import RestrictedQuerySet
from qudao.facts.schemas import FACTS

REVIEWERS = frozenset({Role.CHANNEL_DIRECTOR, Role.CHANNEL_MANAGER})


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    CURRENT = "current", _("Current")
    SUPERSEDED = "superseded", _("Superseded")
    FAILED = "failed", _("Failed")


class ReviewRun(TimeStampedModel):
    period = models.CharField(_("period"), max_length=10, db_index=True)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    status = models.CharField(
        _("status"), max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    engine = models.CharField(_("engine"), max_length=10, choices=Engine.choices)
    kpi_version = models.CharField(_("KPI dictionary version"), max_length=20)
    parameters = models.JSONField(_("parameters"), default=dict)
    input_batches = models.JSONField(_("input batches"), default=dict)
    # Each master-data table the run read, by name: the digest of its snapshot
    # (analytics.inputs), so a re-run reads exactly the same.
    input_snapshots = models.JSONField(_("input snapshots"), default=dict)
    # How far each fact's data reached when the run read it: {fact: [first day, last day]}
    # (ISO dates), so a period the data covers only in part says so.
    data_span = models.JSONField(_("data span"), default=dict)
    rerun_of = models.ForeignKey(
        "self",
        verbose_name=_("re-run of"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reruns",
    )
    timings = models.JSONField(_("timings (s)"), default=dict)
    row_counts = models.JSONField(_("row counts"), default=dict)
    progress = models.FloatField(_("progress"), default=0)
    message = models.TextField(_("message"), blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)  # the starter's
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(editor_roles=REVIEWERS)

    class Meta:
        verbose_name = _("review run")
        verbose_name_plural = _("review runs")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.period} #{self.pk}"

    def coverage(self) -> list[FactCoverage]:
        """Each fact the run read with data, and how much of the period that data covers."""
        found = []
        for fact, (first, last) in sorted(self.data_span.items()):
            found.append(
                FactCoverage(
                    fact=fact,
                    first=date.fromisoformat(first),
                    last=date.fromisoformat(last),
                    period_start=self.period_start,
                    period_end=self.period_end,
                )
            )
        return found

    @property
    def partial_sell_in(self) -> FactCoverage | None:
        """The sell-in coverage where it covers the period only in part (revenue, growth
        and attainment then compare part of a period with whole ones)."""
        return next((c for c in self.coverage() if c.fact == "sell_in" and c.partial), None)

    @property
    def reproduce_command(self) -> str:
        return f"qudao review --rerun {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("analytics:run_detail", args=[self.pk])


@dataclass(frozen=True)
class FactCoverage:
    """How much of a reviewed period one fact's data covers."""

    fact: str
    first: date
    last: date
    period_start: date
    period_end: date

    @property
    def label(self) -> str:
        schema = FACTS.get(self.fact)
        return str(schema.label) if schema else self.fact

    @property
    def days_covered(self) -> int:
        start, end = max(self.first, self.period_start), min(self.last, self.period_end)
        return max(0, (end - start).days + 1)

    @property
    def days(self) -> int:
        return (self.period_end - self.period_start).days + 1

    @property
    def partial(self) -> bool:
        return 0 < self.days_covered < self.days


DEFAULT_WEIGHTS = {
    "revenue": 0.35,
    "target_attainment": 0.2,
    "revenue_growth_yoy": 0.15,
    "gross_margin_rate": 0.1,
    "sell_through_rate": 0.1,
    "churn_rate": 0.1,
}
DEFAULT_THRESHOLDS = [["A", 0.75], ["B", 0.5], ["C", 0.25], ["D", 0]]


class GradingModel(TimeStampedModel):
    """How the review scores partners and which grade a score earns.

    Each weighted KPI is turned into a percentile rank within the partner's channel model
    (1 = best, whichever direction is better); the score is the weighted mean of the ranks
    the partner has data for. A grade moves only after ``hysteresis_periods`` consecutive
    reviews computed the same new grade, and then only as a proposal a director decides.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_active = models.BooleanField(_("in use"), default=True)
    weights = models.JSONField(_("KPI weights"), default=dict)
    thresholds = models.JSONField(
        _("grade thresholds"),
        default=list,
        help_text=_('[grade code, lowest score] pairs, best grade first, e.g. [["A", 0.75], …]'),
    )
    hysteresis_periods = models.PositiveSmallIntegerField(
        _("periods before a grade moves"), default=2
    )
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(editor_roles=frozenset({Role.CHANNEL_DIRECTOR}))

    class Meta:
        verbose_name = _("grading model")
        verbose_name_plural = _("grading models")
        ordering = ["-is_active", "name"]

    @property
    def display_name(self) -> str:
        """The seeded model's name in the reader's language; a name people gave as given."""
        return str(pgettext("grading model", "Standard")) if self.name == "Standard" else self.name

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("analytics:grading")


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    # a newer proposal for the same partner (from a later period) replaced it
    SUPERSEDED = "superseded", _("Superseded")


class ProposalOrigin(models.TextChoices):
    REVIEW = "review", _("Review")
    # a grade downgrade as the penalty of a confirmed violation
    VIOLATION = "violation", _("Violation")


class GradeProposal(TimeStampedModel):
    """A grade change the review proposes; a channel director approves or rejects it."""

    partner = models.ForeignKey(
        "partners.Partner", verbose_name=_("partner"), on_delete=models.CASCADE
    )
    period = models.CharField(_("period"), max_length=10)
    # none for a penalty's downgrade (no review proposed it, no score behind it)
    run = models.ForeignKey(
        ReviewRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_grade = models.ForeignKey(
        "partners.Grade",
        verbose_name=_("current grade"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    to_grade = models.ForeignKey(
        "partners.Grade",
        verbose_name=_("proposed grade"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    score = models.DecimalField(_("score"), max_digits=8, decimal_places=6, null=True, blank=True)
    evidence = models.JSONField(_("evidence"), default=list)
    status = models.CharField(
        _("status"), max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
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
    # The review refreshes and supersedes its own proposals only; a penalty's stays.
    origin = models.CharField(
        _("origin"), max_length=20, choices=ProposalOrigin.choices, default=ProposalOrigin.REVIEW
    )
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(
        partner_field="partner", editor_roles=frozenset({Role.CHANNEL_DIRECTOR}), internal=True
    )

    class Meta:
        verbose_name = _("grade proposal")
        verbose_name_plural = _("grade proposals")
        ordering = ["-period", "partner_id"]

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.from_grade_id} → {self.to_grade_id} ({self.period})"


def kpi_field(kpi_id: str) -> Any:
    """The column of one KPI, sized by its unit: money to the cent, rates to 6 places."""
    kpi = KPI_BY_ID[kpi_id]
    label = kpi.name_en
    if kpi.unit is Unit.COUNT:
        return models.IntegerField(label, null=True, blank=True)
    places = {Unit.MONEY: 2, Unit.RATE: 6, Unit.QUANTITY: 4, Unit.DAYS: 1, Unit.TURNS: 2}[kpi.unit]
    return models.DecimalField(label, max_digits=24, decimal_places=places, null=True, blank=True)


class Scorecard(models.Model):
    """Every KPI of one partner for one period, as one run computed it. Null = no data."""

    run = models.ForeignKey(ReviewRun, on_delete=models.CASCADE, related_name="scorecards")
    partner = models.ForeignKey(
        "partners.Partner", verbose_name=_("partner"), on_delete=models.CASCADE
    )
    period = models.CharField(_("period"), max_length=10, db_index=True)
    channel_model = models.ForeignKey(
        "partners.ChannelModel",
        verbose_name=_("channel model"),
        on_delete=models.PROTECT,
        null=True,
    )
    region = models.ForeignKey(
        "territories.Region", verbose_name=_("region"), on_delete=models.PROTECT, null=True
    )
    is_current = models.BooleanField(default=True, db_index=True)
    target = models.DecimalField(_("target"), max_digits=24, decimal_places=2, null=True)
    # The revenue of the lines with a cost (their own, or the standard cost): the base of
    # the margin rate, so channel totals can be built from scorecards exactly.
    costed_revenue = models.DecimalField(
        _("revenue with a cost"), max_digits=24, decimal_places=2, null=True
    )
    # The sell-in of the same period a year earlier: the base of the year-on-year growth,
    # which cannot give it back when this period's revenue is 0.
    revenue_year_ago = models.DecimalField(
        _("revenue a year earlier"), max_digits=24, decimal_places=2, null=True
    )
    rank_in_channel_model = models.IntegerField(_("rank in channel model"), null=True)
    score = models.DecimalField(_("score"), max_digits=8, decimal_places=6, null=True)
    computed_grade = models.ForeignKey(
        "partners.Grade",
        verbose_name=_("computed grade"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    # The grade the partner held when the run reviewed it (the export's "grade").
    grade = models.ForeignKey(
        "partners.Grade",
        verbose_name=_("grade"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    revenue = kpi_field("revenue")
    quantity = kpi_field("quantity")
    gross_margin = kpi_field("gross_margin")
    gross_margin_rate = kpi_field("gross_margin_rate")
    revenue_growth_qoq = kpi_field("revenue_growth_qoq")
    revenue_growth_yoy = kpi_field("revenue_growth_yoy")
    target_attainment = kpi_field("target_attainment")
    channel_share = kpi_field("channel_share")
    sell_through_revenue = kpi_field("sell_through_revenue")
    sell_through_quantity = kpi_field("sell_through_quantity")
    sell_through_rate = kpi_field("sell_through_rate")
    active_customers = kpi_field("active_customers")
    new_customers = kpi_field("new_customers")
    churned_customers = kpi_field("churned_customers")
    churn_rate = kpi_field("churn_rate")
    marketing_spend = kpi_field("marketing_spend")
    customer_acquisition_cost = kpi_field("customer_acquisition_cost")
    inventory_on_hand = kpi_field("inventory_on_hand")
    days_of_supply = kpi_field("days_of_supply")
    inventory_turnover = kpi_field("inventory_turnover")
    overdue_ratio = kpi_field("overdue_ratio")
    sell_through_report_delay = kpi_field("sell_through_report_delay")
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_field="partner", editor_roles=REVIEWERS)

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        ordering = ["period", "rank_in_channel_model", "partner_id"]
        indexes = [models.Index(fields=["period", "is_current"])]
        constraints = [
            models.UniqueConstraint(fields=["run", "partner"], name="scorecard_unique_per_run")
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.period}"
