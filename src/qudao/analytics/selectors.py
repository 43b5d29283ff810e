"""Reads of the channel review; every one goes through the access gate."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pyarrow as pa
from django.db.models import Count, F, Q, QuerySet, Sum

from qudao.analytics.contributions import scorecard_columns
from qudao.analytics.kpis import KPIS, Direction, typed_value
from qudao.analytics.models import (
    GradeProposal,
    GradingModel,
    ProposalStatus,
    ReviewRun,
    RunStatus,
    Scorecard,
)
from qudao.core.periods import Period
from qudao.core.permissions import restrict
from qudao.partners.models import Grade, Partner
from qudao.territories.models import Region

# The export contract: these columns first, in this order, then every other KPI.
EXPORT_LEADING = [
    "partner_code",
    "period",
    "revenue",
    "gross_margin",
    "gross_margin_rate",
    "revenue_growth_qoq",
    "revenue_growth_yoy",
    "target_attainment",
    "grade",
    "at_risk",
]
EXPORT_COLUMNS = EXPORT_LEADING + [k.id for k in KPIS if k.id not in EXPORT_LEADING]


def review_run_list(*, user: Any) -> QuerySet[ReviewRun]:
    return restrict(ReviewRun.objects.select_related("started_by"), user, "view")


def current_run(*, period: str) -> ReviewRun | None:
    return ReviewRun.objects.filter(period=period, status=RunStatus.CURRENT).first()


def period_is_partial(key: str) -> bool:
    """Whether the current review of ``key`` had sell-in for only part of the period."""
    run = current_run(period=key)
    return run is not None and run.partial_sell_in is not None


def scorecard_list(*, user: Any | None, period: str | None = None) -> QuerySet[Scorecard]:
    """The current scorecards (of the current run of each period) the user may see, with the
    columns other apps own joined in (``at_risk``); ``user=None`` is the operator at the
    console (``qudao export`` without ``--user``)."""
    cards = Scorecard.objects.filter(is_current=True).annotate(**scorecard_columns(user))
    cards = cards.select_related(
        "partner",
        "partner__grade",
        "channel_model",
        "region",
        "computed_grade",
        "grade",
        "run",
    )
    if period:
        cards = cards.filter(period=period)
    return cards if user is None else restrict(cards, user, "view")


def _export_value(column: str, value: Any) -> Any:
    """Typed for the writers (``kpis.typed_value``); yes/no as true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return typed_value(column, value)


def scorecard_export_rows(*, user: Any | None, period: str) -> tuple[list[str], list[list[Any]]]:
    rows = []
    for card in scorecard_list(user=user, period=period).order_by("partner__code"):
        values: dict[str, Any] = {
            "partner_code": card.partner.code,
            "period": card.period,
            # the grade held when reviewed: an export of the run, whatever changed since
            "grade": card.grade.code if card.grade else None,
            "at_risk": getattr(card, "at_risk", None),  # governance's (contributions)
        }
        values.update({k.id: getattr(card, k.id) for k in KPIS})
        rows.append([_export_value(c, values[c]) for c in EXPORT_COLUMNS])
    return EXPORT_COLUMNS, rows


def grade_proposal_list(*, user: Any) -> QuerySet[GradeProposal]:
    proposals = GradeProposal.objects.select_related(
        "partner", "from_grade", "to_grade", "decided_by"
    )
    return restrict(proposals, user, "view")


def grading_model_active(*, user: Any | None) -> GradingModel | None:
    """The grading model in use, if ``user`` may see it (partner users may not: the brand's
    internals); ``user=None`` is the review itself."""
    active = GradingModel.objects.filter(is_active=True)
    return (active if user is None else restrict(active, user, "view")).first()


def reviewed_periods() -> list[str]:
    """Periods that have a current review, latest first."""
    keys = ReviewRun.objects.filter(status=RunStatus.CURRENT).values_list("period", flat=True)
    return sorted(set(keys), key=lambda k: (Period.parse(k).end, k), reverse=True)


def _ratio(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def _totals(cards: QuerySet[Scorecard]) -> dict[str, Any]:
    sums = cards.aggregate(
        revenue_total=Sum("revenue"),
        target_total=Sum("target"),
        margin=Sum("gross_margin"),
        margin_revenue=Sum("costed_revenue"),
        partners=Count("pk"),
        at_risk_total=Count("pk", filter=Q(at_risk=True)),
        sell_through=Sum("sell_through_revenue"),
    )
    sums["margin_rate"] = _ratio(sums["margin"], sums["margin_revenue"])
    sums["attainment"] = _ratio(
        cards.filter(target__isnull=False).aggregate(r=Sum("revenue"))["r"], sums["target_total"]
    )
    return sums


# The cockpit's tiles: each a channel total of the scorecards, per period.
TILE_METRICS = ("sell_in", "sell_through", "attainment", "margin_rate")


def tile_series(*, user: Any, period: str, count: int = 8) -> dict[str, list[Any]]:
    """For ``period`` and the ``count - 1`` periods of its kind before it: sell-in,
    sell-through, target attainment and gross-margin rate summed over the scorecards
    ``user`` may see (None where no review covers a period); oldest first, with "periods"."""
    current = Period.parse(period)
    keys = [current.shifted(-step).key for step in range(count - 1, -1, -1)]
    rows = {
        row["period"]: row
        for row in scorecard_list(user=user)
        .filter(period__in=keys)
        .values("period")
        .annotate(
            sell_in=Sum("revenue"),
            sell_through=Sum("sell_through_revenue"),
            targeted_revenue=Sum("revenue", filter=Q(target__isnull=False)),
            target_total=Sum("target"),
            margin=Sum("gross_margin"),
            margin_revenue=Sum("costed_revenue"),
        )
    }
    series: dict[str, list[Any]] = {"periods": keys, **{m: [] for m in TILE_METRICS}}
    for key in keys:
        row = rows.get(key, {})
        series["sell_in"].append(row.get("sell_in"))
        series["sell_through"].append(row.get("sell_through"))
        series["attainment"].append(_ratio(row.get("targeted_revenue"), row.get("target_total")))
        series["margin_rate"].append(_ratio(row.get("margin"), row.get("margin_revenue")))
    return series


def _movers(
    ranked: QuerySet[Scorecard], before: QuerySet[Scorecard], *, count: int = 5
) -> tuple[list[tuple[Decimal, Scorecard]], list[tuple[Decimal, Scorecard]]]:
    """The partners whose sell-in rose most and fell most against the period before, each
    with the change."""
    previous_revenue = dict(before.values_list("partner_id", "revenue"))
    movers = []
    for card in ranked:
        earlier = previous_revenue.get(card.partner_id)
        if earlier is not None and card.revenue is not None:
            movers.append((card.revenue - earlier, card))
    movers.sort(key=lambda m: m[0])
    return (
        [m for m in reversed(movers[-count:]) if m[0] > 0],
        [m for m in movers[:count] if m[0] < 0],
    )


def cockpit_figures(*, user: Any, period: str) -> dict[str, Any]:
    """What the home page shows of one period beside its tiles: the totals and the movers
    (the rest of ``review_overview`` is the overview page's)."""
    current = Period.parse(period)
    cards = scorecard_list(user=user, period=current.key)
    before = scorecard_list(user=user, period=current.previous.key)
    risers, fallers = _movers(cards.filter(revenue__isnull=False), before)
    return {"totals": _totals(cards), "risers": risers, "fallers": fallers}


def review_overview(*, user: Any, period: str) -> dict[str, Any]:
    """Channel totals, breakdowns, top and bottom partners and changes for one period,
    over the partners the user may see."""
    current = Period.parse(period)
    cards = scorecard_list(user=user, period=current.key)
    before = scorecard_list(user=user, period=current.previous.key)
    year_ago = scorecard_list(user=user, period=current.year_ago.key)
    totals = _totals(cards)
    previous, last_year = _totals(before), _totals(year_ago)
    totals["growth_previous"] = _growth(totals["revenue_total"], previous["revenue_total"])
    totals["growth_year"] = _growth(totals["revenue_total"], last_year["revenue_total"])
    by_model = list(
        cards.values("channel_model__code", "channel_model__name_en", "channel_model__name_zh")
        .annotate(
            revenue_total=Sum("revenue"),
            partners=Count("pk"),
            at_risk_count=Count("pk", filter=Q(at_risk=True)),
        )
        .order_by("-revenue_total")
    )
    by_grade = list(
        cards.values("partner__grade__code")
        .annotate(revenue_total=Sum("revenue"), partners=Count("pk"))
        .order_by("partner__grade__code")
    )
    ranked = cards.filter(revenue__isnull=False)
    order = "score" if cards.filter(score__isnull=False).exists() else "revenue"
    risers, fallers = _movers(ranked, before)
    keys = [current.shifted(-step).key for step in range(7, -1, -1)]
    sums = {
        row["period"]: row
        for row in scorecard_list(user=user)
        .filter(period__in=keys)
        .values("period")
        .annotate(revenue_total=Sum("revenue"), target_total=Sum("target"))
    }
    trend = [
        {
            "period": key,
            "revenue": float(sums[key]["revenue_total"]),
            "target": _float(sums[key]["target_total"]),
        }
        for key in keys
        if key in sums and sums[key]["revenue_total"] is not None
    ]
    return {
        "totals": totals,
        "by_model": by_model,
        "by_region": _by_top_region(cards),
        "by_grade": by_grade,
        "top": list(ranked.order_by(F(order).desc(nulls_last=True))[:10]),
        # The weakest of those that bought: partners with no sell-in are a list of their own.
        "bottom": list(ranked.filter(revenue__gt=0).order_by(F(order).asc(nulls_last=True))[:10]),
        "risers": risers,
        "fallers": fallers,
        "trend": trend,
        "proposals": GradeProposal.objects.filter(
            period=current.key, status=ProposalStatus.PROPOSED
        )
        .filter(partner__in=cards.values("partner"))
        .count(),
    }


def _growth(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    ratio = _ratio(now, before)
    return None if ratio is None else ratio - 1


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _by_top_region(cards: QuerySet[Scorecard]) -> list[dict[str, Any]]:
    """Revenue by top-level region (the first step of each partner's region path)."""
    sums: dict[int, dict[str, Any]] = {}
    for path, revenue in cards.values_list("region__path", "revenue"):
        if not path:
            continue
        top = int(path.strip("/").split("/")[0])
        row = sums.setdefault(top, {"region": None, "revenue": Decimal(0), "partners": 0})
        row["revenue"] += revenue or 0
        row["partners"] += 1
    for region in Region.objects.filter(pk__in=sums):
        sums[region.pk]["region"] = region
    return sorted(sums.values(), key=lambda r: r["revenue"], reverse=True)


def partner_scorecard(*, user: Any, partner: Any, periods: int = 8) -> dict[str, Any]:
    """A partner's current scorecards of its last ``periods`` reviewed quarters, its flags
    and its grade history (only if the user may see the partner: the caller checks)."""
    cards = list(
        scorecard_list(user=user)
        .filter(partner=partner, period__regex=r"^\d{4}Q[1-4]$")
        .order_by("-period")[:periods]
    )
    cards.reverse()
    grades = [
        (h.history_date, h.history_user, h.grade_id)
        for h in partner.history.order_by("history_date")
    ]

    names = {g.pk: g for g in Grade.objects.all()}
    changes = []
    last: object = object()
    for when, who, grade_id in grades:
        if grade_id != last:
            changes.append((when, who, names.get(grade_id)))
            last = grade_id
    return {
        "cards": cards,
        # the partner's standing risk flags (governance's, reached through the partner)
        "flags": list(restrict(partner.risk_flags.standing(), user, "view")[:20]),
        "proposals": list(
            restrict(GradeProposal.objects.filter(partner=partner), user, "view").select_related(
                "from_grade", "to_grade", "decided_by"
            )[:20]
        ),
        "grade_changes": changes,
    }


def scorecards_export(period: str | None, user: Any) -> tuple[list[str], list[Any]]:
    """``qudao export scorecards --period P``: the current review of one period, as the
    user may see it. ValueError when there is none to export."""
    if not period:
        raise ValueError("scorecards need --period (2019Q4, 2019-12 or 2019)")
    key = Period.parse(period).key
    if current_run(period=key) is None:
        raise ValueError(f"no review of {key} yet: run “qudao review {key}” first")
    return scorecard_export_rows(user=user, period=key)


def grading_preview(
    *, model: GradingModel, proposed: dict[str, Any], user: Any
) -> dict[str, Any] | None:
    """How a change to the grading model would grade the latest reviewed period: each
    grade's count with the model in force and with ``proposed``, and how many partners
    would compute a different grade (over the partners ``user`` may see). Scores rank each
    partner among all of its channel model, so every scorecard of the period is scored;
    only the counts are narrowed. None before any review."""
    periods = reviewed_periods()
    if not periods:
        return None
    period = periods[0]
    kpi_ids = sorted(set(model.weights) | set(proposed["weights"]))
    rows = list(
        Scorecard.objects.filter(is_current=True, period=period).values_list(
            "partner_id", "channel_model__code", *kpi_ids
        )
    )
    columns = list(zip(*rows, strict=True)) or [()] * (2 + len(kpi_ids))
    table = pa.table(
        {
            "partner": pa.array(columns[0], pa.int64()),
            "period": pa.array([period] * len(rows), pa.string()),
            "channel_model": pa.array(columns[1], pa.string()),
            **{
                kpi: pa.array([None if v is None else float(v) for v in values], pa.float64())
                for kpi, values in zip(kpi_ids, columns[2:], strict=True)
            },
        }
    )
    from qudao.analytics.engine import Backend  # the engine's steps read these selectors
    from qudao.analytics.metrics import grade_scores  # Ibis loads with the first preview

    lower = {k.id for k in KPIS if k.direction == Direction.LOWER}
    runner = Backend()
    runner.register("cards", table)

    def graded(weights: dict[str, float], thresholds: list[Any]) -> dict[int, str | None]:
        pairs = [(str(code), float(lowest)) for code, lowest in thresholds]
        result = runner.run(
            lambda: grade_scores(
                runner.table("cards"), weights=weights, lower_is_better=lower, thresholds=pairs
            ),
            parameters=["grading-preview", weights, pairs, sorted(lower)],
        )
        return dict(
            zip(result["partner"].to_pylist(), result["computed_grade"].to_pylist(), strict=True)
        )

    now = graded(model.weights, model.thresholds)
    then = graded(proposed["weights"], proposed["thresholds"])
    visible = set(restrict(Partner.objects.all(), user, "view").values_list("pk", flat=True))
    codes = [g.code for g in Grade.objects.order_by("rank")]
    counts = [
        {
            "grade": code,
            "now": sum(1 for pk, g in now.items() if g == code and pk in visible),
            "then": sum(1 for pk, g in then.items() if g == code and pk in visible),
        }
        for code in codes
    ]
    moves: dict[tuple[str, str], int] = {}
    for pk in visible & now.keys():
        if now[pk] != then.get(pk):
            key = (now[pk] or "—", then.get(pk) or "—")
            moves[key] = moves.get(key, 0) + 1
    return {
        "period": period,
        "counts": counts,
        "moved": sum(moves.values()),
        "moves": sorted(moves.items(), key=lambda item: -item[1]),
    }
