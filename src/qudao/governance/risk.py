"""How a partner's risk score is made: five components, each with its points and its
definition, adding up to at most 100. Pure arithmetic on what the services gather, so
the dashboard can show every figure's reason and a test can check each one apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from qudao.governance.models import RiskLevel

ZERO = Decimal(0)
ONE_PLACE = Decimal("0.1")

# Ageing buckets of the receivable fact: (field, the last day of the bucket, its weight in
# the overdue component). Older debt weighs more; debt not yet due weighs nothing.
AGEING_BUCKETS: tuple[tuple[str, int | None, Decimal], ...] = (
    ("current", 0, Decimal("0")),
    ("overdue_1_30", 30, Decimal("0.25")),
    ("overdue_31_60", 60, Decimal("0.5")),
    ("overdue_61_90", 90, Decimal("0.75")),
    ("overdue_over_90", None, Decimal("1")),
)

CREDIT_POINTS = Decimal(25)
CREDIT_WATCH_FROM = Decimal("0.8")  # utilisation where credit points start
OVERDUE_POINTS = Decimal(25)
COMPLAINT_POINTS = {"high": Decimal(8), "medium": Decimal(4), "low": Decimal(2)}
COMPLAINT_CAP = Decimal(20)
COMPLAINT_DAYS = 365
COMPLIANCE_EXPIRED_POINTS = Decimal(10)
COMPLIANCE_EXPIRING_POINTS = Decimal(3)
COMPLIANCE_CAP = Decimal(15)
VIOLATION_POINTS = Decimal(5)
VIOLATION_CAP = Decimal(15)
VIOLATION_DAYS = 365

MEDIUM_FROM = Decimal(25)
HIGH_FROM = Decimal(50)  # also where the "high risk score" alert is raised


@dataclass
class RiskInputs:
    """What the score is made from, for one partner on one day."""

    credit_limit: Decimal
    buckets: dict[str, Decimal] | None  # None: no receivables snapshot
    complaints: dict[str, int] = field(default_factory=dict)  # by severity
    compliance_expired: int = 0
    compliance_expiring: int = 0
    confirmed_violations: int = 0

    @property
    def exposure(self) -> Decimal | None:
        return None if self.buckets is None else sum(self.buckets.values(), ZERO)


@dataclass(frozen=True)
class Component:
    id: str
    name: Promise
    maximum: Decimal
    definition: Promise
    points: Callable[[RiskInputs], Decimal | None]  # None: not checkable


def _credit(r: RiskInputs) -> Decimal | None:
    exposure = r.exposure
    if exposure is None or r.credit_limit <= 0:
        return None
    used = exposure / r.credit_limit
    share = (used - CREDIT_WATCH_FROM) / (1 - CREDIT_WATCH_FROM)
    return CREDIT_POINTS * min(max(share, ZERO), Decimal(1))


def _overdue(r: RiskInputs) -> Decimal | None:
    exposure = r.exposure
    if r.buckets is None or exposure is None:
        return None
    if exposure <= 0:
        return ZERO
    weighted = sum((r.buckets[name] * weight for name, _d, weight in AGEING_BUCKETS), ZERO)
    return OVERDUE_POINTS * min(max(weighted / exposure, ZERO), Decimal(1))


def _complaints(r: RiskInputs) -> Decimal:
    points = sum((COMPLAINT_POINTS[s] * n for s, n in r.complaints.items()), ZERO)
    return min(points, COMPLAINT_CAP)


def _compliance(r: RiskInputs) -> Decimal:
    points = (
        COMPLIANCE_EXPIRED_POINTS * r.compliance_expired
        + COMPLIANCE_EXPIRING_POINTS * r.compliance_expiring
    )
    return min(points, COMPLIANCE_CAP)


def _violations(r: RiskInputs) -> Decimal:
    return min(VIOLATION_POINTS * r.confirmed_violations, VIOLATION_CAP)


COMPONENTS: tuple[Component, ...] = (
    Component(
        "credit",
        _("Credit"),
        CREDIT_POINTS,
        _(
            "Exposure (everything owed at the last receivables snapshot, due or not) ÷ credit "
            "limit: 0 points up to 80 per cent of the limit, rising evenly to 25 at the limit and "
            "above. Not checkable without a credit limit or receivables."
        ),
        _credit,
    ),
    Component(
        "overdue",
        _("Overdue receivables"),
        OVERDUE_POINTS,
        _(
            "25 × (¼ of 1–30 days + ½ of 31–60 + ¾ of 61–90 + all of over 90 days overdue) ÷ "
            "exposure, at the last receivables snapshot. Not checkable without receivables."
        ),
        _overdue,
    ),
    Component(
        "complaints",
        _("Complaints"),
        COMPLAINT_CAP,
        _(
            "Complaints received in the last 365 days and not dismissed: 8 points for a "
            "grave one, 4 for a medium, 2 for a light one; at most 20."
        ),
        _complaints,
    ),
    Component(
        "compliance",
        _("Compliance"),
        COMPLIANCE_CAP,
        _(
            "10 points for each expired licence or agreement, 3 for each inside its "
            "reminder window; at most 15."
        ),
        _compliance,
    ),
    Component(
        "violations",
        _("Violations"),
        VIOLATION_CAP,
        _("5 points for each violation confirmed in the last 365 days; at most 15."),
        _violations,
    ),
)
COMPONENT_BY_ID = {c.id: c for c in COMPONENTS}


@dataclass(frozen=True)
class Score:
    total: Decimal
    level: RiskLevel
    components: dict[str, Any]  # id → points as text, or None when not checkable


def risk_score(inputs: RiskInputs) -> Score:
    """The score: the sum of the components that could be checked, to one decimal."""
    points = {c.id: c.points(inputs) for c in COMPONENTS}
    rounded = {k: None if v is None else v.quantize(ONE_PLACE) for k, v in points.items()}
    total = sum((v for v in rounded.values() if v is not None), ZERO)
    return Score(
        total=total,
        level=risk_level(total),
        components={k: None if v is None else str(v) for k, v in rounded.items()},
    )


def risk_level(score: Decimal) -> RiskLevel:
    if score >= HIGH_FROM:
        return RiskLevel.HIGH
    return RiskLevel.MEDIUM if score >= MEDIUM_FROM else RiskLevel.LOW


def ageing_bucket(days_overdue: int) -> str:
    """The bucket a receivable of ``days_overdue`` falls in."""
    for name, last_day, _w in AGEING_BUCKETS:
        if last_day is None or days_overdue <= last_day:
            return name
    raise AssertionError("the last bucket has no end")
