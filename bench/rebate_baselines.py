"""The baseline of the rebate benchmark: the entitlements of ``bench/rebates.py``'s ten
programs for one quarter, written by hand in DuckDB SQL over the committed sell-in files.

The same rules as Qudao's (``qudao.programs.rules``): returns naming an order are restated
into that order's day, lines known up to the quarter's last day, tiers half-open,
negative results 0, money rounded half up to the cent once per partner and program.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb

PROGRAMS = ("R1", "R2", "I1", "T1", "F1", "F2", "X1", "M1", "G1", "Q1")


def entitlements(home: Path, first: date, last: date) -> dict[tuple[str, str], str]:
    files = sorted(str(p) for p in (home / "facts" / "sell_in").glob("batch=*/*.parquet"))
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    ly_first, ly_last = first.replace(year=first.year - 1), last.replace(year=last.year - 1)
    con.execute(
        """
        CREATE TEMP TABLE lines AS
        WITH raw AS (
            SELECT * FROM read_parquet($files, union_by_name = true)
            WHERE order_date <= $last AND NOT starts_with(order_id, 'RB-')
        ),
        origins AS (
            SELECT order_id, min(order_date) AS origin_day FROM raw
            WHERE order_id IN (SELECT original_order_id FROM raw WHERE quantity < 0)
            GROUP BY order_id
        )
        SELECT r.partner, r.product, r.amount, r.quantity,
               CASE WHEN r.quantity < 0 AND r.original_order_id IS NOT NULL
                    THEN coalesce(o.origin_day, r.order_date) ELSE r.order_date END AS day
        FROM raw r LEFT JOIN origins o ON r.original_order_id = o.order_id
        """,
        {"files": files, "last": last},
    )
    data = home.parent / "data"
    con.execute(
        f"CREATE TEMP TABLE products AS SELECT code, category FROM read_csv('{data}/products.csv')"
    )
    con.execute(f"CREATE TEMP TABLE partners AS SELECT code FROM read_csv('{data}/partners.csv')")
    con.execute(
        """
        CREATE TEMP TABLE q AS
        SELECT l.partner,
               sum(l.amount) AS base,
               sum(l.quantity) AS units,
               sum(CASE WHEN p.category = 'GEN-A' THEN l.amount ELSE 0 END) AS cat_a,
               sum(CASE WHEN p.category = 'GEN-B' THEN l.amount ELSE 0 END) AS cat_b
        FROM lines l JOIN products p ON p.code = l.product
        WHERE l.day BETWEEN $first AND $last GROUP BY l.partner
        """,
        {"first": first, "last": last},
    )
    con.execute(
        "CREATE TEMP TABLE ly AS SELECT partner, sum(amount) AS base FROM lines "
        "WHERE day BETWEEN $first AND $last GROUP BY partner",
        {"first": ly_first, "last": ly_last},
    )
    rows = con.execute(
        """
        WITH f AS (
            SELECT pt.code AS partner, coalesce(q.base, 0) AS b, coalesce(q.units, 0) AS u,
                   coalesce(q.cat_a, 0) AS a, coalesce(q.cat_b, 0) AS bb,
                   coalesce(ly.base, 0) AS ly
            FROM partners pt LEFT JOIN q ON q.partner = pt.code LEFT JOIN ly ON ly.partner = pt.code
        )
        SELECT partner,
          -- R1 retroactive 1 / 2 / 3 per cent from 0 / 200k / 500k, capped at 20,000
          least(greatest(b * CASE WHEN b >= 500000 THEN 0.03 WHEN b >= 200000 THEN 0.02
                                  WHEN b >= 0 THEN 0.01 ELSE 0 END, 0), 20000),
          -- R2 retroactive from 100k only (below it nothing)
          greatest(b * CASE WHEN b >= 400000 THEN 0.025 WHEN b >= 100000 THEN 0.015 ELSE 0 END, 0),
          -- I1 incremental: 1 per cent to 200k, 2 to 500k, 3 beyond
          greatest(least(b, 200000) * 0.01 + greatest(least(b, 500000) - 200000, 0) * 0.02
                   + greatest(b - 500000, 0) * 0.03, 0),
          -- T1 target: 2.5 per cent of all once 300k is reached
          CASE WHEN b >= 300000 THEN b * 0.025 ELSE 0 END,
          -- F1 flat 1 per cent, nothing under a 1,000 base
          CASE WHEN b < 1000 THEN 0 ELSE greatest(b * 0.01, 0) END,
          -- F2 rate table: GEN-A 3, GEN-B 2, the rest 0.5 per cent
          greatest(a * 0.03 + bb * 0.02 + (b - a - bb) * 0.005, 0),
          -- X1 fixed 1,000 when the base is above 0
          CASE WHEN b > 0 THEN 1000 ELSE 0 END,
          -- M1 mix: focus GEN-A; 0.5 per cent, 1 once its share reaches 20, plus 0.5 on it
          greatest(b * CASE WHEN b > 0 AND a / b >= 0.2 THEN 0.01 ELSE 0.005 END + a * 0.005, 0),
          -- G1 growth on last year's quarter: 3 per cent of the growth from +5, 5 from +20
          CASE WHEN ly <= 0 THEN 0 ELSE greatest(
            CASE WHEN (b - ly) / ly >= 0.20 THEN 0.05
                 WHEN (b - ly) / ly >= 0.05 THEN 0.03 ELSE 0 END
            * greatest(b - ly, 0), 0) END,
          -- Q1 retroactive per unit: 0.5 from 0 units, 1 from 1,000
          greatest(u * CASE WHEN u >= 1000 THEN 1 WHEN u >= 0 THEN 0.5 ELSE 0 END, 0)
        FROM f
        """
    ).fetchall()
    found = {}
    for partner, *values in rows:
        for program, value in zip(PROGRAMS, values, strict=True):
            money = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            found[(partner, program)] = str(money)
    return found
