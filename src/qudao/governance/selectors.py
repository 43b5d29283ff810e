"""Reads of risk governance; every one goes through the access gate."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from qudao.core.numbers import rounded
from qudao.core.periods import Period
from qudao.core.permissions import is_partner_user, may_view, restrict
from qudao.governance.models import (
    FlagStatus,
    ImprovementPlan,
    Penalty,
    RiskFlag,
    RiskRuleSetting,
    Violation,
    ViolationComment,
    ViolationEvidence,
    ViolationType,
)
from qudao.governance.rules import DETECTOR_SETTINGS, RULE_BY_ID, RULES, DetectorSetting, Rule
from qudao.partners.models import Partner
from qudao.territories.models import Region


def risk_flag_list(*, user: Any) -> QuerySet[RiskFlag]:
    flags = RiskFlag.objects.select_related("partner", "plan")
    return restrict(flags, user, "view")


def plan_list(*, user: Any) -> QuerySet[ImprovementPlan]:
    return restrict(ImprovementPlan.objects.select_related("partner", "owner"), user, "view")


def evidence_text(flag: RiskFlag) -> str:
    """“2019Q4: 62.5% / 80.0% · 2020Q1: 99.5% / 100.0%” — the numbers behind a flag, each
    in the unit of what the rule looked at (rates to a tenth of a percent, so 99.5% no
    longer reads as its reference)."""
    rule = RULE_BY_ID.get(flag.rule)
    unit = rule.unit if rule else "number"
    parts = []
    for row in flag.evidence:
        value, reference = row.get("value"), row.get("reference")
        against = "" if reference is None else f" / {_formatted(reference, unit)}"
        parts.append(f"{row['period']}: {_formatted(value, unit)}{against}")
    return " · ".join(parts)


def _formatted(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "rate":
        return f"{value:.1%}"
    if unit == "days":
        return _("%(n)d days") % {"n": round(value)}
    return number_format(rounded(Decimal(str(value)), 2), 2, force_grouping=True)  # money too


def rule_states(*, user: Any | None) -> list[tuple[Rule, dict[str, Any], bool]]:
    """Every rule with its parameters (stored over defaults) and whether it runs — none
    for a user who may not see the rules (partner users: their thresholds are the brand's
    internals); ``user=None`` is the review itself."""
    if user is not None and not may_view(user, RiskRuleSetting):
        return []
    stored = {s.rule: s for s in RiskRuleSetting.objects.all()}
    states = []
    for rule in RULES:
        setting = stored.get(rule.id)
        parameters = {**rule.defaults, **(setting.parameters if setting else {})}
        enabled = rule.enabled_by_default if setting is None else setting.enabled
        states.append((rule, parameters, enabled))
    return states


def detector_states(*, user: Any | None) -> list[tuple[DetectorSetting, dict[str, Any]]]:
    """Every violation detector's settings (stored over defaults), for those who may see
    the rules."""
    if user is not None and not may_view(user, RiskRuleSetting):
        return []
    stored = {
        s.rule: s.parameters
        for s in RiskRuleSetting.objects.filter(rule__in=[d.id for d in DETECTOR_SETTINGS])
    }
    return [(d, {**d.defaults, **stored.get(d.id, {})}) for d in DETECTOR_SETTINGS]


VIOLATION_EXPORT_COLUMNS = [
    "violation_id",
    "type",
    "partner_code",
    "injured_partner_code",
    "period",
    "quantity",
    "value",
    "evidence_count",
    "status",
    "severity",
]


def violation_list(*, user: Any | None) -> QuerySet[Violation]:
    """Violations the user may see; ``user=None`` is the operator at the console."""
    violations = Violation.objects.select_related("partner", "injured_partner")
    return violations if user is None else restrict(violations, user, "view")


def violation_comments(*, violation: Violation, user: Any) -> list[ViolationComment]:
    """The comments on ``violation`` the user may read: the partner's own users never see
    the brand's internal notes."""
    comments = restrict(
        ViolationComment.objects.filter(violation=violation).select_related("author"), user, "view"
    )
    if is_partner_user(user):
        comments = comments.filter(internal=False)
    return list(comments)


def violation_cases_in_my_territory(*, user: Any) -> list[dict[str, Any]]:
    """For a partner's users: the cases where their company is the injured party — that a
    case exists, its type, quarter and status; never who did it nor the evidence."""
    if not is_partner_user(user):
        return []
    mine = restrict(Partner.objects.all(), user, "view")
    return list(
        Violation.objects.filter(injured_partner__in=mine)
        .order_by("-period", "type", "pk")
        .values("type", "period", "status")
    )


def violations_export(period: str | None, user: Any | None) -> tuple[list[str], list[Any]]:
    """``qudao export violations [--period P]``: one row per violation (of the quarters of
    P), type names as the detectors', money to 2 decimals, empty where none."""
    violations = violation_list(user=user).order_by("period", "type", "partner__code", "pk")
    # the injured party is the brand's to know, not the offender's
    show_injured = user is None or not is_partner_user(user)
    if period:
        violations = violations.filter(period__in=[q.key for q in Period.parse(period).quarters])
    rows = [
        [
            v.pk,
            v.type,
            v.partner.code,
            v.injured_partner.code if v.injured_partner and show_injured else "",
            v.period,
            format(v.quantity.normalize(), "f"),
            "" if v.value is None else format(rounded(v.value, 2), "f"),
            v.evidence_count,
            v.status,
            v.severity,
        ]
        for v in violations
    ]
    return VIOLATION_EXPORT_COLUMNS, rows


def violation_get(*, user: Any, pk: int) -> Violation:
    """One violation the user may see (``Violation.DoesNotExist`` otherwise)."""
    return violation_list(user=user).select_related("assignee", "decided_by").get(pk=pk)


def violation_evidence(*, violation: Violation, user: Any) -> QuerySet[ViolationEvidence]:
    return restrict(
        ViolationEvidence.objects.filter(violation=violation).select_related("batch"), user, "view"
    )


def violation_penalties(*, violation: Violation, user: Any) -> QuerySet[Penalty]:
    return restrict(
        Penalty.objects.filter(violation=violation).select_related("grade_proposal"), user, "view"
    )


@dataclass(frozen=True)
class Breakdown:
    """Violations counted by region (the offender's home region at ``level``) and type, and
    per quarter and type for the trend."""

    types: list[str]
    rows: list[dict[str, Any]]  # {region, <type>: count, …, total, value}
    trend: list[dict[str, Any]]  # {period, type, count}


def violation_breakdown(*, violations: QuerySet[Violation], level: int = 1) -> Breakdown:
    """``violations`` (already restricted and filtered) by region and type. Regions above
    ``level`` keep their own row; partners with no home region count under “—”."""
    grouped = (
        violations.order_by()
        .values("partner__home_region__path", "type")
        .annotate(n=Count("pk"), value=Sum("value"))
    )
    names = {r.path: r.name for r in Region.objects.filter(depth__lte=level)}
    rows: dict[str, dict[str, Any]] = {}
    types: set[str] = set()
    for row in grouped:
        path = row["partner__home_region__path"] or ""
        ids = [part for part in path.strip("/").split("/") if part]
        head = "/" + "/".join(ids[:level]) + "/" if ids else ""
        region = names.get(head, "—")
        entry = rows.setdefault(region, {"region": region, "total": 0, "value": Decimal(0)})
        entry[row["type"]] = entry.get(row["type"], 0) + row["n"]
        entry["total"] += row["n"]
        entry["value"] += row["value"] or 0
        types.add(row["type"])
    ordered = [t for t in ViolationType.values if t in types]
    trend = [
        {"period": r["period"], "type": r["type"], "count": r["n"]}
        for r in violations.order_by()
        .values("period", "type")
        .annotate(n=Count("pk"))
        .order_by("period", "type")
    ]
    return Breakdown(
        ordered, sorted(rows.values(), key=lambda r: (-r["total"], r["region"])), trend
    )


def partner_governance(*, partner: Partner, user: Any) -> dict[str, Any]:
    """The partner page's governance tab: its violations, the penalties imposed on it, its
    open risk flags (the brand's internals: none for partner users)."""
    violations = violation_list(user=user).filter(partner=partner)
    return {
        "violations": violations.order_by("-period", "type")[:50],
        "violation_count": violations.count(),
        "penalties": restrict(
            Penalty.objects.filter(partner=partner).select_related("violation"), user, "view"
        ).order_by("-created_at")[:50],
        "flags": risk_flag_list(user=user).filter(partner=partner, status=FlagStatus.OPEN),
    }
