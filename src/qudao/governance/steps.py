"""The risk rules as a step of every review (``analytics.steps``). Registered at start-up,
so this module stays light: the services (and the engine behind them) load at the first run.
"""

from __future__ import annotations

from typing import Any

from qudao.analytics.steps import ReviewStep, StepContext, StepResult


def _rules_prepare(recorded: dict[str, Any] | None) -> Any:
    """The rules a run applies: the enabled ones now, or those an earlier run recorded."""
    from qudao.governance.rules import RULE_BY_ID
    from qudao.governance.services import enabled_rules

    if recorded is None:
        return enabled_rules()
    return [(RULE_BY_ID[i], p) for i, p in recorded.get("rules", {}).items()]


def _rules_run(context: StepContext) -> StepResult:
    from qudao.governance.services import risk_flags_refresh, rules_set_aside

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
    writes=("governance.RiskFlag", "analytics.Scorecard.at_risk"),
    prepare=_rules_prepare,
    record=lambda rules: {"rules": {rule.id: params for rule, params in rules}},
    run=_rules_run,
    code=("qudao.governance.rules", "qudao.governance.services"),
)
