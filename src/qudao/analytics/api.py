from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from qudao.analytics import selectors
from qudao.analytics.filtersets import ScorecardFilterSet
from qudao.analytics.kpis import KPI_VERSION, KPIS
from qudao.analytics.models import Engine, ReviewRun, RunStatus
from qudao.analytics.services import review_enqueue, review_rerun_enqueue
from qudao.core.api import Pagination, filtered
from qudao.core.permissions import can_change
from qudao.core.workers import waiting_note
from qudao.partners.models import ChannelModel

router = Router(tags=["review"])


class KpiOut(Schema):
    id: str
    name_en: str
    name_zh: str
    unit: str
    direction: str
    formula: str
    definition_en: str
    definition_zh: str
    facts: list[str]


class KpiDictionaryOut(Schema):
    version: str
    kpis: list[KpiOut]


class RunOut(Schema):
    id: int
    period: str
    status: RunStatus
    progress: float
    engine: str
    kpi_version: str
    parameters: dict[str, Any]
    input_batches: dict[str, Any]
    input_snapshots: dict[str, str]
    rerun_of_id: int | None
    # {fact: [first day, last day]} of the data the run read
    data_span: dict[str, list[str]]
    # sell-in covers only part of the period
    partial: bool

    @staticmethod
    def resolve_partial(run: ReviewRun) -> bool:
        return run.partial_sell_in is not None

    timings: dict[str, Any]
    row_counts: dict[str, Any]
    message: str
    created_at: datetime
    finished_at: datetime | None
    # Why a queued run may not move (no worker, long queue); empty otherwise.
    waiting_note: str

    @staticmethod
    def resolve_waiting_note(run: ReviewRun) -> str:
        return waiting_note(active=run.status in (RunStatus.QUEUED, RunStatus.RUNNING))


class RunIn(Schema):
    period: str
    engine: Engine | None = Field(None, description="duckdb or spark; default: the configured")


class ScorecardOut(Schema):
    partner: str  # its code, as everywhere in the API
    period: str
    run_id: int
    channel_model: str | None
    grade: str | None
    computed_grade: str | None
    score: Decimal | None
    at_risk: bool | None
    target: Decimal | None
    kpis: dict[str, Decimal | int | None]

    @staticmethod
    def resolve_partner(card: Any) -> str:
        return str(card.partner.code)

    @staticmethod
    def resolve_channel_model(card: Any) -> str | None:
        return card.channel_model.code if card.channel_model else None

    @staticmethod
    def resolve_grade(card: Any) -> str | None:
        return card.partner.grade.code if card.partner.grade else None

    @staticmethod
    def resolve_computed_grade(card: Any) -> str | None:
        return card.computed_grade.code if card.computed_grade else None

    @staticmethod
    def resolve_kpis(card: Any) -> dict[str, Any]:
        return {k.id: getattr(card, k.id) for k in KPIS}


class ScorecardFilters(Schema):
    q: str | None = None
    period: str | None = None
    channel_model: str | None = Field(None, description="a channel model's code")


@router.get("/kpis", response=KpiDictionaryOut)
def kpi_dictionary(request: HttpRequest) -> Any:
    """Every KPI the review computes, with its definition in English and Chinese."""
    return {
        "version": KPI_VERSION,
        "kpis": [{**k.__dict__, "unit": str(k.unit), "direction": str(k.direction)} for k in KPIS],
    }


@router.get("/runs", response=list[RunOut])
@paginate(Pagination)
def list_runs(request: HttpRequest) -> Any:
    return selectors.review_run_list(user=request.user)


@router.get("/runs/{int:run_id}", response=RunOut)
def get_run(request: HttpRequest, run_id: int) -> Any:
    """Poll this after starting a run: ``status`` goes from ``queued`` to ``current``."""
    return get_object_or_404(selectors.review_run_list(user=request.user), pk=run_id)


@router.post("/runs", response={202: RunOut})
def start_run(request: HttpRequest, payload: RunIn) -> Any:
    """Run the review of a period (2019Q4, 2019-12, 2019) in the background."""
    if not can_change(request.user, ReviewRun):
        raise HttpError(403, "You may not run reviews.")
    try:
        run = review_enqueue(period=payload.period, actor=request.user, engine=payload.engine)
    except ValueError as exc:
        raise HttpError(422, str(exc)) from exc
    return Status(202, run)


@router.post("/runs/{int:run_id}/rerun", response={202: RunOut})
def rerun_run(request: HttpRequest, run_id: int) -> Any:
    """Make a run again from what it recorded (facts, master data, parameters)."""
    run = get_object_or_404(selectors.review_run_list(user=request.user), pk=run_id)
    if not can_change(request.user, ReviewRun):
        raise HttpError(403, "You may not run reviews.")
    try:
        again = review_rerun_enqueue(run=run, actor=request.user)
    except ValueError as exc:
        raise HttpError(422, str(exc)) from exc
    return Status(202, again)


@router.get("/scorecards", response=list[ScorecardOut])
@paginate(Pagination)
def list_scorecards(request: HttpRequest, filters: Query[ScorecardFilters]) -> Any:
    """The current scorecards the caller may see; rates are decimals, null is no data."""
    return filtered(
        ScorecardFilterSet,
        filters.dict(),
        selectors.scorecard_list(user=request.user),
        codes={"channel_model": ChannelModel},
    )
