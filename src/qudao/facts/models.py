"""Import batches: the catalogue of the fact store.

A batch's Parquet files exist for readers only while its status is COMMITTED.
Nothing is ever updated in place: a correction is a new batch, an undo is a revert.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from qudao.core.choices import Role
from qudao.core.models import TimeStampedModel
from qudao.core.permissions import AccessPolicy, manager_scope_q
from qudao.core.querysets import RestrictedQuerySet
from qudao.facts.choices import (
    FACT_CHOICES,
    BatchStatus,
    ImportMode,
    MasterImportStatus,
    mapping_target_choices,
    master_target_choices,
)
from qudao.partners.models import Partner

# Finance and sales read everything and write nothing (README: read-only roles).
IMPORTERS = frozenset({Role.CHANNEL_DIRECTOR, Role.CHANNEL_MANAGER})
# what a partner's admin uploads for its own company and sub-partners
PARTNER_FACTS = ("sell_through", "inventory")


def _batch_manager_q(user: Any) -> Q:
    """A manager's batches: those it imported, and those whose rows all belong to partners
    in its scope (a batch of no partner — rejected, or of code scans — is not)."""
    outside = Partner.objects.exclude(manager_scope_q("", user)).values("pk")
    mixed = BatchPartner.objects.filter(partner__in=outside).values("batch")
    held = BatchPartner.objects.values("batch")
    return Q(created_by=user) | (Q(pk__in=held) & ~Q(pk__in=mixed))


class Batch(TimeStampedModel):
    """One imported file of one fact."""

    fact = models.CharField(_("fact"), max_length=30, choices=FACT_CHOICES)
    status = models.CharField(
        _("status"), max_length=20, choices=BatchStatus.choices, default=BatchStatus.PENDING
    )
    mode = models.CharField(
        _("mode"), max_length=20, choices=ImportMode.choices, default=ImportMode.ALL_OR_NOTHING
    )
    source_name = models.CharField(_("file name"), max_length=255)
    checksum = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size_bytes = models.BigIntegerField(_("size (bytes)"), default=0)
    mapping = models.TextField(_("mapping"), blank=True)
    rows_read = models.BigIntegerField(_("rows read"), default=0)
    rows_accepted = models.BigIntegerField(_("rows accepted"), default=0)
    rows_rejected = models.BigIntegerField(_("rows rejected"), default=0)
    first_date = models.DateField(_("first date"), null=True, blank=True)
    last_date = models.DateField(_("last date"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    committed_at = models.DateTimeField(_("committed at"), null=True, blank=True)
    reverted_at = models.DateTimeField(_("reverted at"), null=True, blank=True)
    reverted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reverted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    error_report = models.CharField(_("error report"), max_length=255, blank=True)
    message = models.TextField(_("message"), blank=True)
    # the uploader's: the worker writes the batch's messages and row errors in it
    language = models.CharField(_("language"), max_length=10, blank=True)
    replaces_from = models.DateField(_("replaces from"), null=True, blank=True)
    replaces_to = models.DateField(_("replaces to"), null=True, blank=True)
    replaced_partners = models.JSONField(_("replaced partners"), default=list, blank=True)
    progress = models.FloatField(_("progress"), default=0.0)
    upload = models.CharField(max_length=255, blank=True, editable=False)  # file awaiting import
    worker_pid = models.IntegerField(null=True, blank=True, editable=False)
    elapsed_seconds = models.FloatField(_("seconds"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["worker_pid", "progress", "upload"])
    objects = RestrictedQuerySet.as_manager()
    # A partner's admin uploads its own sell-through and inventory; its staff see the
    # files their company uploaded (the rows themselves are checked against its tree).
    access_policy = AccessPolicy(
        editor_roles=IMPORTERS,
        manager_q=_batch_manager_q,
        partner_visible=True,
        partner_q=lambda user: Q(created_by__partner=user.partner),
        partner_editor_roles=frozenset({Role.PARTNER_ADMIN}),
    )

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rows_read__gte=0) & Q(rows_accepted__gte=0) & Q(rows_rejected__gte=0),
                name="batch_counts_non_negative",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.fact} {self.source_name}"

    def get_absolute_url(self) -> str:
        return reverse("facts:batch_detail", args=[self.pk])


class BatchPartner(models.Model):
    """A partner some committed row of a batch belongs to: the batch's scope."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="partner_links")
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+")
    # the first and last day of this partner's rows in the batch (empty: kept before these)
    first_date = models.DateField(null=True, blank=True)
    last_date = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["batch", "partner"], name="batch_partner_unique")
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}: {self.partner_id}"


class SavedMapping(TimeStampedModel):
    """A mapping kept for reuse: per source (a partner's monthly report, an ERP export)."""

    name = models.CharField(_("name"), max_length=100)
    fact = models.CharField(_("for"), max_length=30, choices=mapping_target_choices)
    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text=_("Leave empty for a mapping that serves any partner."),
    )
    toml = models.TextField(_("mapping (TOML)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    access_policy = AccessPolicy(editor_roles=IMPORTERS)

    class Meta:
        verbose_name = _("saved mapping")
        verbose_name_plural = _("saved mappings")
        ordering = ["fact", "name"]
        constraints = [
            models.UniqueConstraint(fields=["fact", "name"], name="saved_mapping_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("facts:mapping_list") + f"?q={self.name}"


def _own_imports_q(user: Any) -> Q:
    return Q(created_by=user)


class MasterImport(TimeStampedModel):
    """One master-data file imported from the browser: checked first (a dry run whose
    outcome a person reads), then committed, and undoable while it is the latest.

    ``outcomes`` keeps each accepted row's record before and after (as export rows), so
    an undo puts back exactly what the import changed — and refuses when the records
    changed since."""

    target = models.CharField(_("target"), max_length=30, choices=master_target_choices)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=MasterImportStatus.choices,
        default=MasterImportStatus.CHECKED,
    )
    source_name = models.CharField(_("file name"), max_length=255)
    mapping = models.TextField(_("mapping"), blank=True)
    rows_read = models.IntegerField(_("rows read"), default=0)
    rows_new = models.IntegerField(_("new"), default=0)
    rows_updated = models.IntegerField(_("updated"), default=0)
    rows_unchanged = models.IntegerField(_("unchanged"), default=0)
    rows_rejected = models.IntegerField(_("rejected"), default=0)
    outcomes = models.JSONField(default=list, blank=True, editable=False)
    errors = models.JSONField(default=list, blank=True, editable=False)
    upload = models.CharField(max_length=255, blank=True, editable=False)  # until committed
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    committed_at = models.DateTimeField(_("committed at"), null=True, blank=True)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords(excluded_fields=["outcomes", "errors", "upload"])
    objects = RestrictedQuerySet.as_manager()
    # A manager sees the imports it made; partners see none (master data is the brand's).
    access_policy = AccessPolicy(editor_roles=IMPORTERS, manager_q=_own_imports_q)

    class Meta:
        verbose_name = _("master-data import")
        verbose_name_plural = _("master-data imports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rows_read__gte=0) & Q(rows_rejected__gte=0),
                name="master_import_counts_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_target_display()} · {self.source_name}"

    def get_absolute_url(self) -> str:
        return reverse("facts:master_import_detail", args=[self.pk])
