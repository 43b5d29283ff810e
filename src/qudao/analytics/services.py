"""Writes of the channel review: run it for a period, store the scorecards, supersede."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pyarrow.compute as pc
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from qudao.analytics.contributions import proposal_decided, upgrade_holds
from qudao.analytics.engine import Grading, check_engine, default_engine, run_review
from qudao.analytics.inputs import RunInputs
from qudao.analytics.kpis import (
    KPI_BY_ID,
    KPI_VERSION,
    KPIS,
    NEW_CUSTOMER_LOOKBACK_MONTHS,
    SellThroughRate,
    sell_through_rate_definition,
)
from qudao.analytics.models import (
    DEFAULT_THRESHOLDS,
    DEFAULT_WEIGHTS,
    GradeProposal,
    GradingModel,
    ProposalOrigin,
    ProposalStatus,
    ReviewRun,
    RunStatus,
    Scorecard,
)
from qudao.analytics.rollups import rollup_key
from qudao.analytics.selectors import grading_model_active
from qudao.analytics.steps import StepContext, review_steps, step_versions
from qudao.analytics.tasks import run_review_task
from qudao.core.bulk import bulk_insert, bulk_insert_with_history
from qudao.core.i18n import job_language
from qudao.core.numbers import rounded_or_none
from qudao.core.periods import Period
from qudao.core.permissions import ensure_may_change, restrict
from qudao.core.services import model_update
from qudao.facts.models import Batch
from qudao.partners.models import ChannelModel, Grade, Partner
from qudao.partners.services import partner_update
from qudao.territories.models import Region

ProgressCallback = Any  # (fraction done, message) -> None

KPI_FIELDS = [k.id for k in KPIS]


def _kpi_places() -> dict[str, int | None]:
    """Decimal places each KPI is stored with (None: a count)."""
    return {
        name: getattr(Scorecard._meta.get_field(name), "decimal_places", None)
        for name in KPI_FIELDS
    }


def _field_value(places: int | None, value: Any) -> Any:
    if places is None:
        return None if value is None else int(value)
    return rounded_or_none(value, places)


def review_create(*, period: str, actor: Any | None = None, engine: str | None = None) -> ReviewRun:
    """Queue a review of ``period`` on ``engine`` (default: the configured one); a bad
    period or an engine not installed is refused at once."""
    ensure_may_change(ReviewRun, actor)
    parsed = Period.parse(period)
    engine = engine or default_engine()
    check_engine(engine)
    return ReviewRun.objects.create(
        period=parsed.key,
        period_start=parsed.start,
        period_end=parsed.end,
        engine=engine,
        kpi_version=KPI_VERSION,
        started_by=actor,
        language=job_language(),
    )


class RerunRefusedError(ValueError):
    """A run cannot be made again here (its facts or its dictionary changed)."""


def review_rerun_create(*, run: ReviewRun, actor: Any | None = None) -> ReviewRun:
    """Queue the same review again from what ``run`` recorded: its fact batches, the
    snapshots of the master data it read, its parameters. Refused at once where the
    facts or the KPI dictionary are no longer those the run used."""
    ensure_may_change(ReviewRun, actor)
    if run.status not in (RunStatus.CURRENT, RunStatus.SUPERSEDED) or not run.input_snapshots:
        raise RerunRefusedError(
            _("Run %(id)s recorded no inputs to re-run from (it failed, or is older than this "
              "feature).") % {"id": run.pk}
        )  # fmt: skip
    if run.kpi_version != KPI_VERSION:
        raise RerunRefusedError(
            _("Run %(id)s used KPI dictionary %(then)s; this installation has %(now)s.")
            % {"id": run.pk, "then": run.kpi_version, "now": KPI_VERSION}
        )
    _check_same_facts(run)
    return ReviewRun.objects.create(
        period=run.period,
        period_start=run.period_start,
        period_end=run.period_end,
        engine=run.engine,
        kpi_version=run.kpi_version,
        started_by=actor,
        language=job_language(),
        rerun_of=run,
    )


def _check_same_facts(run: ReviewRun) -> None:
    """Facts never change, but batches are added and reverted: a re-run needs the same."""
    for fact, recorded in run.input_batches.items():
        now = rollup_key(fact)[1]
        if sorted(now) != sorted(recorded):
            added = sorted(set(now) - set(recorded))
            gone = sorted(set(recorded) - set(now))
            raise RerunRefusedError(
                _("The %(fact)s facts changed since run %(id)s (batches added: %(added)s; "
                  "reverted: %(gone)s): a re-run reads the same batches. Start a new review "
                  "instead.")
                % {"fact": fact, "id": run.pk, "added": _ids(added), "gone": _ids(gone)}
            )  # fmt: skip


def _ids(ids: list[int]) -> str:
    return ", ".join(f"#{i}" for i in ids) or "—"


def review_enqueue(
    *, period: str, actor: Any | None = None, engine: str | None = None
) -> ReviewRun:
    """Queue a review to run in the background once the caller's transaction commits."""
    run = review_create(period=period, actor=actor, engine=engine)
    transaction.on_commit(lambda: run_review_task.enqueue(run.pk))
    return run


def review_rerun_enqueue(*, run: ReviewRun, actor: Any | None = None) -> ReviewRun:
    """Queue a re-run of ``run`` in the background once the caller's transaction commits."""
    again = review_rerun_create(run=run, actor=actor)
    transaction.on_commit(lambda: run_review_task.enqueue(again.pk))
    return again


def review_run(
    *,
    period: str,
    actor: Any | None = None,
    engine: str | None = None,
    run: ReviewRun | None = None,
    progress: ProgressCallback | None = None,
) -> ReviewRun:
    """Compute every KPI of every scored partner for ``period`` and make it the current run.

    The earlier current run of the period is superseded in the same transaction; its
    scorecards stay, marked not current, so the history of a period's figures is kept.
    """
    run = run or review_create(period=period, actor=actor, engine=engine)
    parsed = Period.parse(run.period)
    setup = _ReviewSetup.replaying(run.rerun_of) if run.rerun_of else _ReviewSetup.fresh()

    def report(fraction: float, message: str) -> None:
        ReviewRun.objects.filter(pk=run.pk).update(progress=fraction)
        if progress:
            progress(fraction, message)

    started = time.perf_counter()
    ReviewRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    report(0.05, _("reading facts"))
    try:
        result = run_review(
            [parsed],
            engine=run.engine,
            grading=setup.grading,
            inputs=setup.inputs,
            sell_through_rate=SellThroughRate(setup.parameters["sell_through_rate"]),
        )
        run.data_span = _data_span(result.input_batches)  # the rules ask if it is partial
        report(0.7, _("writing scorecards"))
        write_started = time.perf_counter()
        partners = dict(Partner.objects.values_list("code", "pk"))
        models = dict(ChannelModel.objects.values_list("code", "pk"))
        regions = dict(Region.objects.values_list("code", "pk"))
        grades = dict(Grade.objects.values_list("code", "pk"))
        kpi_places = list(_kpi_places().items())
        cards = [
            {
                "run_id": run.pk,
                "partner_id": partners[row["partner"]],
                "period": row["period"],
                "is_current": True,
                "channel_model_id": models.get(row["channel_model"]),
                "region_id": regions.get(row["region"]),
                "target": rounded_or_none(row["target"], 2),
                "costed_revenue": rounded_or_none(row["costed_revenue"], 2),
                "revenue_year_ago": rounded_or_none(row["revenue_year_ago"], 2),
                "rank_in_channel_model": row["rank_in_channel_model"],
                "score": rounded_or_none(row.get("score"), 6),
                "computed_grade_id": grades.get(row.get("computed_grade") or ""),
                "grade_id": grades.get(row["grade"] or ""),
                **{name: _field_value(places, row[name]) for name, places in kpi_places},
            }
            for row in result.table.to_pylist()
        ]
        with transaction.atomic():
            earlier = ReviewRun.objects.select_for_update().filter(
                period=run.period, status=RunStatus.CURRENT
            )
            Scorecard.objects.filter(run__in=earlier).update(is_current=False)
            earlier.update(status=RunStatus.SUPERSEDED)
            bulk_insert(Scorecard, cards)
            timings = {**result.timings, "write": time.perf_counter() - write_started}
            counted: dict[str, Any] = {}
            for step in review_steps():  # grade proposals, risk flags, … (see steps.py)
                step_started = time.perf_counter()
                outcome = step.run(StepContext(run, setup.inputs, setup.states[step.name]))
                counted.update(outcome.row_counts)
                timings[step.name] = time.perf_counter() - step_started
            timings["total"] = time.perf_counter() - started
            ReviewRun.objects.filter(pk=run.pk).update(
                status=RunStatus.CURRENT,
                progress=1.0,
                input_batches=result.input_batches,
                input_snapshots=setup.inputs.recorded,
                data_span=run.data_span,
                parameters=setup.parameters,
                timings={k: round(v, 3) for k, v in timings.items()},
                row_counts={
                    "scorecards": len(cards),
                    **_cost_line_counts(result.table),
                    **counted,
                    **{
                        f"{fact}_rows": sum(
                            Batch.objects.filter(pk__in=ids).values_list("rows_accepted", flat=True)
                        )
                        for fact, ids in result.input_batches.items()
                    },
                },
                finished_at=timezone.now(),
            )
    except Exception as exc:
        ReviewRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, message=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    if progress:
        progress(1.0, _("done"))
    run.refresh_from_db()
    return run


@dataclass(frozen=True)
class RecordedGrading:
    """What grade proposals need of the grading model, as a run recorded it."""

    hysteresis_periods: int


@dataclass(frozen=True)
class _ReviewSetup:
    """What a run reads besides facts: master data (through ``inputs``), the grading
    model, each step's settings — live, or as an earlier run recorded them."""

    inputs: RunInputs
    grading: Grading | None
    states: dict[str, Any]  # step name → what its ``prepare`` returned
    parameters: dict[str, Any]

    @classmethod
    def fresh(cls) -> _ReviewSetup:
        model = grading_model_active(user=None)
        grading_parameters = (
            {
                "grading_model": model.name,
                "weights": model.weights,
                "thresholds": model.thresholds,
                "hysteresis_periods": model.hysteresis_periods,
            }
            if model
            else {}
        )
        states = {step.name: step.prepare(None) for step in review_steps()}
        recorded: dict[str, Any] = {}
        for step in review_steps():
            recorded.update(step.record(states[step.name]))
        return cls(
            inputs=RunInputs(),
            grading=Grading.from_model(model) if model else None,
            states=states,
            parameters={
                "sell_through_rate": str(sell_through_rate_definition()),
                "new_customer_lookback_months": NEW_CUSTOMER_LOOKBACK_MONTHS,
                **grading_parameters,
                **recorded,
                "step_versions": step_versions(),
            },
        )

    @classmethod
    def replaying(cls, original: ReviewRun) -> _ReviewSetup:
        _check_same_facts(original)
        recorded = original.parameters
        graded = "weights" in recorded
        return cls(
            inputs=RunInputs(replay=original.input_snapshots),
            grading=Grading(
                weights={k: float(v) for k, v in recorded["weights"].items()},
                thresholds=[(str(code), float(low)) for code, low in recorded["thresholds"]],
            )
            if graded
            else None,
            states={step.name: step.prepare(recorded) for step in review_steps()},
            parameters=dict(recorded),
        )


def _data_span(input_batches: dict[str, list[int]]) -> dict[str, list[str]]:
    """The first and last day of each fact's data among the batches a run read."""
    span = {}
    for fact, ids in input_batches.items():
        found = Batch.objects.filter(pk__in=ids).aggregate(
            first=Min("first_date"), last=Max("last_date")
        )
        if found["first"] and found["last"]:
            span[fact] = [found["first"].isoformat(), found["last"].isoformat()]
    return span


def _cost_line_counts(table: Any) -> dict[str, int]:
    """Sell-in lines of the period that had no cost: costed at the product's standard cost,
    and left out of the margin (no standard cost either)."""
    fallback = pc.sum(table["cost_fallback_lines"]).as_py() or 0
    missing = pc.sum(table["uncosted_lines"]).as_py() or 0
    return {"lines_at_standard_cost": fallback, "lines_without_cost": missing - fallback}


@dataclass(frozen=True)
class ProposalRefresh:
    open: int  # proposals open for the period after the refresh
    upgrades_held: int  # better grades not proposed: the partner is held (upgrade_holds)


def grade_proposals_refresh(*, run: ReviewRun, model: GradingModel) -> ProposalRefresh:
    """Propose a grade change for each partner whose computed grade differed from its
    grade in the last ``hysteresis_periods`` reviews running (this one included) — but no
    better grade for a partner another app holds (a violation confirmed for one of the
    last four quarters).

    An open proposal that no longer holds is withdrawn; one that still holds is kept.
    """
    period = Period.parse(run.period)
    window = [period.shifted(-i).key for i in range(model.hysteresis_periods)]
    computed: dict[int, dict[str, Any]] = {}
    for partner_id, key, grade_id, score in Scorecard.objects.filter(
        is_current=True, period__in=window
    ).values_list("partner_id", "period", "computed_grade_id", "score"):
        computed.setdefault(partner_id, {})[key] = (grade_id, score)

    current = dict(Partner.objects.values_list("pk", "grade_id"))
    ranks = dict(Grade.objects.values_list("pk", "rank"))
    held = upgrade_holds(run.period)
    upgrades_held = 0
    open_now = {
        p.partner_id: p
        for p in GradeProposal.objects.filter(
            status=ProposalStatus.PROPOSED, period=run.period, origin=ProposalOrigin.REVIEW
        )
    }
    count = 0
    created: list[dict[str, Any]] = []
    kept: list[GradeProposal] = []  # still open and still holding: now from this run
    changed: list[GradeProposal] = []  # of those, the ones whose score or evidence moved
    for partner_id, by_period in computed.items():
        history = [by_period.get(key, (None, None)) for key in window]
        grades = {grade for grade, _score in history}
        target = history[0][0]
        holds = len(grades) == 1 and target is not None and target != current.get(partner_id)
        was = current.get(partner_id)
        if holds and partner_id in held and was is not None and ranks[target] < ranks[was]:
            holds = False
            upgrades_held += 1
        existing = open_now.pop(partner_id, None)
        if existing is not None and (not holds or existing.to_grade_id != target):
            existing.status = ProposalStatus.WITHDRAWN
            existing.save(update_fields=["status", "updated_at"])
            existing = None
        if not holds:
            continue
        count += 1
        evidence = [
            {"period": key, "grade_id": grade, "score": None if score is None else str(score)}
            for key, (grade, score) in zip(window, history, strict=True)
        ]
        if existing is None:
            created.append(
                {
                    "partner_id": partner_id,
                    "period": run.period,
                    "run_id": run.pk,
                    "status": ProposalStatus.PROPOSED.value,
                    "note": "",
                    "from_grade_id": current.get(partner_id),
                    "to_grade_id": target,
                    "score": history[0][1],
                    "evidence": evidence,
                }
            )
        else:
            if (existing.score, existing.evidence) != (history[0][1], evidence):
                existing.score, existing.evidence = history[0][1], evidence
                changed.append(existing)
            kept.append(existing)
    # Thousands of proposals after a review: a query each would dominate the run.
    bulk_insert_with_history(
        GradeProposal,
        created,
        marker={"run_id": run.pk},
        key="partner_id",
        user_id=run.started_by_id,
    )
    GradeProposal.objects.filter(pk__in=[p.pk for p in kept]).update(run=run)
    GradeProposal.objects.bulk_update(changed, ["score", "evidence"], batch_size=500)
    for stale in open_now.values():
        stale.status = ProposalStatus.WITHDRAWN
        stale.save(update_fields=["status", "updated_at"])
    grade_proposals_supersede(user=run.started_by)
    return ProposalRefresh(count, upgrades_held)


def grade_proposals_supersede(*, user: Any | None = None) -> int:
    """Leave one open proposal per partner: the one of its latest period (the newest run
    on a tie). Older open ones become superseded, so that nobody applies a grade an
    outdated review proposed. Returns how many were superseded."""
    # Whole rows: the history records every field, and a deferred one would cost a query
    # per row and field (820 proposals took 9 s with ``.only()``).
    open_ones = list(
        GradeProposal.objects.filter(status=ProposalStatus.PROPOSED, origin=ProposalOrigin.REVIEW)
    )
    latest: dict[int, GradeProposal] = {}
    for proposal in sorted(open_ones, key=lambda p: (Period.parse(p.period).end, p.pk)):
        latest[proposal.partner_id] = proposal  # the last, the latest, wins
    older = [p for p in open_ones if latest[p.partner_id] is not p]
    now = timezone.now()
    for proposal in older:
        proposal.status, proposal.updated_at = ProposalStatus.SUPERSEDED, now
    if older:
        bulk_update_with_history(
            older, GradeProposal, ["status", "updated_at"], batch_size=500, default_user=user
        )
    return len(older)


@transaction.atomic
def grade_proposal_decide(
    *, proposal: GradeProposal, approve: bool, actor: Any, note: str = ""
) -> GradeProposal:
    """Approve (the partner's grade changes, audited) or reject a proposed grade change,
    with the reason given. Only those who may change the proposal decide it."""
    if not restrict(GradeProposal.objects.filter(pk=proposal.pk), actor, "change").exists():
        raise PermissionDenied(_("You may not decide this proposal."))
    locked = GradeProposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.status == ProposalStatus.SUPERSEDED:
        raise ValidationError(
            _("A newer review proposed another grade for this partner: decide that one.")
        )
    if locked.status != ProposalStatus.PROPOSED:
        raise ValidationError(_("This proposal was already decided."))
    if approve:
        partner_update(partner=locked.partner, grade=locked.to_grade, actor=actor)
    locked.status = ProposalStatus.APPROVED if approve else ProposalStatus.REJECTED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.note = note
    locked._history_user = actor  # type: ignore[attr-defined]
    locked.save()
    proposal_decided(proposal=locked, actor=actor)
    return locked


def grade_proposals_decide_all(*, proposals: Any, approve: bool, actor: Any, note: str = "") -> int:
    """Decide every open proposal of ``proposals`` (a queryset) the same way: the latest
    per partner only (older ones are superseded, never applied). Returns how many."""
    chosen = restrict(proposals, actor, "change").filter(status=ProposalStatus.PROPOSED)
    decided = 0
    for proposal in chosen.select_related("partner", "to_grade").order_by("partner_id"):
        grade_proposal_decide(proposal=proposal, approve=approve, actor=actor, note=note)
        decided += 1
    return decided


def grading_model_update(*, model: GradingModel, actor: Any | None = None, **data: Any) -> Any:
    """Change the grading model (audited); the next review uses it. Only those who may
    change it (the director), and only to weights of known KPIs and thresholds of known
    grades, best first."""
    ensure_may_change(GradingModel, actor)
    problems = grading_model_problems(data)
    if problems:
        raise ValidationError(problems)
    return model_update(instance=model, data=data, actor=actor)[0]


def grading_model_problems(data: dict[str, Any]) -> dict[str, str]:
    """What is wrong with a grading model's weights, thresholds and hysteresis, by field
    (empty when nothing): the rule the form's preview and the save share."""
    problems = {
        **(_weight_problems(data["weights"]) if "weights" in data else {}),
        **(_threshold_problems(data["thresholds"]) if "thresholds" in data else {}),
    }
    hysteresis = data.get("hysteresis_periods", 1)
    if isinstance(hysteresis, bool) or not isinstance(hysteresis, int) or not 1 <= hysteresis <= 12:
        problems["hysteresis_periods"] = _("Between 1 and 12 reviews.")
    return problems


def _weight_problems(weights: Any) -> dict[str, str]:
    if not isinstance(weights, dict) or not weights:
        return {"weights": _("Give at least one KPI and its weight.")}
    unknown = sorted(set(weights) - set(KPI_BY_ID))
    if unknown:
        return {
            "weights": _("Not KPIs of the dictionary: %(names)s.") % {"names": ", ".join(unknown)}
        }
    if any(
        isinstance(w, bool) or not isinstance(w, int | float) or w <= 0 for w in weights.values()
    ):
        return {"weights": _("Every weight must be a number above 0.")}
    return {}


def _threshold_problems(pairs: Any) -> dict[str, str]:
    shaped = isinstance(pairs, list) and all(
        isinstance(p, list) and len(p) == 2 and isinstance(p[1], int | float) for p in pairs
    )
    if not shaped or not pairs:
        return {"thresholds": _('Write pairs like [["A", 0.75], ["B", 0.5]].')}
    known = set(Grade.objects.values_list("code", flat=True))
    unknown = sorted({str(code) for code, _lowest in pairs} - known)
    if unknown:
        return {
            "thresholds": _("No grade with the code(s) %(codes)s.") % {"codes": ", ".join(unknown)}
        }
    lowest = [float(p[1]) for p in pairs]
    if any(not 0 <= score <= 1 for score in lowest):
        return {"thresholds": _("Scores are between 0 and 1.")}
    if lowest != sorted(lowest, reverse=True):
        return {"thresholds": _("List the best grade first, with falling scores.")}
    return {}


def grading_model_ensure() -> GradingModel:
    """The standard grading model, created if there is none (a fresh install gets it from a
    migration; this restores it where the data was flushed, e.g. for the demo)."""
    existing = grading_model_active(user=None)
    if existing is not None:
        return existing
    model, _created = GradingModel.objects.get_or_create(
        name="Standard",
        defaults={
            "weights": DEFAULT_WEIGHTS,
            "thresholds": DEFAULT_THRESHOLDS,
            "hysteresis_periods": 2,
        },
    )
    return model
