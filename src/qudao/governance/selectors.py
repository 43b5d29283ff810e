"""Reads of risk governance; every one goes through the access gate."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from qudao.core.numbers import rounded
from qudao.core.periods import Period
from qudao.core.permissions import is_partner_user, may_view, restrict
from qudao.governance.models import ImprovementPlan, RiskFlag, RiskRuleSetting, Violation
from qudao.governance.rules import DETECTOR_SETTINGS, RULE_BY_ID, RULES, DetectorSetting, Rule


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
