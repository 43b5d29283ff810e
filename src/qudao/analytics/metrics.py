"""The review's metrics: plain functions from Ibis tables to Ibis tables.

No ORM and no engine specifics here (DESIGN §3): the same expressions run on DuckDB (the
default) and on Spark. Facts are first rolled up to partner × month (customers to
partner × customer × month), so every period's KPIs read those small roll-ups, not lines.

Inputs (all Ibis tables):
- ``facts``: the committed rows of each fact (``qudao.facts.store.fact_table``);
- ``partners``: partner, channel_model, region, status (master data moved in as Arrow);
- ``periods``: one row per reviewed period with its windows (``period_windows``);
- ``targets``: partner, period, target (the target amount of each reviewed period).
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from qudao.analytics.kpis import SellThroughRate

Tables = dict[str, ir.Table]
SCORED_STATUSES = ("pilot", "active", "probation", "suspended")


def _month(column: ir.Column) -> ir.Column:
    return column.truncate("M").cast("date")


def monthly_rollups(facts: Tables) -> Tables:
    """Partner × month (and partner × customer × month) totals of every fact."""
    si, st = facts["sell_in"], facts["sell_through"]
    costed = si.cost.notnull()
    spend, stock, owed = facts["marketing_spend"], facts["inventory"], facts["receivable"]
    return {
        "sell_in": si.group_by(partner=si.partner, month=_month(si.order_date)).aggregate(
            revenue=si.amount.sum(),
            quantity=si.quantity.sum(),
            costed_revenue=ibis.ifelse(costed, si.amount, 0).sum(),
            cost=si.cost.sum(),
        ),
        "sell_through": st.group_by(partner=st.partner, month=_month(st.date)).aggregate(
            st_revenue=st.amount.sum(), st_quantity=st.quantity.sum()
        ),
        "customers": st.group_by(
            partner=st.partner, customer=st.customer, month=_month(st.date)
        ).aggregate(lines=st.count()),
        "spend": spend.group_by(partner=spend.partner, month=_month(spend.date)).aggregate(
            spend=spend.amount.sum()
        ),
        "stock": stock.group_by(partner=stock.partner, day=stock.snapshot_date).aggregate(
            on_hand=stock.quantity_on_hand.sum()
        ),
        "owed": owed.group_by(partner=owed.partner, day=owed.as_of).aggregate(
            owed=owed.amount.sum(),
            overdue=ibis.ifelse(owed.days_overdue > 0, owed.amount, 0).sum(),
        ),
    }


def _within(rollup: ir.Table, periods: ir.Table, column: str, start: str, end: str) -> ir.Table:
    """Rows of ``rollup`` tagged with each reviewed period whose [start, end] holds them."""
    joined = rollup.cross_join(periods.select("period", lo=periods[start], hi=periods[end]))
    return joined.filter(joined[column].between(joined.lo, joined.hi)).drop("lo", "hi")


def _sums(
    rollup: ir.Table, periods: ir.Table, window: tuple[str, str], **measures: Any
) -> ir.Table:
    tagged = _within(rollup, periods, "month", *window)
    return tagged.group_by("partner", "period").aggregate(
        **{name: getter(tagged) for name, getter in measures.items()}
    )


def _customer_sets(customers: ir.Table, periods: ir.Table, window: tuple[str, str]) -> ir.Table:
    return (
        _within(customers, periods, "month", *window)
        .select("partner", "period", "customer")
        .distinct()
    )


def _last_snapshot(daily: ir.Table, periods: ir.Table, value: str) -> ir.Table:
    """Per partner and period: the last snapshot day inside the period and its value."""
    tagged = _within(daily, periods, "day", "start", "end")
    last = tagged.group_by("partner", "period").aggregate(
        last_day=tagged.day.max(), snapshots=tagged.count(), average=tagged[value].mean()
    )
    closing = tagged.join(
        last,
        [tagged.partner == last.partner, tagged.period == last.period, tagged.day == last.last_day],
    ).select(tagged.partner, tagged.period, last.average, last.snapshots, closing=tagged[value])
    return closing


def _covered(rollup: ir.Table, periods: ir.Table) -> ir.Table:
    """Reviewed periods in which a fact has any row at all (for any partner)."""
    tagged = _within(rollup, periods, "month", "start", "end")
    return tagged.select("period").distinct().mutate(covered=ibis.literal(True))


def _ratio(numerator: ir.Value, denominator: ir.Value) -> ir.Value:
    """numerator ÷ denominator as a double; no data (null) when the denominator is 0 or null."""
    return ibis.ifelse(
        denominator.isnull() | (denominator == 0),
        ibis.null("float64"),
        numerator.cast("float64") / denominator.cast("float64"),
    )


def partner_kpis(
    *,
    facts: Tables,
    partners: ir.Table,
    periods: ir.Table,
    targets: ir.Table,
    sell_through_rate: SellThroughRate = SellThroughRate.OF_SELL_IN,
) -> ir.Table:
    """One row per scored partner and reviewed period, one column per KPI (see kpis.KPIS)."""
    r = monthly_rollups(facts)

    def total(name: str) -> Any:
        return lambda t: t[name].sum()

    now = ("start", "end")
    sales = _sums(
        r["sell_in"],
        periods,
        now,
        revenue=total("revenue"),
        quantity=total("quantity"),
        costed_revenue=total("costed_revenue"),
        cost=total("cost"),
    )
    before = _sums(r["sell_in"], periods, ("prev_start", "prev_end"), prev_revenue=total("revenue"))
    year_ago = _sums(r["sell_in"], periods, ("ya_start", "ya_end"), ya_revenue=total("revenue"))
    flow = _sums(
        r["sell_through"],
        periods,
        now,
        st_revenue=total("st_revenue"),
        st_quantity=total("st_quantity"),
    )
    spend = _sums(r["spend"], periods, now, spend=total("spend"))

    active = _customer_sets(r["customers"], periods, now)
    previous = _customer_sets(r["customers"], periods, ("prev_start", "prev_end"))
    recent = _customer_sets(r["customers"], periods, ("lookback_start", "lookback_end"))
    keys = ["partner", "period", "customer"]
    counts = active.group_by("partner", "period").aggregate(active_customers=active.count())
    new = active.anti_join(recent, keys)
    new_counts = new.group_by("partner", "period").aggregate(new_customers=new.count())
    churned = previous.anti_join(active, keys)
    churn_counts = churned.group_by("partner", "period").aggregate(
        churned_customers=churned.count()
    )
    previous_counts = previous.group_by("partner", "period").aggregate(
        previous_customers=previous.count()
    )
    stock = _last_snapshot(r["stock"], periods, "on_hand").rename(
        inventory_on_hand="closing", average_stock="average"
    )
    opening = _within(
        r["stock"], periods.mutate(origin=ibis.date(1900, 1, 1)), "day", "origin", "prev_end"
    )
    opening_last = opening.group_by("partner", "period").aggregate(day=opening.day.max())
    opening_stock = opening.join(opening_last, ["partner", "period", "day"]).select(
        "partner", "period", opening_stock=opening.on_hand
    )
    owed = _last_snapshot(r["owed"], periods, "owed").select("partner", "period", owed="closing")
    overdue = _last_snapshot(r["owed"], periods, "overdue").select(
        "partner", "period", overdue="closing"
    )

    si_covered = _covered(r["sell_in"], periods).rename(si_covered="covered")
    spend_covered = _covered(r["spend"], periods).rename(spend_covered="covered")

    scored = partners.filter(partners.status.isin(SCORED_STATUSES)).select("partner")
    rows = (
        scored.union(sales.select("partner"), distinct=True)
        .cross_join(periods.select("period", "days"))
        .left_join(partners.select("partner", "channel_model", "region"), "partner")
        .drop("partner_right")
    )
    for part in (
        sales,
        before,
        year_ago,
        flow,
        spend,
        counts,
        new_counts,
        churn_counts,
        previous_counts,
        stock,
        opening_stock,
        owed,
        overdue,
        targets,
    ):
        rows = rows.left_join(part, ["partner", "period"]).drop("partner_right", "period_right")
    for covered in (si_covered, spend_covered):
        rows = rows.left_join(covered, "period").drop("period_right")
    return _kpi_columns(rows, sell_through_rate)


def _kpi_columns(t: ir.Table, sell_through_rate: SellThroughRate) -> ir.Table:
    """From the joined measures to the KPI columns, with "no data" as null, never 0."""
    zero = ibis.literal(0)
    si = t.si_covered.notnull()
    reported = t.st_quantity.notnull()  # the partner sent sell-through for the period

    def when(condition: Any, value: Any) -> Any:
        return ibis.ifelse(condition, value, ibis.null())

    revenue = when(si, t.revenue.coalesce(zero))
    quantity = when(si, t.quantity.coalesce(zero))
    margin = when(si & t.cost.notnull(), t.costed_revenue - t.cost)
    new_customers = when(reported, t.new_customers.coalesce(zero))
    churned = when(reported | t.previous_customers.notnull(), t.churned_customers.coalesce(zero))
    spend = when(t.spend_covered.notnull(), t.spend.coalesce(zero))
    available = t.opening_stock.coalesce(zero) + quantity
    rate_base = quantity if sell_through_rate is SellThroughRate.OF_SELL_IN else available
    daily_flow = _ratio(t.st_quantity, t.days)
    scored = t.select(
        "partner",
        "period",
        "channel_model",
        "region",
        revenue=revenue,
        quantity=quantity,
        gross_margin=margin,
        costed_revenue=when(si & t.cost.notnull(), t.costed_revenue),
        gross_margin_rate=_ratio(margin, t.costed_revenue),
        revenue_growth_qoq=_ratio(revenue, t.prev_revenue) - 1,
        revenue_growth_yoy=_ratio(revenue, t.ya_revenue) - 1,
        target=t.target,
        target_attainment=_ratio(revenue, t.target),
        channel_share=_ratio(revenue, revenue.sum().over(group_by=t.period)),
        sell_through_revenue=t.st_revenue,
        sell_through_quantity=t.st_quantity,
        sell_through_rate=when(reported, _ratio(t.st_quantity, rate_base)),
        active_customers=when(reported, t.active_customers.coalesce(zero)),
        new_customers=new_customers,
        churned_customers=churned,
        churn_rate=_ratio(churned, t.previous_customers),
        marketing_spend=spend,
        customer_acquisition_cost=_ratio(spend, new_customers),
        inventory_on_hand=t.inventory_on_hand,
        days_of_supply=_ratio(t.inventory_on_hand, daily_flow),
        inventory_turnover=_ratio(t.st_quantity, t.average_stock),
        overdue_ratio=_ratio(t.overdue, t.owed),
    )
    # 1 = the largest sell-in revenue of its channel model in the period
    rank = ibis.rank().over(
        group_by=[scored.period, scored.channel_model], order_by=ibis.desc(scored.revenue)
    )
    return scored.mutate(rank_in_channel_model=rank + 1)


def grade_scores(
    kpis: ir.Table,
    *,
    weights: dict[str, float],
    lower_is_better: set[str],
    thresholds: list[tuple[str, float]],
) -> ir.Table:
    """Score each partner within its channel model and period, and the grade it earns.

    Each weighted KPI becomes a percentile rank among the partners of the same channel
    model that have data for it (0 = worst, 1 = best; a lone partner ranks 1). The score is
    the weighted mean of the ranks the partner has, so missing data neither helps nor
    hurts. ``thresholds`` are (grade, lowest score), best first.
    """
    group = [kpis.period, kpis.channel_model]
    weighted, weight_sum = ibis.literal(0.0), ibis.literal(0.0)
    for kpi_id, weight in weights.items():
        value = kpis[kpi_id].cast("float64")
        # Missing values sort last on every engine (Spark puts nulls first by default).
        ordering = value.desc() if kpi_id in lower_is_better else value.asc()
        position = ibis.rank().over(group_by=group, order_by=[value.isnull(), ordering])
        present = value.count().over(group_by=group)
        percentile = ibis.ifelse(
            present > 1, position.cast("float64") / (present - 1).cast("float64"), 1.0
        )
        percentile = ibis.ifelse(value.isnull(), ibis.null("float64"), percentile)
        weighted = weighted + percentile.fill_null(0.0) * weight
        weight_sum = weight_sum + ibis.ifelse(value.isnull(), 0.0, weight)
    score = ibis.ifelse(weight_sum > 0, weighted / weight_sum, ibis.null("float64"))
    scored = kpis.mutate(score=score)
    grade = ibis.null("string")
    for code, lowest in reversed(thresholds):  # best grade last, so it wins
        grade = ibis.ifelse(scored.score >= lowest, ibis.literal(code), grade)
    return scored.mutate(computed_grade=grade)
