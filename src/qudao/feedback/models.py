"""What partners and the channel team tell the product team: defects, requests, price and
packaging remarks about a product or a category — triaged by the channel team, routed to
the product team, answered; the submitter sees the status and the answer."""

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


class FeedbackKind(models.TextChoices):
    DEFECT = "defect", _("Defect")
    REQUEST = "request", _("Request")
    PRICE = "price", _("Price")
    PACKAGING = "packaging", _("Packaging")


class FeedbackSeverity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class FeedbackStatus(models.TextChoices):
    NEW = "new", _("New")
    ROUTED = "routed", _("With the product team")
    ANSWERED = "answered", _("Answered")
    DECLINED = "declined", _("Declined")


# who writes feedback: the channel team and sales; the product team answers it
FEEDBACK_WRITERS = frozenset(
    {Role.CHANNEL_DIRECTOR, Role.CHANNEL_MANAGER, Role.SALES, Role.PRODUCT}
)


class Feedback(TimeStampedModel):
    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="feedback",
        help_text=_("The partner it comes from; empty for the channel team's own."),
    )
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    category = models.ForeignKey(
        "catalog.Category",
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("When it is about a whole category rather than one product."),
    )
    kind = models.CharField(_("type"), max_length=20, choices=FeedbackKind.choices)
    severity = models.CharField(
        _("severity"),
        max_length=20,
        choices=FeedbackSeverity.choices,
        default=FeedbackSeverity.MEDIUM,
    )
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("what happened or is wanted"))
    status = models.CharField(
        _("status"), max_length=20, choices=FeedbackStatus.choices, default=FeedbackStatus.NEW
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    routed_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("product owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback_routed",
    )
    triage_note = models.TextField(_("triage note"), blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(
        partner_field="partner",
        editor_roles=FEEDBACK_WRITERS,
        partner_editor_roles=frozenset({Role.PARTNER_ADMIN, Role.PARTNER_USER}),
        reader_roles=frozenset({Role.PRODUCT}),
        unpartnered_shared=True,
    )

    class Meta:
        verbose_name = _("product feedback")
        verbose_name_plural = _("product feedback")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(product__isnull=False) | Q(category__isnull=False),
                name="feedback_names_a_product_or_category",
            )
        ]

    def __str__(self) -> str:
        return f"FB-{self.pk:05d} {self.title}" if self.pk else self.title

    def get_absolute_url(self) -> str:
        return reverse("feedback:feedback_detail", args=[self.pk])


def _feedback_file_path(instance: FeedbackFile, filename: str) -> str:
    return f"feedback/{instance.feedback_id}/{filename}"


class FeedbackFile(models.Model):
    feedback = models.ForeignKey(
        Feedback, verbose_name=_("feedback"), on_delete=models.CASCADE, related_name="files"
    )
    file = models.FileField(_("file"), upload_to=_feedback_file_path)
    name = models.CharField(_("name"), max_length=255)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(
        partner_field="feedback__partner",
        editor_roles=FEEDBACK_WRITERS,
        partner_editor_roles=frozenset({Role.PARTNER_ADMIN, Role.PARTNER_USER}),
        reader_roles=frozenset({Role.PRODUCT}),
        unpartnered_shared=True,
    )

    class Meta:
        verbose_name = _("feedback file")
        verbose_name_plural = _("feedback files")

    def __str__(self) -> str:
        return self.name
