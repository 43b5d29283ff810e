"""The recruitment funnel's stages and the other closed lists of an application."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Stage(models.TextChoices):
    """Where an applicant is: the funnel's steps in order, then the way out."""

    APPLIED = "applied", pgettext_lazy("recruitment stage", "Applied")
    SCREENING = "screening", pgettext_lazy("recruitment stage", "Screening")
    DUE_DILIGENCE = "due_diligence", pgettext_lazy("recruitment stage", "Due diligence")
    PILOT = "pilot", pgettext_lazy("recruitment stage", "Pilot")
    SIGNED = "signed", pgettext_lazy("recruitment stage", "Signed")
    REJECTED = "rejected", pgettext_lazy("recruitment stage", "Rejected")


# The funnel, in order: an applicant who reached a step has passed all the ones before it
# (a pilot may be skipped: signed straight after due diligence still counts as past it).
FUNNEL: tuple[Stage, ...] = (
    Stage.APPLIED,
    Stage.SCREENING,
    Stage.DUE_DILIGENCE,
    Stage.PILOT,
    Stage.SIGNED,
)
OPEN_STAGES = frozenset({Stage.APPLIED, Stage.SCREENING, Stage.DUE_DILIGENCE, Stage.PILOT})

# Where each stage may go next. Signing goes through ``applicant_sign`` (it makes the
# partner); a rejected applicant may be taken up again, back at screening.
NEXT_STAGES: dict[str, tuple[Stage, ...]] = {
    Stage.APPLIED: (Stage.SCREENING, Stage.REJECTED),
    Stage.SCREENING: (Stage.DUE_DILIGENCE, Stage.REJECTED),
    Stage.DUE_DILIGENCE: (Stage.PILOT, Stage.SIGNED, Stage.REJECTED),
    Stage.PILOT: (Stage.SIGNED, Stage.REJECTED),
    Stage.SIGNED: (),
    Stage.REJECTED: (Stage.SCREENING,),
}


class CreditCheck(models.TextChoices):
    UNKNOWN = "unknown", _("Not checked")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")


class Source(models.TextChoices):
    WEB_FORM = "web_form", _("Public application form")
    STAFF = "staff", _("Entered by channel staff")
    PARTNER = "partner", _("Proposed by a partner")
