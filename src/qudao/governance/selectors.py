"""Reads of risk governance; every one goes through the access gate."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pyarrow as pa
from django.db.models import Count, FloatField, Max, QuerySet, Sum
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from qudao.analytics.engine import Backend
from qudao.analytics.models import ReviewRun, RunStatus, Scorecard
from qudao.core.numbers import rounded
from qudao.core.periods import Period
from qudao.core.permissions import can_change, is_partner_user, may_view, restrict
from qudao.governance.models import (
    AlertKind,
    Complaint,
    ComplianceItem,
    FlagStatus,
    ImprovementPlan,
    Penalty,
    RiskAlert,
    RiskFlag,
    RiskLevel,
    RiskProfile,
    RiskRuleSetting,
    Violation,
    ViolationComment,
    ViolationEvidence,
    ViolationStatus,
    ViolationType,
)
from qudao.governance.risk import AGEING_BUCKETS, COMPONENTS, HIGH_FROM
from qudao.governance.rules import (
    DETECTOR_SETTINGS,
    HISTORY_COLUMNS,
    RULE_BY_ID,
    RULES,
    DetectorSetting,
    Rule,
    flagged_partners,
)
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


def rule_history(period: Period, depth: int) -> pa.Table:
    """Current scorecards of ``period`` and the ``depth - 1`` periods before it: what the
    at-risk rules read (``step`` 0 = ``period``)."""
    steps = {period.shifted(-i).key: i for i in range(depth)}
    # Doubles straight from the database: the rules compare, they do not add money.
    as_float = {f"{name}_": Cast(name, FloatField()) for name in HISTORY_COLUMNS}
    # Whether the partner owes its sell-through: its own setting, else its channel model's.
    obliged = Coalesce(
        "partner__reports_sell_through", "partner__channel_model__reports_sell_through"
    )
    rows = (
        Scorecard.objects.filter(is_current=True, period__in=steps)
        .annotate(**as_float, obliged_=obliged)
        .values_list("partner_id", "period", "channel_model__code", "obliged_", *as_float)
    )
    columns = list(zip(*rows, strict=True)) or [()] * (4 + len(HISTORY_COLUMNS))
    confirmed = _violations_confirmed_by_period(list(steps))
    return pa.table(
        {
            "partner": pa.array(columns[0], pa.int64()),
            "period": pa.array(columns[1], pa.string()),
            "step": pa.array([steps[key] for key in columns[1]], pa.int64()),
            "channel_model": pa.array(columns[2], pa.string()),
            "obliged": pa.array([bool(v) for v in columns[3]], pa.bool_()),
            **{
                name: pa.array(values, pa.float64())
                for name, values in zip(HISTORY_COLUMNS, columns[4:], strict=True)
            },
            "violations_confirmed": pa.array(
                [
                    float(confirmed.get((partner, key), 0))
                    for partner, key in zip(columns[0], columns[1], strict=True)
                ],
                pa.float64(),
            ),
        }
    )


def _violations_confirmed_by_period(keys: list[str]) -> dict[tuple[int, str], int]:
    """Confirmed violations (closed ones too) per partner and reviewed period: a violation
    counts in the period its quarter ends in — once, whether periods are months, quarters
    or years."""
    ends = {key: Period.parse(key) for key in keys}
    counted: dict[tuple[int, str], int] = {}
    for partner, quarter, n in (
        Violation.objects.filter(confirmed_at__isnull=False)
        .exclude(status=ViolationStatus.DISMISSED)
        .order_by()  # no default ordering in the GROUP BY
        .values_list("partner_id", "period")
        .annotate(n=Count("pk"))
    ):
        end = Period.parse(quarter).end
        for key, period in ends.items():
            if period.start <= end <= period.end:
                counted[(partner, key)] = counted.get((partner, key), 0) + n
    return counted


@dataclass(frozen=True)
class RulePreview:
    """What a rule's parameters would flag in one reviewed period, against what the
    parameters in force flag there (the review's flags themselves are not touched)."""

    period: str
    flagged_now: int
    flagged_then: int
    added: list[str]  # partner codes newly flagged (the first few the user may see)
    removed: list[str]
    added_total: int = 0
    removed_total: int = 0


def rule_preview(
    *, rule: Rule, current: dict[str, Any], proposed: dict[str, Any], user: Any, shown: int = 10
) -> RulePreview | None:
    """Evaluate ``rule`` with the parameters in force and with ``proposed`` over the latest
    reviewed period it judges (DuckDB, whatever engine reviews run on), and compare. None
    when no period has been reviewed."""
    period = _latest_judged_period(rule)
    if period is None:
        return None
    depth = max(rule.window(current), rule.window(proposed))
    runner = Backend()
    runner.register("history", rule_history(Period.parse(period), depth))
    before = flagged_partners(rule, current, _evaluated(runner, rule, current))
    after = flagged_partners(rule, proposed, _evaluated(runner, rule, proposed))
    visible = dict(
        restrict(Partner.objects.all(), user, "view")
        .filter(pk__in=set(before) ^ set(after))
        .values_list("pk", "code")
    )
    added = sorted(visible[pk] for pk in set(after) - set(before) if pk in visible)
    removed = sorted(visible[pk] for pk in set(before) - set(after) if pk in visible)
    return RulePreview(
        period,
        len(before),
        len(after),
        added[:shown],
        removed[:shown],
        added_total=len(added),
        removed_total=len(removed),
    )


def _evaluated(runner: Backend, rule: Rule, parameters: dict[str, Any]) -> list[dict[str, Any]]:
    # the same compiled SQL as the review's own evaluation of these parameters
    table = runner.run(
        lambda: rule.evaluate(runner.table("history"), parameters),
        parameters=["rule", rule.id, parameters],
    )
    return table.to_pylist()


def _latest_judged_period(rule: Rule) -> str | None:
    """The latest reviewed period — for a rule judging whole periods, the latest whose
    review had its whole sell-in."""
    runs = ReviewRun.objects.filter(status=RunStatus.CURRENT)
    judged = [
        Period.parse(run.period)
        for run in runs
        if not (rule.whole_periods_only and run.partial_sell_in is not None)
    ]
    latest = max(judged, key=lambda p: (p.end, -p.days), default=None)
    return latest.key if latest else None


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
    risk = risk_profile_list(user=user).filter(partner=partner).first()
    today = timezone.localdate()
    return {
        "violations": violations.order_by("-period", "type")[:50],
        "violation_count": violations.count(),
        "penalties": restrict(
            Penalty.objects.filter(partner=partner).select_related("violation"), user, "view"
        ).order_by("-created_at")[:50],
        "flags": risk_flag_list(user=user).filter(partner=partner, status=FlagStatus.OPEN),
        "risk": risk,
        "risk_components": risk_components(risk) if risk is not None else [],
        "alerts": [
            (alert, alert_text(alert), alert_link(alert))
            for alert in risk_alert_list(user=user).filter(partner=partner)
        ],
        "can_record": can_change(user, Complaint),
        "complaints": complaint_list(user=user).filter(partner=partner)[:50],
        "compliance_items": [
            (item, item.state_on(today))
            for item in compliance_item_list(user=user).filter(partner=partner)
        ],
    }


# --- partner risk -----------------------------------------------------------------------


def risk_profile_list(*, user: Any) -> QuerySet[RiskProfile]:
    """Risk profiles: the brand's internal view, so none for partner users."""
    profiles = RiskProfile.objects.select_related("partner", "partner__home_region")
    return restrict(profiles, user, "view")


def risk_alert_list(*, user: Any) -> QuerySet[RiskAlert]:
    """The alerts that stand (not cleared), newest first."""
    alerts = RiskAlert.objects.filter(cleared_at__isnull=True).select_related(
        "partner", "acknowledged_by"
    )
    return restrict(alerts, user, "view")


def complaint_list(*, user: Any) -> QuerySet[Complaint]:
    return restrict(Complaint.objects.select_related("partner"), user, "view")


def compliance_item_list(*, user: Any) -> QuerySet[ComplianceItem]:
    return restrict(ComplianceItem.objects.select_related("partner"), user, "view")


def alert_text(alert: RiskAlert) -> str:
    """What an alert says, in the reader's language."""
    d = alert.detail
    if alert.kind == AlertKind.SCORE_HIGH:
        return _("Risk score %(score)s (high from %(high)s).") % {
            "score": d["score"],
            "high": HIGH_FROM,
        }
    if alert.kind == AlertKind.CREDIT_OVER_LIMIT:
        return _("Owes %(exposure)s against a credit limit of %(limit)s.") % {
            "exposure": _money_text(d["exposure"]),
            "limit": _money_text(d["limit"]),
        }
    if alert.kind == AlertKind.OVERDUE_OVER_90:
        return _("%(amount)s overdue by more than 90 days.") % {"amount": _money_text(d["amount"])}
    if alert.kind == AlertKind.COMPLAINT_HIGH:
        return _("A grave complaint received on %(day)s is open.") % {"day": d["received_on"]}
    if alert.kind == AlertKind.COMPLIANCE_EXPIRED:
        return _("%(name)s expired on %(day)s.") % {"name": d["name"], "day": d["expires_on"]}
    return _("%(name)s expires on %(day)s.") % {"name": d["name"], "day": d["expires_on"]}


def _money_text(stored: str) -> str:
    return number_format(Decimal(stored), 2, force_grouping=True)


def alert_link(alert: RiskAlert) -> str:
    """Where to act on an alert: the complaint or the item, else the partner."""
    if alert.kind == AlertKind.COMPLAINT_HIGH:
        return reverse("governance:complaint_edit", args=[alert.subject])
    if alert.kind in (AlertKind.COMPLIANCE_EXPIRED, AlertKind.COMPLIANCE_EXPIRING):
        return reverse("governance:compliance_edit", args=[alert.subject])
    return reverse("partners:partner_detail", args=[alert.partner_id]) + "?tab=governance"


@dataclass(frozen=True)
class RiskSummary:
    by_level: dict[str, int]
    exposure: Decimal | None  # None: no receivables on record for these partners
    ageing: list[tuple[str, Decimal]]  # (bucket field, Σ amount)
    open_alerts: int
    as_of: Any


def risk_summary(*, profiles: QuerySet[RiskProfile], alerts: QuerySet[RiskAlert]) -> RiskSummary:
    """The dashboard's tiles and ageing chart over the profiles shown."""
    buckets = [name for name, _d, _w in AGEING_BUCKETS]
    sums = profiles.aggregate(
        exposure=Sum("exposure"), as_of=Max("as_of"), **{name: Sum(name) for name in buckets}
    )
    levels = dict(profiles.values_list("level").annotate(n=Count("pk")).order_by())
    return RiskSummary(
        by_level={level: levels.get(level, 0) for level in RiskLevel.values},
        exposure=sums["exposure"],
        ageing=[(name, sums[name] or Decimal(0)) for name in buckets],
        open_alerts=alerts.filter(partner__in=profiles.values("partner")).count(),
        as_of=sums["as_of"],
    )


def risk_components(profile: RiskProfile) -> list[dict[str, Any]]:
    """A profile's score, component by component, with each definition."""
    return [
        {
            "id": c.id,
            "name": c.name,
            "maximum": c.maximum,
            "definition": c.definition,
            "points": None
            if profile.components.get(c.id) is None
            else Decimal(profile.components[c.id]),
        }
        for c in COMPONENTS
    ]
