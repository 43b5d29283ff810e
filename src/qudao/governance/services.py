"""Writes of risk governance: evaluate the rules after a review, run improvement plans."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pyarrow as pa
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import FloatField
from django.db.models.functions import Cast, Coalesce
from django.utils.translation import gettext as _

from qudao.analytics.engine import Backend, backend
from qudao.analytics.inputs import RunInputs
from qudao.analytics.models import Scorecard
from qudao.core.bulk import bulk_insert
from qudao.core.choices import Role
from qudao.core.periods import Period
from qudao.core.permissions import ensure_may_change, restrict
from qudao.core.services import model_create, model_update
from qudao.governance.models import (
    FlagStatus,
    ImprovementPlan,
    PlanStatus,
    RiskFlag,
    RiskRuleSetting,
    RunAtRisk,
)
from qudao.governance.rules import HISTORY_COLUMNS, RULE_BY_ID, Rule
from qudao.governance.selectors import rule_states
from qudao.partners.choices import PartnerStatus
from qudao.partners.models import Partner
from qudao.partners.services import partner_change_status


def enabled_rules() -> list[tuple[Rule, dict[str, Any]]]:
    """The rules that run with the review and their parameters (stored over defaults)."""
    return [(rule, params) for rule, params, enabled in rule_states(user=None) if enabled]


def _history(period: Period, depth: int) -> pa.Table:
    """Current scorecards of ``period`` and the ``depth - 1`` periods before it."""
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
        }
    )


def _evaluation(runner: Backend, rule: Rule, params: dict[str, Any]) -> Callable[[], Any]:
    """The rule's expression over the history registered on ``runner``, built on demand."""
    return lambda: rule.evaluate(runner.table("history"), params)


def rules_set_aside(
    *, run: Any, rules: list[tuple[Rule, dict[str, Any]]]
) -> list[tuple[Rule, dict[str, Any]]]:
    """The rules that do not judge this run: those comparing with whole periods, where the
    sell-in covers the run's period only in part."""
    if run.partial_sell_in is None:
        return []
    return [(rule, params) for rule, params in rules if rule.whole_periods_only]


def risk_flags_refresh(
    *,
    run: Any,
    inputs: RunInputs | None = None,
    rules: list[tuple[Rule, dict[str, Any]]] | None = None,
) -> int:
    """Evaluate ``rules`` (default: the enabled ones) for the run's period and raise flags
    with evidence. The scorecard history they read comes through ``inputs`` (recorded with
    the run, or replayed from the run being re-run).

    Open flags of an earlier run of the period are superseded (kept for history); flags
    already taken into an improvement plan stay as they are. Returns the flags raised.
    """

    period = Period.parse(run.period)
    rules = enabled_rules() if rules is None else rules
    aside = {rule.id for rule, _params in rules_set_aside(run=run, rules=rules)}
    rules = [(rule, params) for rule, params in rules if rule.id not in aside]
    inputs = inputs if inputs is not None else RunInputs()
    if not rules:
        return 0
    depth = max(rule.window(params) for rule, params in rules)
    # The rules run on the review's engine, like its KPIs.
    runner = backend(run.engine)
    runner.register("history", inputs.take("rules.history", lambda: _history(period, depth)))
    RiskFlag.objects.filter(period=run.period, status=FlagStatus.OPEN).update(
        status=FlagStatus.SUPERSEDED
    )
    planned = set(
        RiskFlag.objects.filter(period=run.period, status=FlagStatus.IN_PLAN).values_list(
            "partner_id", "rule"
        )
    )
    flags = []
    for rule, params in rules:
        window = rule.window(params)
        rows = runner.run(
            _evaluation(runner, rule, params), parameters=["rule", rule.id, params]
        ).to_pylist()
        by_partner: dict[int, list[dict[str, Any]]] = {}
        for row in rows:
            by_partner.setdefault(row["partner"], []).append(row)
        for partner_id, evidence in by_partner.items():
            if len(evidence) < window or not all(r["breached"] for r in evidence):
                continue
            if (partner_id, rule.id) in planned:
                continue
            evidence.sort(key=lambda r: -r["step"])
            flags.append(
                {
                    "partner_id": partner_id,
                    "period": run.period,
                    "rule": rule.id,
                    "run_id": run.pk,
                    "status": FlagStatus.OPEN.value,
                    "evidence": [
                        {"period": r["period"], "value": r["value"], "reference": r["reference"]}
                        for r in evidence
                    ],
                }
            )
    bulk_insert(RiskFlag, flags)
    at_risk = set(
        RiskFlag.objects.filter(
            period=run.period, status__in=(FlagStatus.OPEN, FlagStatus.IN_PLAN)
        ).values_list("partner_id", flat=True)
    )
    RunAtRisk.objects.filter(run=run).delete()
    bulk_insert(RunAtRisk, [{"run_id": run.pk, "partner_id": pk} for pk in sorted(at_risk)])
    return len(flags)


@transaction.atomic
def plan_create(
    *,
    partner: Any,
    owner: Any,
    actions: str,
    due_date: date,
    follow_up_date: date,
    flags: list[RiskFlag] | None = None,
    actor: Any | None = None,
) -> ImprovementPlan:
    """Start an improvement plan; the flags it answers move into it. Its owner must be
    someone who may work on the partner (a plan nobody can open helps nobody)."""
    if follow_up_date > due_date:
        raise ValidationError({"follow_up_date": _("The follow-up must come before the due date.")})
    if not plan_owner_may_take(owner=owner, partner=partner):
        raise ValidationError(
            {"owner": _("%(user)s may not work on this partner: choose someone who may.")
             % {"user": owner}}
        )  # fmt: skip
    plan = model_create(
        model=ImprovementPlan,
        data={
            "partner": partner,
            "owner": owner,
            "actions": actions,
            "due_date": due_date,
            "follow_up_date": follow_up_date,
        },
        actor=actor,
    )
    for flag in flags or []:
        if flag.partner_id != partner.pk:
            raise ValidationError(_("A plan answers the flags of its own partner only."))
        flag.status, flag.plan = FlagStatus.IN_PLAN, plan
        flag.save(update_fields=["status", "plan", "updated_at"])
    return plan


def plan_owner_may_take(*, owner: Any, partner: Any) -> bool:
    """Whether ``owner`` may change ``partner``'s data (and so see and run its plan)."""
    return restrict(Partner.objects.filter(pk=partner.pk), owner, "change").exists()


@transaction.atomic
def plan_close(
    *, plan: ImprovementPlan, succeeded: bool, outcome: str, actor: Any
) -> ImprovementPlan:
    """Close an active plan: success clears its flags; failure proposes termination."""
    if plan.status != PlanStatus.ACTIVE:
        raise ValidationError(_("Only an active plan can be closed."))
    status = PlanStatus.SUCCEEDED if succeeded else PlanStatus.TERMINATION_PROPOSED
    plan = model_update(instance=plan, data={"status": status, "outcome": outcome}, actor=actor)[0]
    if succeeded:
        plan.flags.update(status=FlagStatus.CLEARED)
    return plan


@transaction.atomic
def plan_decide_termination(
    *, plan: ImprovementPlan, terminate: bool, actor: Any, note: str = ""
) -> ImprovementPlan:
    """A channel director ends the partnership, or keeps the partner after a failed plan."""
    if actor is not None and not (actor.is_superuser or actor.has_role(Role.CHANNEL_DIRECTOR)):
        raise PermissionDenied(_("Only a channel director decides on ending a partnership."))
    if plan.status != PlanStatus.TERMINATION_PROPOSED:
        raise ValidationError(_("No termination is proposed for this plan."))
    if terminate:
        partner_change_status(partner=plan.partner, status=PartnerStatus.TERMINATED, actor=actor)
    outcome = f"{plan.outcome}\n{note}".strip() if note else plan.outcome
    return model_update(
        instance=plan,
        data={
            "status": PlanStatus.TERMINATED if terminate else PlanStatus.KEPT,
            "decided_by": actor,
            "outcome": outcome,
        },
        actor=actor,
    )[0]


@transaction.atomic
def rule_setting_save(
    *, rule: str, enabled: bool, parameters: dict[str, Any], actor: Any | None = None
) -> RiskRuleSetting:
    """Switch a rule on or off and set its parameters (audited); the next review uses it.
    Only the director; only the parameters the rule takes, as numbers of 0 or more."""
    ensure_may_change(RiskRuleSetting, actor)
    definition = RULE_BY_ID.get(rule)
    if definition is None:
        raise ValidationError({"rule": _("No rule “%(rule)s”.") % {"rule": rule}})
    problem = _parameter_problem(parameters, definition.defaults)
    if problem:
        raise ValidationError({"parameters": problem})
    setting = RiskRuleSetting.objects.filter(rule=rule).first()
    data = {"enabled": enabled, "parameters": parameters}
    if setting is None:
        return model_create(model=RiskRuleSetting, data={"rule": rule, **data}, actor=actor)
    return model_update(instance=setting, data=data, actor=actor)[0]


def _parameter_problem(value: Any, defaults: dict[str, Any]) -> str:
    if not isinstance(value, dict):
        return _('Write the parameters as {"name": value}.')
    unknown = sorted(set(value) - set(defaults))
    if unknown:
        return _("Unknown parameter(s) %(names)s; this rule takes %(known)s.") % {
            "names": ", ".join(unknown),
            "known": ", ".join(defaults),
        }
    if any(isinstance(v, bool) or not isinstance(v, int | float) or v < 0 for v in value.values()):
        return _("Parameters are numbers of 0 or more.")
    if "periods" in value and (int(value["periods"]) != value["periods"] or value["periods"] < 1):
        return _("“periods” is a whole number of at least 1.")
    return ""
