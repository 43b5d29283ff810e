"""Hand-written baselines for the review benchmark: the same KPI table as Qudao's review
of eight quarters (one row per partner and quarter), in plain DuckDB SQL and in pandas.

Both read the fact store's Parquet files and the generated partners.csv / targets.csv
directly. Quarters are calendar quarters, numbered year × 4 + quarter − 1; a new customer
is one not seen in the 4 quarters (12 months) before; churned = seen the quarter before,
not in this one.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

QUARTERS = [(y * 4 + q - 1, f"{y}Q{q}") for y in (2023, 2024) for q in (1, 2, 3, 4)]
DAYS = {
    "Q1": {2023: 90, 2024: 91},
    "Q2": {2023: 91, 2024: 91},
    "Q3": {2023: 92, 2024: 92},
    "Q4": {2023: 92, 2024: 92},
}


def _days(label: str) -> int:
    return DAYS[label[4:]][int(label[:4])]


def facts(home: Path, fact: str) -> str:
    return str(home / "facts" / fact / "**" / "*.parquet")


def duckdb_review(home: Path, data: Path) -> pd.DataFrame:
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    quarters = pd.DataFrame(
        [(qi, label, _days(label)) for qi, label in QUARTERS], columns=["qi", "label", "days"]
    )
    con.register("quarters", quarters)
    sql = f"""
    WITH
    si AS (SELECT partner, year(order_date) * 4 + quarter(order_date) - 1 AS qi,
                  sum(amount) AS rev, sum(quantity) AS qty,
                  sum(amount) FILTER (WHERE cost IS NOT NULL) AS costed,
                  sum(cost) AS cost
           FROM read_parquet('{facts(home, "sell_in")}') GROUP BY ALL),
    st AS (SELECT partner, year(date) * 4 + quarter(date) - 1 AS qi,
                  sum(amount) AS st_rev, sum(quantity) AS st_qty
           FROM read_parquet('{facts(home, "sell_through")}') GROUP BY ALL),
    cust AS (SELECT DISTINCT partner, customer, year(date) * 4 + quarter(date) - 1 AS qi
             FROM read_parquet('{facts(home, "sell_through")}')),
    act AS (SELECT partner, qi, count(*) AS active FROM cust GROUP BY ALL),
    fresh AS (SELECT c.partner, c.qi, count(*) AS new FROM cust c
              WHERE NOT EXISTS (SELECT 1 FROM cust p WHERE p.partner = c.partner
                                AND p.customer = c.customer AND p.qi BETWEEN c.qi - 4 AND c.qi - 1)
              GROUP BY ALL),
    lost AS (SELECT p.partner, p.qi + 1 AS qi, count(*) AS churned FROM cust p
             WHERE NOT EXISTS (SELECT 1 FROM cust c WHERE c.partner = p.partner
                               AND c.customer = p.customer AND c.qi = p.qi + 1)
             GROUP BY ALL),
    spend AS (SELECT partner, year(date) * 4 + quarter(date) - 1 AS qi, sum(amount) AS spend
              FROM read_parquet('{facts(home, "marketing_spend")}') GROUP BY ALL),
    inv_day AS (SELECT partner, snapshot_date AS d, sum(quantity_on_hand) AS oh
                FROM read_parquet('{facts(home, "inventory")}') GROUP BY ALL),
    inv AS (SELECT partner, year(d) * 4 + quarter(d) - 1 AS qi, arg_max(oh, d) AS closing,
                   avg(oh) AS average FROM inv_day GROUP BY ALL),
    rec_day AS (SELECT partner, as_of AS d, sum(amount) AS owed,
                       coalesce(sum(amount) FILTER (WHERE days_overdue > 0), 0) AS overdue
                FROM read_parquet('{facts(home, "receivable")}') GROUP BY ALL),
    rec AS (SELECT partner, year(d) * 4 + quarter(d) - 1 AS qi, arg_max(owed, d) AS owed,
                   arg_max(overdue, d) AS overdue FROM rec_day GROUP BY ALL),
    targets AS (SELECT partner, period, sum(amount) AS target
                FROM read_csv('{data / "targets.csv"}', all_varchar = true,
                              columns = {{'partner': 'VARCHAR', 'period': 'VARCHAR',
                                         'amount': 'DECIMAL(24,2)'}}) GROUP BY ALL),
    base AS (SELECT p.code AS partner, q.qi, q.label, q.days
             FROM read_csv('{data / "partners.csv"}', all_varchar = true) p CROSS JOIN quarters q),
    joined AS (
      SELECT b.partner, b.label AS period, b.days,
             coalesce(si.rev, 0) AS revenue, coalesce(si.qty, 0) AS quantity,
             CASE WHEN si.cost IS NOT NULL THEN si.costed - si.cost END AS gross_margin,
             si.costed, prev.rev AS prev_rev, ya.rev AS ya_rev, t.target,
             st.st_rev, st.st_qty, act.active, fresh.new, lost.churned, pa.active AS prev_active,
             spend.spend, inv.closing, inv.average, rec.owed, rec.overdue
      FROM base b
      LEFT JOIN si ON si.partner = b.partner AND si.qi = b.qi
      LEFT JOIN si prev ON prev.partner = b.partner AND prev.qi = b.qi - 1
      LEFT JOIN si ya ON ya.partner = b.partner AND ya.qi = b.qi - 4
      LEFT JOIN targets t ON t.partner = b.partner AND t.period = b.label
      LEFT JOIN st ON st.partner = b.partner AND st.qi = b.qi
      LEFT JOIN act ON act.partner = b.partner AND act.qi = b.qi
      LEFT JOIN act pa ON pa.partner = b.partner AND pa.qi = b.qi - 1
      LEFT JOIN fresh ON fresh.partner = b.partner AND fresh.qi = b.qi
      LEFT JOIN lost ON lost.partner = b.partner AND lost.qi = b.qi
      LEFT JOIN spend ON spend.partner = b.partner AND spend.qi = b.qi
      LEFT JOIN inv ON inv.partner = b.partner AND inv.qi = b.qi
      LEFT JOIN rec ON rec.partner = b.partner AND rec.qi = b.qi
    )
    SELECT partner, period, revenue, quantity, gross_margin,
           gross_margin / nullif(costed, 0) AS gross_margin_rate,
           revenue / nullif(prev_rev, 0) - 1 AS revenue_growth_qoq,
           revenue / nullif(ya_rev, 0) - 1 AS revenue_growth_yoy,
           revenue / nullif(target, 0) AS target_attainment,
           revenue / nullif(sum(revenue) OVER (PARTITION BY period), 0) AS channel_share,
           st_rev AS sell_through_revenue, st_qty AS sell_through_quantity,
           st_qty / nullif(quantity, 0) AS sell_through_rate,
           CASE WHEN st_qty IS NOT NULL THEN coalesce(active, 0) END AS active_customers,
           CASE WHEN st_qty IS NOT NULL THEN coalesce(new, 0) END AS new_customers,
           CASE WHEN st_qty IS NOT NULL OR prev_active IS NOT NULL THEN coalesce(churned, 0)
           END AS churned_customers,
           coalesce(churned, 0) / nullif(prev_active, 0) AS churn_rate,
           coalesce(spend, 0) AS marketing_spend,
           coalesce(spend, 0) / nullif(CASE WHEN st_qty IS NOT NULL THEN coalesce(new, 0) END, 0)
             AS customer_acquisition_cost,
           closing AS inventory_on_hand,
           closing / nullif(st_qty / days, 0) AS days_of_supply,
           st_qty / nullif(average, 0) AS inventory_turnover,
           overdue / nullif(owed, 0) AS overdue_ratio
    FROM joined
    """  # noqa: S608 - paths of our own temp files
    return con.sql(sql).df()


def pandas_review(home: Path, data: Path) -> pd.DataFrame:
    def read(fact: str, columns: list[str]) -> pd.DataFrame:
        files = sorted((home / "facts" / fact).glob("*/*.parquet"))
        return pd.concat([pd.read_parquet(f, columns=columns) for f in files], ignore_index=True)

    def quarter(dates: pd.Series) -> pd.Series:
        stamps = pd.to_datetime(dates)
        return stamps.dt.year * 4 + stamps.dt.quarter - 1

    si = read("sell_in", ["order_date", "partner", "quantity", "amount", "cost"])
    si["qi"] = quarter(si.pop("order_date"))
    for c in ("quantity", "amount", "cost"):
        si[c] = si[c].astype("float64")
    si["costed"] = si["amount"].where(si["cost"].notna())
    si_q = (
        si.groupby(["partner", "qi"])
        .agg(
            rev=("amount", "sum"),
            qty=("quantity", "sum"),
            costed=("costed", "sum"),
            cost=("cost", lambda s: s.sum(min_count=1)),
        )
        .reset_index()
    )
    st = read("sell_through", ["date", "partner", "customer", "quantity", "amount"])
    st["qi"] = quarter(st.pop("date"))
    st["quantity"] = st["quantity"].astype("float64")
    st["amount"] = st["amount"].astype("float64")
    st_q = st.groupby(["partner", "qi"]).agg(st_rev=("amount", "sum"), st_qty=("quantity", "sum"))
    cust = st[["partner", "customer", "qi"]].drop_duplicates()
    del st
    active = cust.groupby(["partner", "qi"]).size().rename("active")
    # Each customer's quarters in order: new when the previous purchase is more than 4
    # quarters back (or none); churned into q + 1 when the next purchase is not in q + 1.
    cust = cust.sort_values(["partner", "customer", "qi"])
    by_customer = cust.groupby(["partner", "customer"])["qi"]
    gap = cust["qi"] - by_customer.shift(1)
    new = cust[gap.isna() | (gap > 4)].groupby(["partner", "qi"]).size().rename("new")
    following = by_customer.shift(-1)
    gone = cust[following.isna() | (following != cust["qi"] + 1)]
    lost = gone.assign(qi=gone["qi"] + 1).groupby(["partner", "qi"]).size().rename("churned")
    ms = read("marketing_spend", ["date", "partner", "amount"])
    ms["qi"] = quarter(ms.pop("date"))
    spend = ms.assign(amount=ms["amount"].astype("float64")).groupby(["partner", "qi"])["amount"]
    spend = spend.sum().rename("spend")
    inv = read("inventory", ["snapshot_date", "partner", "quantity_on_hand"])
    inv["quantity_on_hand"] = inv["quantity_on_hand"].astype("float64")
    day = inv.groupby(["partner", "snapshot_date"])["quantity_on_hand"].sum().reset_index()
    day["qi"] = quarter(day["snapshot_date"])
    day = day.sort_values("snapshot_date")
    inv_q = day.groupby(["partner", "qi"]).agg(
        closing=("quantity_on_hand", "last"), average=("quantity_on_hand", "mean")
    )
    rc = read("receivable", ["as_of", "partner", "amount", "days_overdue"])
    rc["amount"] = rc["amount"].astype("float64")
    rc["overdue"] = rc["amount"].where(rc["days_overdue"] > 0, 0.0)
    owed = rc.groupby(["partner", "as_of"]).agg(owed=("amount", "sum"), overdue=("overdue", "sum"))
    owed = owed.reset_index().sort_values("as_of")
    owed["qi"] = quarter(owed["as_of"])
    rec = owed.groupby(["partner", "qi"]).agg(owed=("owed", "last"), overdue=("overdue", "last"))
    partners = pd.read_csv(data / "partners.csv", dtype=str)["code"]
    targets = pd.read_csv(data / "targets.csv", dtype={"partner": str, "period": str})
    targets = targets.groupby(["partner", "period"])["amount"].sum().rename("target")
    grid = pd.MultiIndex.from_product(
        [partners, [qi for qi, _ in QUARTERS]], names=["partner", "qi"]
    )
    t = pd.DataFrame(index=grid).reset_index()
    t["period"] = t["qi"].map(dict(QUARTERS))
    t["days"] = t["period"].map(_days)

    def later(frame: pd.DataFrame, column: str, name: str, quarters: int) -> pd.Series:
        """``column`` of ``quarters`` earlier, keyed by the quarter that looks back at it."""
        moved = frame.reset_index().assign(qi=lambda f: f["qi"] + quarters)
        return moved.set_index(["partner", "qi"])[column].rename(name)

    si_idx = si_q.set_index(["partner", "qi"])
    t = t.join(si_idx, on=["partner", "qi"])
    t = t.join(later(si_idx, "rev", "prev_rev", 1), on=["partner", "qi"])
    t = t.join(later(si_idx, "rev", "ya_rev", 4), on=["partner", "qi"])
    t = t.join(targets, on=["partner", "period"])
    t = t.join(st_q, on=["partner", "qi"]).join(active, on=["partner", "qi"])
    t = t.join(later(active.to_frame(), "active", "prev_active", 1), on=["partner", "qi"])
    t = t.join(new, on=["partner", "qi"]).join(lost, on=["partner", "qi"])
    t = t.join(spend, on=["partner", "qi"]).join(inv_q, on=["partner", "qi"])
    t = t.join(rec, on=["partner", "qi"])
    nz = lambda s: s.where(s != 0)  # noqa: E731 - a ratio's denominator: 0 is no data
    out = pd.DataFrame({"partner": t["partner"], "period": t["period"]})
    out["revenue"] = t["rev"].fillna(0.0)
    out["quantity"] = t["qty"].fillna(0.0)
    out["gross_margin"] = (t["costed"] - t["cost"]).where(t["cost"].notna())
    out["gross_margin_rate"] = out["gross_margin"] / nz(t["costed"])
    out["revenue_growth_qoq"] = out["revenue"] / nz(t["prev_rev"]) - 1
    out["revenue_growth_yoy"] = out["revenue"] / nz(t["ya_rev"]) - 1
    out["target_attainment"] = out["revenue"] / nz(t["target"].astype("float64"))
    out["channel_share"] = out["revenue"] / nz(out.groupby("period")["revenue"].transform("sum"))
    reported = t["st_qty"].notna()
    out["sell_through_revenue"] = t["st_rev"]
    out["sell_through_quantity"] = t["st_qty"]
    out["sell_through_rate"] = t["st_qty"] / nz(out["quantity"])
    out["active_customers"] = t["active"].fillna(0).where(reported)
    out["new_customers"] = t["new"].fillna(0).where(reported)
    out["churned_customers"] = t["churned"].fillna(0).where(reported | t["prev_active"].notna())
    out["churn_rate"] = t["churned"].fillna(0) / nz(t["prev_active"])
    out["marketing_spend"] = t["spend"].fillna(0.0)
    out["customer_acquisition_cost"] = out["marketing_spend"] / nz(out["new_customers"])
    out["inventory_on_hand"] = t["closing"]
    out["days_of_supply"] = t["closing"] / nz(t["st_qty"] / t["days"])
    out["inventory_turnover"] = t["st_qty"] / nz(t["average"])
    out["overdue_ratio"] = t["overdue"] / nz(t["owed"])
    return out
