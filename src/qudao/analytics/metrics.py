"""The review's metrics: plain functions from Ibis tables to Ibis tables.

No ORM and no engine specifics here (DESIGN §3): the same expressions run on DuckDB (the
default) and on Spark. Facts are first rolled up to partner × month (customers to
partner × customer × month), so every period's KPIs read those small roll-ups, not lines.

Inputs (all Ibis tables):
- ``rollups``: each roll-up of ``ROLLUPS``, built from the committed rows of its fact
  (``qudao.facts.store.fact_table``) and kept as Parquet (``analytics.rollups``);
- ``partners``: partner, channel_model, region, status, grade (master data, as Arrow);
- ``products``: product, standard_cost (costs the sell-in lines that have none);
- ``periods``: one row per reviewed period with its windows (``period_windows``);
- ``targets``: partner, period, target (the target amount of each reviewed period);
- ``delays``: report_batch, report_month, delay_days — how many days after each month's
  end each sell-through batch covering it was committed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ibis
import ibis.expr.types as ir

from qudao.analytics.kpis import KPIS, SellThroughRate

Tables = dict[str, ir.Table]
SCORED_STATUSES = ("pilot", "active", "probation", "suspended")


def _month(column: ir.Column) -> ir.Column:
    return column.truncate("M").cast("date")


def sell_in_months(si: ir.Table) -> ir.Table:
    costed = si.cost.notnull()
    return si.group_by(partner=si.partner, month=_month(si.order_date)).aggregate(
        revenue=si.amount.sum(),
        quantity=si.quantity.sum(),
        costed_revenue=ibis.ifelse(costed, si.amount, 0).sum(),
        cost=si.cost.sum(),
    )


def uncosted_months(si: ir.Table) -> ir.Table:
    """Sell-in lines without a cost, per partner, month and product.

    The margin costs them at the product's standard cost as the review finds it (master
    data, not the fact: a corrected standard cost applies without re-importing, and the
    run records the one it used)."""
    lines = si.filter(si.cost.isnull())
    return lines.group_by(
        partner=lines.partner, month=_month(lines.order_date), product=lines.product
    ).aggregate(quantity=lines.quantity.sum(), amount=lines.amount.sum(), lines=lines.count())


def customer_months(st: ir.Table) -> ir.Table:
    """Sell-through per partner, customer and month, with the customer's purchase month
    before (``before``) and after (``after``) each one.

    Those two tell, for any period, whether a customer was silent in the look-back window
    (new) and whether it came back after the previous period (not churned) — no set
    differences over windows. The partner roll-up is built from this one, so sell-through
    lines are read once.
    """
    months = st.group_by(partner=st.partner, customer=st.customer, month=_month(st.date)).aggregate(
        st_revenue=st.amount.sum(),
        st_quantity=st.quantity.sum(),
        first_batch=st._batch.min(),  # the batch that first brought the month (report delay)
    )
    order = ibis.window(group_by=[months.partner, months.customer], order_by=months.month)
    return months.mutate(
        before=months.month.lag().over(order), after=months.month.lead().over(order)
    )


def spend_months(spend: ir.Table) -> ir.Table:
    return spend.group_by(partner=spend.partner, month=_month(spend.date)).aggregate(
        spend=spend.amount.sum()
    )


def stock_days(stock: ir.Table) -> ir.Table:
    return stock.group_by(
        partner=stock.partner, day=stock.snapshot_date, month=_month(stock.snapshot_date)
    ).aggregate(on_hand=stock.quantity_on_hand.sum())


def owed_days(owed: ir.Table) -> ir.Table:
    return owed.group_by(partner=owed.partner, day=owed.as_of, month=_month(owed.as_of)).aggregate(
        owed=owed.amount.sum(),
        overdue=ibis.ifelse(owed.days_overdue > 0, owed.amount, 0).sum(),
    )


# Each roll-up the review reads: its name, the fact it is made from, how. A roll-up depends
# on its own fact only, so importing one fact leaves the others' roll-ups as they are.
ROLLUPS: dict[str, tuple[str, Callable[[ir.Table], ir.Table]]] = {
    "sell_in": ("sell_in", sell_in_months),
    "uncosted": ("sell_in", uncosted_months),
    "customers": ("sell_through", customer_months),
    "spend": ("marketing_spend", spend_months),
    "stock": ("inventory", stock_days),
    "owed": ("receivable", owed_days),
}


def partner_months(customers: ir.Table) -> ir.Table:
    """Sell-through per partner and month, from the customer roll-up."""
    return customers.group_by("partner", "month").aggregate(
        st_revenue=customers.st_revenue.sum(),
        st_quantity=customers.st_quantity.sum(),
        first_batch=customers.first_batch.min(),
    )


def standard_costs(uncosted: ir.Table, products: ir.Table) -> ir.Table:
    """The lines without a cost whose product has a standard cost, costed at it:
    quantity × standard cost (a return, negative quantity, gives its cost back)."""
    costs = products.filter(products.standard_cost.notnull())
    joined = uncosted.join(costs, uncosted.product == costs.product)
    return joined.select(
        joined.partner,
        joined.month,
        fallback_revenue=joined.amount,
        fallback_cost=joined.quantity * joined.standard_cost,
        fallback_lines=joined.lines,
    )


def report_delays(flow: ir.Table, months: ir.Table, delays: ir.Table) -> ir.Table:
    """Per partner and period, the most days any of its months' sell-through took to
    arrive after the month ended (``delays``: batch, month → days, from the batches'
    commit times)."""
    tagged = _in_window(flow, months, "now")
    joined = tagged.join(
        delays,
        [tagged.first_batch == delays.report_batch, tagged.month == delays.report_month],
    )
    return joined.group_by("partner", "period").aggregate(report_delay=joined.delay_days.max())


def _within(rollup: ir.Table, periods: ir.Table, column: str, start: str, end: str) -> ir.Table:
    """Rows of ``rollup`` tagged with each reviewed period whose [start, end] holds them
    (a range join: only for the small daily tables)."""
    joined = rollup.cross_join(periods.select("period", lo=periods[start], hi=periods[end]))
    return joined.filter(joined[column].between(joined.lo, joined.hi)).drop("lo", "hi")


def _in_window(rollup: ir.Table, months: ir.Table, window: str) -> ir.Table:
    """Rows of a monthly roll-up tagged with each reviewed period whose ``window`` (now,
    prev, ya, lookback) holds their month: an equality join on the month, so each row meets
    only the periods it belongs to."""
    chosen = months.filter(months.window == window).select("period", window_month="month")
    joined = rollup.join(chosen, rollup.month == chosen.window_month)
    return joined.drop("window_month")


def _sums(rollup: ir.Table, months: ir.Table, window: str, **measures: Any) -> ir.Table:
    tagged = _in_window(rollup, months, window)
    return tagged.group_by("partner", "period").aggregate(
        **{name: getter(tagged) for name, getter in measures.items()}
    )


def customer_counts(
    customers: ir.Table, months: ir.Table, periods: ir.Table
) -> tuple[ir.Table, ir.Table]:
    """Active and new customers of each period, and the previous period's customers and
    how many of them were lost (``customers`` as made by ``customer_months``).

    No grouping by customer: a customer's first month in a period is its one row there
    whose previous purchase (``before``) lies before the period — new if that was before
    the look-back window, or never. Its last month in the previous period is its one row
    there whose next purchase (``after``) lies after that period — churned if that is
    after this period too, or never.
    """
    bounds = periods.select("period", "start", "end", "prev_end", "lookback_start")
    now = _in_window(customers, months, "now").join(bounds, "period")
    first = now.filter(now.before.isnull() | (now.before < now.start))
    fresh = first.before.isnull() | (first.before < first.lookback_start)
    counts = first.group_by("partner", "period").aggregate(
        active_customers=first.count(), new_customers=ibis.ifelse(fresh, 1, 0).sum()
    )
    earlier = _in_window(customers, months, "prev").join(bounds, "period")
    last = earlier.filter(earlier.after.isnull() | (earlier.after > earlier.prev_end))
    gone = last.after.isnull() | (last.after > last.end)
    churn = last.group_by("partner", "period").aggregate(
        previous_customers=last.count(), churned_customers=ibis.ifelse(gone, 1, 0).sum()
    )
    return counts, churn


def _last_snapshot(daily: ir.Table, months: ir.Table, value: str) -> ir.Table:
    """Per partner and period: the last snapshot day inside the period and its value."""
    tagged = _in_window(daily, months, "now")
    last = tagged.group_by("partner", "period").aggregate(
        last_day=tagged.day.max(),
        snapshots=tagged.count(),
        # an exact decimal sum, then one division: the same double on every engine (a mean
        # of doubles depends on the order it adds in, a decimal mean on the engine's scale)
        average=tagged[value].sum().cast("float64") / tagged.count().cast("float64"),
    )
    closing = tagged.join(
        last,
        [tagged.partner == last.partner, tagged.period == last.period, tagged.day == last.last_day],
    ).select(tagged.partner, tagged.period, last.average, last.snapshots, closing=tagged[value])
    return closing


def _covered(rollup: ir.Table, months: ir.Table) -> ir.Table:
    """Reviewed periods in which a fact has any row at all (for any partner)."""
    tagged = _in_window(rollup, months, "now")
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
    rollups: Tables,
    partners: ir.Table,
    products: ir.Table,
    periods: ir.Table,
    months: ir.Table,
    targets: ir.Table,
    delays: ir.Table,
    sell_through_rate: SellThroughRate = SellThroughRate.OF_SELL_IN,
) -> ir.Table:
    """One row per scored partner and reviewed period, one column per KPI (see kpis.KPIS).

    ``months`` lists, for each reviewed period, the months of each window it compares:
    ``now`` (the period), ``prev`` (the one before), ``ya`` (a year earlier), ``lookback``
    (the months a new customer must have been silent).
    """
    r = {**rollups, "sell_through": partner_months(rollups["customers"])}

    def total(name: str) -> Any:
        return lambda t: t[name].sum()

    now = "now"
    sales = _sums(
        r["sell_in"],
        months,
        now,
        revenue=total("revenue"),
        quantity=total("quantity"),
        costed_revenue=total("costed_revenue"),
        cost=total("cost"),
    )
    fallback = _sums(
        standard_costs(r["uncosted"], products),
        months,
        now,
        fallback_revenue=total("fallback_revenue"),
        fallback_cost=total("fallback_cost"),
        fallback_lines=total("fallback_lines"),
    )
    uncosted = _sums(r["uncosted"], months, now, uncosted_lines=total("lines"))
    before = _sums(r["sell_in"], months, "prev", prev_revenue=total("revenue"))
    year_ago = _sums(r["sell_in"], months, "ya", ya_revenue=total("revenue"))
    flow = _sums(
        r["sell_through"],
        months,
        now,
        st_revenue=total("st_revenue"),
        st_quantity=total("st_quantity"),
    )
    spend = _sums(r["spend"], months, now, spend=total("spend"))
    delay = report_delays(r["sell_through"], months, delays)

    counts, churn_counts = customer_counts(r["customers"], months, periods)
    stock = _last_snapshot(r["stock"], months, "on_hand").rename(
        inventory_on_hand="closing", average_stock="average"
    )
    opening = _within(
        r["stock"], periods.mutate(origin=ibis.date(1900, 1, 1)), "day", "origin", "prev_end"
    )
    opening_last = opening.group_by("partner", "period").aggregate(day=opening.day.max())
    opening_stock = opening.join(opening_last, ["partner", "period", "day"]).select(
        "partner", "period", opening_stock=opening.on_hand
    )
    owed = _last_snapshot(r["owed"], months, "owed").select("partner", "period", owed="closing")
    overdue = _last_snapshot(r["owed"], months, "overdue").select(
        "partner", "period", overdue="closing"
    )

    si_covered = _covered(r["sell_in"], months).rename(si_covered="covered")
    spend_covered = _covered(r["spend"], months).rename(spend_covered="covered")

    scored = partners.filter(partners.status.isin(SCORED_STATUSES)).select("partner")
    rows = (
        scored.union(sales.select("partner"), distinct=True)
        .cross_join(periods.select("period", "days"))
        .left_join(partners.select("partner", "channel_model", "region", "grade"), "partner")
        .drop("partner_right")
    )
    for part in (
        sales,
        fallback,
        uncosted,
        before,
        year_ago,
        flow,
        spend,
        counts,
        churn_counts,
        stock,
        opening_stock,
        owed,
        overdue,
        targets,
        delay,
    ):
        rows = rows.left_join(part, ["partner", "period"]).drop("partner_right", "period_right")
    for covered in (si_covered, spend_covered):
        rows = rows.left_join(covered, "period").drop("period_right")
    return _kpi_columns(rows, sell_through_rate)


class Measures:
    """What a KPI's ``compute`` (``kpis.Kpi``) reads: the joined measures of each partner and
    period (``t``), the conditions and bases several KPIs share, and the other KPIs by id.
    "No data" stays null, never 0: a KPI is 0 only where its data covers the period."""

    t: ir.Table
    zero: Any
    sold: Any
    reported: Any
    costed: Any
    costed_revenue: Any
    sell_through_rate: SellThroughRate

    def __init__(self, t: ir.Table, sell_through_rate: SellThroughRate) -> None:
        self.t = t
        self.zero = ibis.literal(0)
        self.sold = t.si_covered.notnull()  # sell-in covers the period: no line is a zero
        self.reported = t.st_quantity.notnull()  # the partner sent sell-through for it
        # Lines with a cost, and lines without one whose product has a standard cost (costed
        # at it); lines with neither stay out of the margin and of its rate's denominator.
        self.costed = self.sold & (t.cost.notnull() | t.fallback_cost.notnull())
        self.costed_revenue = self.when(
            self.costed,
            t.costed_revenue.coalesce(self.zero) + t.fallback_revenue.coalesce(self.zero),
        )
        self.sell_through_rate = sell_through_rate
        self._kpis: dict[str, Any] = {}
        self._by_id = {kpi.id: kpi for kpi in KPIS}

    @staticmethod
    def when(condition: Any, value: Any) -> Any:
        return ibis.ifelse(condition, value, ibis.null())

    @staticmethod
    def ratio(numerator: ir.Value, denominator: ir.Value) -> ir.Value:
        return _ratio(numerator, denominator)

    def kpi(self, kpi_id: str) -> Any:
        """Another KPI's expression, built once."""
        if kpi_id not in self._kpis:
            self._kpis[kpi_id] = self._by_id[kpi_id].compute(self)
        return self._kpis[kpi_id]

    @property
    def sell_through_base(self) -> Any:
        """What the sell-through rate divides by: units bought, or units available."""
        if self.sell_through_rate is SellThroughRate.OF_SELL_IN:
            return self.kpi("quantity")
        return self.t.opening_stock.coalesce(self.zero) + self.kpi("quantity")


def _kpi_columns(t: ir.Table, sell_through_rate: SellThroughRate) -> ir.Table:
    """From the joined measures to the KPI columns (each KPI's ``compute``)."""
    measures = Measures(t, sell_through_rate)
    scored = t.select(
        "partner",
        "period",
        "channel_model",
        "region",
        "grade",  # the grade the partner held when reviewed
        costed_revenue=measures.costed_revenue,
        revenue_year_ago=t.ya_revenue,
        target=t.target,
        **{kpi.id: measures.kpi(kpi.id) for kpi in KPIS},
        # not KPIs: what the run page counts (lines costed at the standard cost, and lines
        # without a cost at all)
        cost_fallback_lines=t.fallback_lines,
        uncosted_lines=t.uncosted_lines,
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
