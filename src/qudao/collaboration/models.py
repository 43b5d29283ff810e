"""Visits and communication with partners: activities (visits, calls, meetings, business
reviews, training) with their attendees and notes, the follow-up tasks they leave, and how
often each grade of partner should be visited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from qudao.core.models import TimeStampedModel
from qudao.core.permissions import AccessPolicy
from qudao.core.querysets import RestrictedQuerySet
from qudao.partners.models import DIRECTOR_AND_MANAGER


class ActivityKind(models.TextChoices):
    VISIT = "visit", _("Visit")
    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")
    BUSINESS_REVIEW = "business_review", _("Business review")
    TRAINING = "training", _("Training")


# What counts as seeing a partner for the visit-frequency rule (a call does not).
VISITING_KINDS = (ActivityKind.VISIT, ActivityKind.BUSINESS_REVIEW)


class Activity(TimeStampedModel):
    """One contact with a partner: when, what kind, who took part, what was said."""

    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        related_name="activities",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"),
        default=60,
        validators=[MinValueValidator(5), MaxValueValidator(24 * 60)],
    )
    location = models.CharField(_("location"), max_length=200, blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff attending"),
        blank=True,
        related_name="activities_attended",
    )
    contacts = models.ManyToManyField(
        "partners.Contact",
        verbose_name=_("partner contacts attending"),
        blank=True,
        related_name="activities",
    )
    notes = models.TextField(_("notes"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities_owned",
    )
    shared_with_partner = models.BooleanField(
        _("shared with the partner"),
        default=False,
        help_text=_("The partner's own users see it (not its follow-ups)."),
    )
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(
        partner_field="partner",
        editor_roles=DIRECTOR_AND_MANAGER,
        partner_shared_q=lambda user: Q(shared_with_partner=True),
    )

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["partner", "kind", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("collaboration:activity_detail", args=[self.pk])

    @property
    def ends_at(self) -> Any:
        return self.starts_at + timedelta(minutes=self.minutes)


class FollowUp(TimeStampedModel):
    """A task an activity left: who does what by when; done when it is done."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    task = models.CharField(_("task"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    due_on = models.DateField(_("due on"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(
        partner_field="activity__partner", editor_roles=DIRECTOR_AND_MANAGER, internal=True
    )

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.task

    def get_absolute_url(self) -> str:
        return self.activity.get_absolute_url()


class VisitFrequency(models.Model):
    """How often a partner of a grade should be visited (a visit or business review);
    the rule without a grade is for the partners not graded yet."""

    grade = models.OneToOneField(
        "partners.Grade",
        verbose_name=_("grade"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="visit_frequency",
    )
    every_days = models.PositiveSmallIntegerField(
        _("every (days)"), validators=[MinValueValidator(1), MaxValueValidator(730)]
    )
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(internal=True, editor_roles=DIRECTOR_AND_MANAGER)

    class Meta:
        verbose_name = _("visit frequency")
        verbose_name_plural = _("visit frequencies")
        ordering = ["grade__rank"]
        constraints = [
            models.UniqueConstraint(
                models.Value(1),
                condition=Q(grade__isnull=True),
                name="visit_frequency_one_for_ungraded",
            )
        ]

    def __str__(self) -> str:
        return f"{self.grade or _('Ungraded')}: {self.every_days}"
