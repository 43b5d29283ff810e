from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from qudao.core.importing.registry import master_targets
from qudao.facts.schemas import FACTS


class BatchStatus(models.TextChoices):
    PENDING = "pending", _("Importing")
    COMMITTED = "committed", _("Committed")
    REJECTED = "rejected", _("Rejected")
    REVERTED = "reverted", _("Reverted")
    FAILED = "failed", _("Failed")


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all-or-nothing", _("All or nothing")
    ACCEPT_VALID = "accept-valid", _("Accept valid rows")


FACT_CHOICES = [(name, schema.label) for name, schema in FACTS.items()]


def mapping_target_choices() -> list[tuple[str, Any]]:
    """What a saved mapping may be for: a fact, or a master-data target (registered by
    the apps when they are ready, hence a callable)."""
    return [*FACT_CHOICES, *((t.name, t.label) for t in master_targets().values())]


def master_target_choices() -> list[tuple[str, Any]]:
    return [(t.name, t.label) for t in master_targets().values()]


class MasterImportStatus(models.TextChoices):
    CHECKED = "checked", _("Checked, not committed")
    REJECTED = "rejected", _("Rejected")
    COMMITTED = "committed", _("Committed")
    UNDONE = "undone", _("Undone")
