"""Visits and communication with partners: activities (visits, calls, meetings, business
reviews, training) with their attendees and notes, the follow-up tasks they leave, and how
often each grade of partner should be visited."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from qudao.core.choices import Role
from qudao.core.models import BilingualNamed, TimeStampedModel
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


# --- training and certification ---------------------------------------------------------------


class Course(BilingualNamed, TimeStampedModel):
    """A training course for partners' people; one that certifies gives a certificate
    valid for ``valid_months`` to those who complete it."""

    code = models.CharField(_("code"), max_length=50, unique=True)
    description = models.TextField(_("description"), blank=True)
    mandatory = models.BooleanField(
        _("mandatory"),
        default=False,
        help_text=_("Refusing it or missing it counts against the partner (an at-risk alert)."),
    )
    certifies = models.BooleanField(_("gives a certificate"), default=False)
    valid_months = models.PositiveSmallIntegerField(
        _("certificate valid (months)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    links = models.TextField(
        _("links to materials"), blank=True, help_text=_("One address per line.")
    )
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_visible=True, editor_roles=DIRECTOR_AND_MANAGER)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def get_absolute_url(self) -> str:
        return reverse("collaboration:course_detail", args=[self.pk])

    @property
    def link_list(self) -> list[str]:
        return [line.strip() for line in self.links.splitlines() if line.strip()]


def _material_path(instance: CourseMaterial, filename: str) -> str:
    return f"courses/{instance.course_id}/{filename}"


class CourseMaterial(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="materials")
    file = models.FileField(_("file"), upload_to=_material_path, max_length=300)
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size"), default=0)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_visible=True, editor_roles=DIRECTOR_AND_MANAGER)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["course_id", "name"]

    def __str__(self) -> str:
        return self.name


class TrainingSession(TimeStampedModel):
    """One run of a course: when, where, how many seats."""

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="sessions"
    )
    starts_at = models.DateTimeField(_("starts at"))
    location = models.CharField(
        _("location"), max_length=200, blank=True, help_text=_("A place, or a meeting link.")
    )
    seats = models.PositiveSmallIntegerField(
        _("seats"), default=30, validators=[MinValueValidator(1), MaxValueValidator(5000)]
    )
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_visible=True, editor_roles=DIRECTOR_AND_MANAGER)

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-starts_at", "pk"]

    def __str__(self) -> str:
        return f"{self.course.name} · {self.starts_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("collaboration:session_detail", args=[self.pk])


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    COMPLETED = "completed", _("Completed")
    MISSED = "missed", _("Missed")
    REFUSED = "refused", _("Refused")


class Enrolment(TimeStampedModel):
    """A partner's person in a session; completing a course that certifies makes them
    certified until ``certified_until``."""

    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="enrolments",
    )
    contact = models.ForeignKey(
        "partners.Contact",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="enrolments",
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=EnrolmentStatus.choices,
        default=EnrolmentStatus.ENROLLED,
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    certified_until = models.DateField(_("certified until"), null=True, blank=True)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("enrolled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(
        partner_field="contact__partner", editor_roles=DIRECTOR_AND_MANAGER
    )

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["session_id", "contact__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "contact"], name="enrolment_once_per_session"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact.name} · {self.session}"

    def get_absolute_url(self) -> str:
        return self.session.get_absolute_url()


class TrainingRequirement(models.Model):
    """What a grade needs: so many people certified in a course (e.g. grade A: two
    certified sales engineers)."""

    grade = models.ForeignKey(
        "partners.Grade", verbose_name=_("grade"), on_delete=models.CASCADE, related_name="+"
    )
    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="requirements"
    )
    people = models.PositiveSmallIntegerField(
        _("people certified"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(partner_visible=True, editor_roles=DIRECTOR_AND_MANAGER)

    class Meta:
        verbose_name = _("training requirement")
        verbose_name_plural = _("training requirements")
        ordering = ["grade__rank", "course__code"]
        constraints = [
            models.UniqueConstraint(fields=["grade", "course"], name="requirement_once_per_grade")
        ]

    def __str__(self) -> str:
        return f"{self.grade}: {self.people} × {self.course.code}"

    def get_absolute_url(self) -> str:
        return reverse("collaboration:requirement_list")


# --- competitor notes -------------------------------------------------------------------------

MARKET_WATCHERS = frozenset({Role.CHANNEL_DIRECTOR, Role.CHANNEL_MANAGER, Role.SALES})


class Competitor(BilingualNamed, TimeStampedModel):
    """A competing brand whose channel the team watches."""

    code = models.CharField(_("code"), max_length=50, unique=True)
    website = models.URLField(_("website"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(internal=True, editor_roles=MARKET_WATCHERS)

    class Meta:
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("collaboration:competitor_note_list") + f"?competitor={self.pk}"


class NoteKind(models.TextChoices):
    CHANNEL_POLICY = "channel_policy", _("Channel policy")
    PRICE = "price", _("Price observed")
    PROMOTION = "promotion", _("Promotion")
    PARTNER_MOVE = "partner_move", _("Partner won or lost")
    OTHER = "other", _("Other")


class CompetitorNote(TimeStampedModel):
    """What was seen of a competitor, where and when, and from what source: a channel
    policy (rebates, margins, exclusivity), a price in a shop, a promotion."""

    competitor = models.ForeignKey(
        Competitor,
        verbose_name=_("competitor"),
        on_delete=models.PROTECT,
        related_name="notes_seen",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NoteKind.choices)
    region = models.ForeignKey(
        "territories.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("seen at partner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="competitor_notes",
    )
    observed_on = models.DateField(_("observed on"))
    product = models.CharField(_("product or line"), max_length=200, blank=True)
    price = models.DecimalField(
        _("price"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    text = models.TextField(_("what was seen"))
    source = models.CharField(
        _("source"), max_length=300, help_text=_("Who or what: a store visit, a partner, a link.")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(internal=True, editor_roles=MARKET_WATCHERS)

    class Meta:
        verbose_name = _("competitor note")
        verbose_name_plural = _("competitor notes")
        ordering = ["-observed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.competitor.code} · {self.get_kind_display()} · {self.observed_on}"

    def get_absolute_url(self) -> str:
        return reverse("collaboration:competitor_note_edit", args=[self.pk])
