from django.db import models
from django.utils.translation import gettext_lazy as _

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
