from django.db import models
from django.utils.translation import gettext_lazy as _


class PartnerStatus(models.TextChoices):
    """Lifecycle of a partner. Only the transitions in ``ALLOWED_TRANSITIONS`` are possible."""

    PROSPECT = "prospect", _("Prospect")
    SCREENING = "screening", _("Screening")
    PILOT = "pilot", _("Pilot")
    ACTIVE = "active", _("Active")
    PROBATION = "probation", _("Probation")
    SUSPENDED = "suspended", _("Suspended")
    TERMINATED = "terminated", _("Terminated")


S = PartnerStatus
# The partners that sell today: the white space, coverage and visit rules look at these.
SELLING_STATUSES: tuple[str, ...] = (S.ACTIVE, S.PROBATION, S.PILOT)
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PROSPECT: frozenset({S.SCREENING, S.TERMINATED}),
    S.SCREENING: frozenset({S.PILOT, S.ACTIVE, S.TERMINATED}),
    S.PILOT: frozenset({S.ACTIVE, S.TERMINATED}),
    S.ACTIVE: frozenset({S.PROBATION, S.SUSPENDED, S.TERMINATED}),
    S.PROBATION: frozenset({S.ACTIVE, S.SUSPENDED, S.TERMINATED}),
    S.SUSPENDED: frozenset({S.ACTIVE, S.PROBATION, S.TERMINATED}),
    S.TERMINATED: frozenset(),
}


class PartnerErrorCode(models.TextChoices):
    INVALID_TRANSITION = "invalid_transition", _("This status change is not allowed.")
    PARENT_CYCLE = "parent_cycle", _("A partner cannot be placed below itself.")
    INVALID_PERIOD = "invalid_period", _("Not a valid period.")


class AgreementKind(models.TextChoices):
    DISTRIBUTION = "distribution", _("Distribution agreement")
    DEALER = "dealer", _("Dealer agreement")
    AGENCY = "agency", _("Agency agreement")
    SERVICE = "service", _("Service agreement")
    OTHER = "other", _("Other")


class AgreementState(models.TextChoices):
    UPCOMING = "upcoming", _("Not yet started")
    VALID = "valid", _("Valid")
    EXPIRING = "expiring", _("Expiring")
    EXPIRED = "expired", _("Expired")
    RENEWED = "renewed", _("Renewed")
