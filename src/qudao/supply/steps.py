"""The supply check as a step of every review (``analytics.steps``): days of supply and the
alerts as of the reviewed period's end. Light at start-up: the rules load at the first run."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from qudao.analytics.steps import ReviewStep, StepContext, StepResult
from qudao.supply.models import CheckTrigger


def _prepare(recorded: dict[str, Any] | None) -> Any:
    from qudao.supply.services import check_parameters  # its rules load the engine

    return check_parameters() if recorded is None else recorded.get("supply")


def _run(context: StepContext) -> StepResult:
    from qudao.supply.services import supply_check_run  # the engine

    if not context.state:  # a run recorded before this step existed
        return StepResult(row_counts={"supply_positions": 0})
    check = supply_check_run(
        trigger=CheckTrigger.REVIEW,
        as_of=min(context.run.period_end, timezone.localdate()),
        review_run=context.run,
        parameters=context.state,
    )
    return StepResult(
        row_counts={
            "supply_positions": check.counts["positions"],
            "supply_alerts_open": check.counts["open"],
        }
    )


SUPPLY_STEP = ReviewStep(
    name="supply_alerts",
    order=60,
    reads=("inventory", "sell_through", "products", "categories"),
    writes=("supply.SupplyCheck", "supply.SupplyPosition", "supply.SupplyAlert"),
    prepare=_prepare,
    record=lambda parameters: {"supply": parameters},
    run=_run,
    code=("qudao.supply.rules", "qudao.supply.forecast", "qudao.supply.services"),
)
