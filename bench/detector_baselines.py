"""The violation detectors written by hand in DuckDB SQL — the baseline of
``bench/detectors.py``. The same rules as ``qudao.governance.detectors`` (read its
docstrings), written as a competent engineer would for this one job: the committed Parquet
parts read directly, the master data from the generator's CSV files, one statement per
detector, the violations grouped at the end. The default settings: no floor tolerance,
clones within 24 h or past 5 scans, stuffing over 4 quarters at 6 × usual and 3 × sold.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

HOURS, MAX_SCANS = 24, 5
PERIODS, SPIKE, RATIO = 4, 6.0, 3.0


def _facts(con: duckdb.DuckDBPyConnection, home: Path) -> None:
    for fact in ("sell_in", "sell_through", "code_assignment", "code_scan", "inventory"):
        parts = f"{home}/facts/{fact}/batch=*/part-*.parquet"
        con.execute(
            f"CREATE VIEW {fact} AS SELECT *, CAST(regexp_extract(filename, 'batch=(\\d+)', 1)"
            f" AS BIGINT) AS _batch FROM read_parquet('{parts}', filename = true)"
        )


def _masters(con: duckdb.DuckDBPyConnection, data: Path) -> None:
    con.execute(f"""
        CREATE TABLE regions AS SELECT code, NULLIF(parent, '') AS parent
        FROM read_csv('{data}/regions.csv', all_varchar = true);
        CREATE TABLE closure AS
        WITH RECURSIVE level(code, depth) AS (
            SELECT code, 1 FROM regions WHERE parent IS NULL
            UNION ALL SELECT r.code, l.depth + 1 FROM regions r JOIN level l ON r.parent = l.code
        ), up(region, ancestor) AS (
            SELECT code, code FROM regions
            UNION ALL SELECT u.region, r.parent FROM up u JOIN regions r ON r.code = u.ancestor
            WHERE r.parent IS NOT NULL
        )
        SELECT up.region, up.ancestor, level.depth FROM up JOIN level ON level.code = up.ancestor;
        CREATE TABLE territories AS SELECT partner AS holder, region,
            lower(exclusive) IN ('yes', 'true', '1') AS exclusive,
            CAST(valid_from AS DATE) AS valid_from, CAST(NULL AS DATE) AS valid_to
        FROM read_csv('{data}/territories.csv', all_varchar = true);
        CREATE TABLE partners AS SELECT code AS partner, channel_model,
            CAST(NULL AS VARCHAR) AS grade, home_region
        FROM read_csv('{data}/partners.csv', all_varchar = true);
        CREATE TABLE prices AS SELECT product, CAST(NULL AS VARCHAR) AS channel_model,
            CAST(NULL AS VARCHAR) AS grade, CAST(NULL AS VARCHAR) AS region,
            CAST(floor_price AS DECIMAL(24, 6)) AS floor_price,
            CAST(list_price AS DECIMAL(24, 6)) AS list_price,
            CAST(valid_from AS DATE) AS valid_from, CAST(NULL AS DATE) AS valid_to
        FROM read_csv('{data}/price_list.csv', all_varchar = true);
    """)


def _lines(con: duckdb.DuckDBPyConnection, first: date, last: date) -> None:
    window = f"BETWEEN DATE '{first}' AND DATE '{last}'"
    con.execute(f"""
        CREATE TABLE st_lines AS SELECT _batch, _row, partner, product, quantity, unit_price,
            date AS day, customer_region AS region, amount AS value
        FROM sell_through WHERE date {window};
        CREATE TABLE si_lines AS SELECT _batch, _row, partner, product, quantity, unit_price,
            order_date AS day, ship_to_region AS region, amount AS value
        FROM sell_in WHERE order_date {window};
        CREATE TABLE all_scans AS SELECT s._batch, s._row, a.partner, a.product, s.code,
            s.scanned_at, CAST(s.scanned_at AS DATE) AS day, s.region
        FROM code_scan s JOIN code_assignment a USING (code);
        CREATE TABLE scan_lines AS SELECT *, CAST(NULL AS DECIMAL(20, 4)) AS quantity
            FROM all_scans WHERE day {window};
    """)


def _outside(con: duckdb.DuckDBPyConnection, lines: str) -> str:
    """SQL: the lines of ``lines`` outside their partner's territories, with the injured.
    The own-territory check joins on region and holder at once; the exclusive holders are
    looked up for the lines outside only."""
    return f"""
        WITH judged AS (
            SELECT * FROM {lines} WHERE region IS NOT NULL
            AND partner IN (SELECT holder FROM territories)
        ), inside AS (
            SELECT DISTINCT j._batch, j._row
            FROM judged j JOIN closure c ON c.region = j.region
            JOIN territories t ON t.region = c.ancestor AND t.holder = j.partner
                AND t.valid_from <= j.day AND (t.valid_to IS NULL OR t.valid_to >= j.day)
        ), outside AS (
            SELECT * FROM judged ANTI JOIN inside USING (_batch, _row)
        ), injured AS (
            SELECT o._batch, o._row, min(t.holder) AS injured
            FROM outside o JOIN closure c ON c.region = o.region
            JOIN territories t ON t.region = c.ancestor AND t.exclusive
                AND t.holder <> o.partner
                AND t.valid_from <= o.day AND (t.valid_to IS NULL OR t.valid_to >= o.day)
            GROUP BY o._batch, o._row
        )
        SELECT o.*, i.injured FROM outside o LEFT JOIN injured i USING (_batch, _row)
    """


def _priced(lines: str) -> str:
    """SQL: ``lines`` with the most specific floor and list price in force."""
    return f"""
        WITH scoped AS (
            SELECT l.*, p.channel_model, p.grade, c.ancestor AS price_region,
                c.depth AS region_depth
            FROM {lines} l JOIN partners p USING (partner)
            LEFT JOIN closure c ON c.region = p.home_region
        ), matched AS (
            SELECT s._batch, s._row, e.floor_price, e.list_price,
                row_number() OVER (PARTITION BY s._batch, s._row ORDER BY
                    (e.channel_model IS NOT NULL)::INT + (e.grade IS NOT NULL)::INT
                    + (e.region IS NOT NULL)::INT DESC,
                    CASE WHEN e.region IS NOT NULL THEN s.region_depth ELSE 0 END DESC,
                    e.valid_from DESC) AS rank
            FROM scoped s JOIN prices e ON e.product = s.product
                AND e.valid_from <= s.day AND (e.valid_to IS NULL OR e.valid_to >= s.day)
                AND (e.channel_model IS NULL OR e.channel_model = s.channel_model)
                AND (e.grade IS NULL OR e.grade = s.grade)
                AND (e.region IS NULL OR e.region = s.price_region)
        )
        SELECT l.*, m.floor_price, m.list_price FROM {lines} l
        LEFT JOIN (SELECT * FROM matched WHERE rank = 1) m USING (_batch, _row)
    """


UNIT = (
    "coalesce(CAST(unit_price AS DECIMAL(24, 6)), CASE WHEN quantity > 0 THEN "
    "CAST(value / quantity AS DECIMAL(24, 6)) END)"
)


def detect(home: Path, data: Path, first: date, last: date) -> dict[str, object]:
    """Every violation of the window — (type, partner, injured, quarter) with its evidence
    rows, quantity and value — and the rows each detector could not judge."""
    con = duckdb.connect()
    _facts(con, home)
    _masters(con, data)
    _lines(con, first, last)
    for name, lines in (("st", "st_lines"), ("si", "si_lines"), ("sc", "scan_lines")):
        con.execute(f"CREATE TABLE {name}_out AS {_outside(con, lines)}")
    for name in ("st", "si"):
        con.execute(f"CREATE TABLE {name}_priced AS {_priced(name + '_lines')}")
        con.execute(
            f"CREATE TABLE {name}_floor AS SELECT *, (floor_price - {UNIT}) * quantity AS "
            f"shortfall FROM {name}_priced "
            f"WHERE floor_price IS NOT NULL AND {UNIT} IS NOT NULL AND {UNIT} < floor_price"
        )
    con.execute(f"""
        CREATE TABLE scans AS SELECT *, epoch(scanned_at) AS at FROM all_scans
            WHERE region IS NOT NULL;
        CREATE TABLE pairs AS
        SELECT a._batch AS ba, a._row AS ra, b._batch AS bb, b._row AS rb
        FROM scans a JOIN scans b ON a.code = b.code
            AND (a.at < b.at OR (a.at = b.at AND a._row < b._row))
            AND b.at - a.at <= {HOURS * 3600}
        WHERE NOT EXISTS (SELECT 1 FROM closure c WHERE c.region = a.region
                          AND c.ancestor = b.region)
          AND NOT EXISTS (SELECT 1 FROM closure c WHERE c.region = b.region
                          AND c.ancestor = a.region)
          AND NOT EXISTS (SELECT 1 FROM closure ca JOIN closure cb ON ca.ancestor = cb.ancestor
                          WHERE ca.region = a.region AND cb.region = b.region
                          AND ca.depth >= 2);
        CREATE TABLE clone_rows AS
        SELECT ba AS _batch, ra AS _row FROM pairs UNION SELECT bb, rb FROM pairs
        UNION SELECT _batch, _row FROM (
            SELECT _batch, _row, row_number() OVER (PARTITION BY code
                ORDER BY scanned_at, _batch, _row) AS nth FROM all_scans) WHERE nth > {MAX_SCANS};
        CREATE TABLE clones AS SELECT l.*, CAST(NULL AS VARCHAR) AS injured
            FROM scan_lines l SEMI JOIN clone_rows USING (_batch, _row);
    """)
    for name in ("sc_out", "clones"):  # codes are valued at the list price in force
        con.execute(f"CREATE TABLE {name}_priced AS {_priced(name)}")
    con.execute(f"""
        CREATE TABLE bought AS SELECT partner, year(order_date) * 4 + quarter(order_date) - 1
            AS q, sum(quantity) AS bought FROM sell_in GROUP BY ALL;
        CREATE TABLE sold AS SELECT partner, year(date) * 4 + quarter(date) - 1 AS q,
            sum(quantity) AS sold FROM sell_through GROUP BY ALL;
        CREATE TABLE on_hand AS SELECT partner, q, sum(quantity_on_hand) AS on_hand FROM (
            SELECT *, year(snapshot_date) * 4 + quarter(snapshot_date) - 1 AS q,
                max(snapshot_date) OVER (PARTITION BY partner,
                    year(snapshot_date) * 4 + quarter(snapshot_date) - 1) AS last_day
            FROM inventory) WHERE snapshot_date = last_day GROUP BY ALL;
        CREATE TABLE quarters AS
        SELECT b.partner, b.q,
            f.first <= b.q - {PERIODS} AND h.on_hand IS NOT NULL AND p.on_hand IS NOT NULL
                AS judged,
            f.first <= b.q - {PERIODS} AND h.on_hand IS NOT NULL AND p.on_hand IS NOT NULL
                AND u.usual > 0 AND b.bought >= u.usual * {SPIKE}
                AND b.bought >= coalesce(s.sold, 0) * {RATIO} AND h.on_hand > p.on_hand
                AS stuffed
        FROM bought b
        JOIN (SELECT partner, min(q) AS first FROM bought GROUP BY ALL) f USING (partner)
        LEFT JOIN sold s USING (partner, q)
        LEFT JOIN on_hand h USING (partner, q)
        LEFT JOIN on_hand p ON p.partner = b.partner AND p.q = b.q - 1
        LEFT JOIN (SELECT x.partner, x.q, sum(y.bought) / {PERIODS} AS usual FROM bought x
              JOIN bought y ON y.partner = x.partner AND y.q >= x.q - {PERIODS} AND y.q < x.q
              GROUP BY ALL) u ON u.partner = b.partner AND u.q = b.q;
        CREATE TABLE si_quartered AS SELECT *, year(day) * 4 + quarter(day) - 1 AS q
            FROM si_lines;
        CREATE TABLE stuffing AS SELECT l.*, CAST(NULL AS VARCHAR) AS injured
            FROM si_quartered l SEMI JOIN (SELECT * FROM quarters WHERE stuffed) s
            USING (partner, q);
    """)
    found = " UNION ALL ".join(
        f"SELECT '{kind}' AS type, partner, injured, day, {code} AS code, quantity, "
        f"{value} AS value FROM {table}"
        for kind, table, code, value in (
            ("cross_region_sale", "st_out", "NULL", "value"),
            ("cross_region_ship", "si_out", "NULL", "value"),
            ("cross_region_code", "sc_out_priced", "code", "list_price"),
            ("cloned_code", "clones_priced", "code", "list_price"),
            ("below_floor", "(SELECT *, NULL AS injured FROM st_floor)", "NULL", "shortfall"),
            ("below_floor", "(SELECT *, NULL AS injured FROM si_floor)", "NULL", "shortfall"),
            ("channel_stuffing", "stuffing", "NULL", "value"),
        )
    )
    violations = con.sql(
        f"SELECT type, partner, coalesce(injured, '-') AS injured, "
        f"year(day) || 'Q' || quarter(day) AS period, count(*) AS evidence, "
        # codes count once each, however often scanned; lines by their quantity
        f"coalesce(count(DISTINCT code), 0) + coalesce(sum(quantity), 0) AS quantity, "
        f"sum(value) AS value FROM ({found}) GROUP BY ALL"
    ).fetchall()
    unjudged_sql = {
        "cross_region_sale:sell_through": "SELECT count(*) FROM st_lines ANTI JOIN (SELECT * FROM "
        "st_lines WHERE region IS NOT NULL AND partner IN (SELECT holder FROM territories)) "
        "USING (_batch, _row)",
        "cross_region_ship:sell_in": "SELECT count(*) FROM si_lines ANTI JOIN (SELECT * FROM "
        "si_lines WHERE region IS NOT NULL AND partner IN (SELECT holder FROM territories)) "
        "USING (_batch, _row)",
        "cross_region_code:code_scan": "SELECT (SELECT count(*) FROM scan_lines "
        "WHERE region IS NULL OR partner NOT IN (SELECT holder FROM territories)) "
        "+ (SELECT count(*) FROM code_scan "
        f"ANTI JOIN code_assignment USING (code) WHERE CAST(scanned_at AS DATE) "
        f"BETWEEN DATE '{first}' AND DATE '{last}')",
        "cloned_code:code_scan": "SELECT count(*) FROM scan_lines WHERE region IS NULL",
        "below_floor:sell_through": f"SELECT count(*) FROM st_priced WHERE floor_price IS NULL "
        f"OR {UNIT} IS NULL",
        "below_floor:sell_in": f"SELECT count(*) FROM si_priced WHERE floor_price IS NULL "
        f"OR {UNIT} IS NULL",
        "channel_stuffing:sell_in": "SELECT count(*) FROM si_quartered SEMI JOIN (SELECT * FROM "
        "quarters WHERE NOT judged) USING (partner, q)",
    }
    unjudged = {k: con.execute(q).fetchone()[0] for k, q in unjudged_sql.items()}  # type: ignore[index]
    return {"violations": violations, "unjudged": unjudged}
