"""The risk rules as a step of every review (``analytics.steps``). Registered at start-up,
so this module stays light: the services (and the engine behind them) load at the first run.
"""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, Exists, OuterRef, Value
from django.db.models.expressions import BaseExpression

from qudao.analytics.steps import ReviewStep, StepContext, StepResult
from qudao.core.permissions import is_partner_user
from qudao.governance.models import RunAtRisk


def _rules_prepare(recorded: dict[str, Any] | None) -> Any:
    """The rules a run applies: the enabled ones now, or those an earlier run recorded."""
    # deferred: this module loads at start-up; the rules load Ibis, the services the engine
    from qudao.governance.rules import RULE_BY_ID
    from qudao.governance.services import enabled_rules

    if recorded is None:
        return enabled_rules()
    return [(RULE_BY_ID[i], p) for i, p in recorded.get("rules", {}).items()]


def _rules_run(context: StepContext) -> StepResult:
    from qudao.governance.services import risk_flags_refresh, rules_set_aside  # the engine

    rules = context.state
    flags = risk_flags_refresh(run=context.run, inputs=context.inputs, rules=rules)
    not_applied = [rule.id for rule, _p in rules_set_aside(run=context.run, rules=rules)]
    return StepResult(
        row_counts={
            "risk_flags": flags,
            **({"rules_not_applied_to_partial_period": not_applied} if not_applied else {}),
        }
    )


RISK_FLAGS_STEP = ReviewStep(
    name="risk_flags",
    order=30,
    reads=("rules.history",),
    writes=("governance.RiskFlag", "governance.RunAtRisk"),
    prepare=_rules_prepare,
    record=lambda rules: {"rules": {rule.id: params for rule, params in rules}},
    run=_rules_run,
    code=("qudao.governance.rules", "qudao.governance.services"),
)


def _detectors_prepare(recorded: dict[str, Any] | None) -> Any:
    """The detectors' settings: live, or those an earlier run recorded."""
    # deferred: this module loads at start-up; the services load the engine
    from qudao.governance.services import detector_parameters

    return detector_parameters() if recorded is None else recorded.get("detectors", {})


def _detectors_run(context: StepContext) -> StepResult:
    from qudao.governance.services import violations_detect  # the engine

    run = violations_detect(
        period=context.run.period,
        engine=context.run.engine,
        inputs=context.inputs,
        parameters=context.state,
        review_run=context.run,
    )
    return StepResult(row_counts={"violations": run.row_counts["violations"]})


VIOLATIONS_STEP = ReviewStep(
    name="violations",
    order=40,
    reads=("sell_through", "sell_in", "territories", "regions", "prices", "partners"),
    writes=("governance.Violation", "governance.ViolationEvidence", "governance.DetectionRun"),
    prepare=_detectors_prepare,
    record=lambda parameters: {"detectors": parameters},
    run=_detectors_run,
    code=("qudao.governance.detectors", "qudao.governance.services"),
)


def scorecard_at_risk(user: Any) -> BaseExpression:
    """A scorecard's ``at_risk`` (``analytics.contributions``): whether its run found the
    partner at risk. Risk is the brand's internal view: a partner user is told nothing."""
    if user is not None and is_partner_user(user):
        return Value(None, output_field=BooleanField(null=True))
    return Exists(RunAtRisk.objects.filter(run=OuterRef("run"), partner=OuterRef("partner")))
