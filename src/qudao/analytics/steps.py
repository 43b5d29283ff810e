"""The review as a pipeline of registered steps.

A review computes the KPI table (``engine.run_review``) and writes the scorecards; then
each registered step runs, in its order, inside the same transaction: grade proposals
(analytics), risk flags (governance), and whatever later apps add (violation detectors,
rebate accrual, supply alerts). Apps register their steps from ``AppConfig.ready()``;
analytics knows none of them by name.

A step says what it reads (run inputs, through ``RunInputs``) and writes (tables), and has
a version that goes into the run's record and into the compiled-SQL cache key. What it
needs besides facts and master data — its settings — it ``record``s when a run starts
fresh; a re-run hands the recorded settings back to ``replay``, so a re-run judges with
the settings of the run it repeats.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qudao.analytics.inputs import RunInputs
from qudao.analytics.selectors import grading_model_active


@dataclass(frozen=True)
class StepContext:
    """What a step gets: the run (its scorecards are written), the run's inputs, and the
    step's own state as ``prepare`` made it (live settings, or replayed ones)."""

    run: Any
    inputs: RunInputs
    state: Any


@dataclass(frozen=True)
class StepResult:
    """What a step reports: row counts for the run's record (its time is taken for it)."""

    row_counts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ReviewStep:
    """One step of the review.

    ``prepare(recorded)`` returns the step's state: from live settings when ``recorded`` is
    None, else from the parameters an earlier run recorded. ``record(state)`` gives the
    parameters to store with the run (merged into ``ReviewRun.parameters``). ``run``
    does the work. ``code`` lists the modules whose source makes up the step's logic: their
    digest is the step's version, in the run's record and the SQL cache key.
    """

    name: str
    order: int
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    prepare: Callable[[dict[str, Any] | None], Any]
    record: Callable[[Any], dict[str, Any]]
    run: Callable[[StepContext], StepResult]
    code: tuple[str, ...] = ()


_STEPS: dict[str, ReviewStep] = {}


def register_step(step: ReviewStep) -> None:
    """Add a step to every review from now on (call it from ``AppConfig.ready()``)."""
    existing = _STEPS.get(step.name)
    if existing is not None and existing != step:
        raise ValueError(f"A review step named {step.name!r} is registered already.")
    _STEPS[step.name] = step


def review_steps() -> list[ReviewStep]:
    """The registered steps, in the order they run."""
    return sorted(_STEPS.values(), key=lambda step: (step.order, step.name))


@functools.cache
def _module_digest(module_name: str) -> str:
    module = importlib.import_module(module_name)
    return hashlib.sha256(Path(str(module.__file__)).read_bytes()).hexdigest()


def step_versions() -> dict[str, str]:
    """Each step's version: a digest of the source of its code modules (read once)."""
    versions = {}
    for step in review_steps():
        digest = hashlib.sha256(step.name.encode())
        for module_name in step.code:
            digest.update(_module_digest(module_name).encode())
        versions[step.name] = digest.hexdigest()[:16]
    return versions


# --- analytics' own step ----------------------------------------------------------------------


def _grading_prepare(recorded: dict[str, Any] | None) -> Any:
    """The grade-proposal step's state: the live grading model, or what a run recorded."""
    from qudao.analytics.services import RecordedGrading  # the services load the engine

    if recorded is None:
        return grading_model_active(user=None)
    return RecordedGrading(recorded["hysteresis_periods"]) if "weights" in recorded else None


def _grading_run(context: StepContext) -> StepResult:
    from qudao.analytics.services import grade_proposals_refresh  # they load the engine

    model = context.state
    if not model:
        return StepResult(row_counts={"grade_proposals": 0})
    done = grade_proposals_refresh(run=context.run, model=model)
    counts = {"grade_proposals": done.open}
    if done.upgrades_held:
        counts["upgrades_held"] = done.upgrades_held
    return StepResult(row_counts=counts)


GRADE_PROPOSALS_STEP = ReviewStep(
    name="grade_proposals",
    order=20,
    reads=("scorecards",),
    writes=("analytics.GradeProposal",),
    prepare=_grading_prepare,
    record=lambda state: {},  # the grading model is recorded with the run's own setup
    run=_grading_run,
    code=("qudao.analytics.services",),
)
