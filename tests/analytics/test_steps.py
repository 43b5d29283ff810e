"""The review as a pipeline of registered steps: other apps plug in without analytics
knowing them, each step runs in the review's transaction, in order, on the record."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

import qudao.analytics
from qudao.analytics import steps
from qudao.analytics.models import ReviewRun, RunStatus, Scorecard
from qudao.analytics.services import review_run
from qudao.analytics.steps import ReviewStep, StepContext, StepResult, review_steps
from qudao.governance.models import RiskFlag
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _probe(*, order: int, fail: bool = False, seen: list[Any] | None = None) -> ReviewStep:
    def run(context: StepContext) -> StepResult:
        if seen is not None:
            seen.append((context.state, Scorecard.objects.filter(run=context.run).count()))
        if fail:
            raise RuntimeError("probe failed")
        return StepResult(row_counts={"probe_rows": 7})

    return ReviewStep(
        name="probe",
        order=order,
        reads=(),
        writes=(),
        prepare=lambda recorded: "replayed" if recorded else "live",
        record=lambda state: {"probe": {"threshold": 3}},
        run=run,
    )


def test_the_apps_register_their_steps_in_order() -> None:
    assert [step.name for step in review_steps()][:2] == ["grade_proposals", "risk_flags"]


def test_a_registered_step_runs_after_the_scorecards_and_is_recorded(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Any] = []
    monkeypatch.setitem(steps._STEPS, "probe", _probe(order=25, seen=seen))
    run = review_run(period="2020Q1")
    # it saw the run's scorecards (written before the steps), with its live settings
    assert seen == [("live", Scorecard.objects.filter(run=run).count())]
    assert run.row_counts["probe_rows"] == 7 and "probe" in run.timings
    assert run.parameters["probe"] == {"threshold": 3}
    assert set(run.parameters["step_versions"]) >= {"grade_proposals", "risk_flags", "probe"}
    # a re-run hands the step what the run recorded
    from qudao.analytics.services import review_rerun_create

    again = review_run(period="2020Q1", run=review_rerun_create(run=run))
    assert seen[-1][0] == "replayed" and again.status == RunStatus.CURRENT


def test_a_failing_step_leaves_nothing_of_the_run(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = review_run(period="2020Q1")
    monkeypatch.setitem(steps._STEPS, "probe", _probe(order=25, fail=True))
    with pytest.raises(RuntimeError, match="probe failed"):
        review_run(period="2020Q1")
    failed = ReviewRun.objects.exclude(pk=first.pk).get()
    assert failed.status == RunStatus.FAILED and "probe failed" in failed.message
    assert not Scorecard.objects.filter(run=failed).exists()
    assert not RiskFlag.objects.filter(run=failed).exists()
    first.refresh_from_db()
    assert first.status == RunStatus.CURRENT  # the earlier run stays the current one


def test_analytics_imports_nothing_from_governance() -> None:
    """Governance plugs into the review; the review does not reach into governance."""
    package = Path(qudao.analytics.__file__).parent
    offenders = []
    for path in package.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            if any(name.startswith("qudao.governance") for name in names):
                offenders.append(f"{path.relative_to(package)}:{node.lineno}")
    assert offenders == []
