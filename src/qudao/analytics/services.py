"""Writes of the channel review: run it for a period, store the scorecards, supersede."""

from __future__ import annotations

import time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.analytics.engine import run_review
from qudao.analytics.kpis import (
    KPI_VERSION,
    KPIS,
    NEW_CUSTOMER_LOOKBACK_DAYS,
    sell_through_rate_definition,
)
from qudao.analytics.models import ReviewRun, RunStatus, Scorecard
from qudao.core.periods import Period

ProgressCallback = Any  # (fraction done, message) -> None

KPI_FIELDS = [k.id for k in KPIS]


def _decimal(value: Any, places: int) -> Decimal | None:
    """Rounded half-up to the column's places (money to the cent: DESIGN §4)."""
    if value is None:
        return None
    number = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    if not number.is_finite():
        return None
    return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _field_value(name: str, value: Any) -> Any:
    field = Scorecard._meta.get_field(name)
    places = getattr(field, "decimal_places", None)
    if places is None:
        return None if value is None else int(value)
    return _decimal(value, places)


def review_create(*, period: str, actor: Any | None = None, engine: str = "duckdb") -> ReviewRun:
    """Queue a review of ``period`` (parsed now, so a bad period is refused at once)."""
    parsed = Period.parse(period)
    return ReviewRun.objects.create(
        period=parsed.key,
        period_start=parsed.start,
        period_end=parsed.end,
        engine=engine,
        kpi_version=KPI_VERSION,
        started_by=actor,
    )


def review_run(
    *,
    period: str,
    actor: Any | None = None,
    engine: str = "duckdb",
    run: ReviewRun | None = None,
    progress: ProgressCallback | None = None,
) -> ReviewRun:
    """Compute every KPI of every scored partner for ``period`` and make it the current run.

    The earlier current run of the period is superseded in the same transaction; its
    scorecards stay, marked not current, so the history of a period's figures is kept.
    """
    from qudao.facts.models import Batch
    from qudao.partners.models import ChannelModel, Partner
    from qudao.territories.models import Region

    run = run or review_create(period=period, actor=actor, engine=engine)
    parsed = Period.parse(run.period)

    def report(fraction: float, message: str) -> None:
        ReviewRun.objects.filter(pk=run.pk).update(progress=fraction)
        if progress:
            progress(fraction, message)

    started = time.perf_counter()
    ReviewRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    report(0.05, _("reading facts"))
    try:
        result = run_review([parsed], engine=run.engine)
        report(0.7, _("writing scorecards"))
        write_started = time.perf_counter()
        partners = dict(Partner.objects.values_list("code", "pk"))
        models = dict(ChannelModel.objects.values_list("code", "pk"))
        regions = dict(Region.objects.values_list("code", "pk"))
        cards = []
        for row in result.table.to_pylist():
            cards.append(
                Scorecard(
                    run=run,
                    partner_id=partners[row["partner"]],
                    period=row["period"],
                    channel_model_id=models.get(row["channel_model"]),
                    region_id=regions.get(row["region"]),
                    target=_decimal(row["target"], 2),
                    rank_in_channel_model=row["rank_in_channel_model"],
                    **{name: _field_value(name, row[name]) for name in KPI_FIELDS},
                )
            )
        with transaction.atomic():
            earlier = ReviewRun.objects.select_for_update().filter(
                period=run.period, status=RunStatus.CURRENT
            )
            Scorecard.objects.filter(run__in=earlier).update(is_current=False)
            earlier.update(status=RunStatus.SUPERSEDED)
            Scorecard.objects.bulk_create(cards, batch_size=2000)
            timings = {**result.timings, "write": time.perf_counter() - write_started}
            timings["total"] = time.perf_counter() - started
            ReviewRun.objects.filter(pk=run.pk).update(
                status=RunStatus.CURRENT,
                progress=1.0,
                input_batches=result.input_batches,
                parameters={
                    "sell_through_rate": str(sell_through_rate_definition()),
                    "new_customer_lookback_days": NEW_CUSTOMER_LOOKBACK_DAYS,
                },
                timings={k: round(v, 3) for k, v in timings.items()},
                row_counts={
                    "scorecards": len(cards),
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
