"""Reads of risk governance; every one goes through the access gate."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from qudao.core.permissions import restrict
from qudao.governance.models import ImprovementPlan, RiskFlag, RiskRuleSetting
from qudao.governance.rules import RULES, Rule


def risk_flag_list(*, user: Any) -> QuerySet[RiskFlag]:
    flags = RiskFlag.objects.select_related("partner", "plan")
    return restrict(flags, user, "view")


def plan_list(*, user: Any) -> QuerySet[ImprovementPlan]:
    return restrict(ImprovementPlan.objects.select_related("partner", "owner"), user, "view")


def evidence_text(flag: RiskFlag) -> str:
    """“2019Q4: 0.20 < 1.00 · 2020Q1: 0.02 < 1.00” — the numbers behind a flag."""
    parts = []
    for row in flag.evidence:
        value, reference = row.get("value"), row.get("reference")
        shown = "—" if value is None else f"{value:,.2f}"
        against = "" if reference is None else f" / {reference:,.2f}"
        parts.append(f"{row['period']}: {shown}{against}")
    return " · ".join(parts)


def rule_states() -> list[tuple[Rule, dict[str, Any], bool]]:
    """Every rule with its parameters (stored over defaults) and whether it runs."""
    stored = {s.rule: s for s in RiskRuleSetting.objects.all()}
    states = []
    for rule in RULES:
        setting = stored.get(rule.id)
        parameters = {**rule.defaults, **(setting.parameters if setting else {})}
        enabled = rule.enabled_by_default if setting is None else setting.enabled
        states.append((rule, parameters, enabled))
    return states
