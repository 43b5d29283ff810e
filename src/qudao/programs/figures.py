"""The figures a rebate is computed from, read from the fact store in one query per program.

For each window (a settlement period to date, an earlier period being restated, the same
days a year before for growth programs) and each partner: Σ the measure, split by bucket —
the rate-table row or focus flag of the product, or the payment band of the days from
invoice to payment.

Which lines count:

* a line dated after ``known_by`` (the last day settled) is not known yet;
* a return — a ``sell_in`` line with a negative quantity naming ``original_order_id`` — is
  restated into the day of the order it reverses (when that order is on record);
* a line whose ``order_id`` starts with ``QUDAO["REBATE_DOCUMENT_PREFIX"]`` is a rebate
  credit note Qudao issued, never part of a base.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from django.conf import settings

from qudao.analytics.engine import duckdb_connection
from qudao.catalog.models import Category, Product
from qudao.facts.store import fact_table
from qudao.programs.rules import ZERO, Definition, Figures


@dataclass(frozen=True)
class Window:
    key: int
    first: date
    last: date


def document_prefix() -> str:
    return str(getattr(settings, "QUDAO", {}).get("REBATE_DOCUMENT_PREFIX", "RB-"))


def product_buckets(d: Definition) -> dict[str, int]:
    """Each product's bucket: the 1-based rate-table row that prices it (a product's own row
    before its category's, a nearer category before a farther one), or 1 for a focus
    product of a mix program. Products in no bucket are left out (bucket 0)."""
    categories = {c.pk: c for c in Category.objects.only("pk", "code", "path")}

    def lineage(category_id: int | None) -> list[str]:  # the category, then its ancestors
        if category_id is None or category_id not in categories:
            return []
        ids = [int(i) for i in categories[category_id].path.strip("/").split("/") if i]
        return [categories[i].code for i in reversed(ids) if i in categories]

    buckets: dict[str, int] = {}
    for code, category_id in Product.objects.values_list("code", "category_id"):
        codes = lineage(category_id)
        if d.kind == "mix":
            if code in d.focus_products or set(codes) & set(d.focus_categories):
                buckets[code] = 1
            continue
        by_product = {r.product: i for i, r in enumerate(d.rates, start=1) if r.product}
        by_category = {r.category: i for i, r in enumerate(d.rates, start=1) if r.category}
        if code in by_product:
            buckets[code] = by_product[code]
        else:
            found = next((by_category[c] for c in codes if c in by_category), None)
            if found is not None:
                buckets[code] = found
    return buckets


def _lines(con: Any, d: Definition, known_by: date) -> ir.Table:
    """Every counted line of the program's fact: partner, day (restated), product or payment
    band, value."""
    rows = fact_table(d.fact, connection=con)
    if d.fact == "payment":
        days = rows.paid_date.delta(rows.invoice_date, unit="day")
        bucket = ibis.cases(
            *[(days <= band.days_max, index) for index, band in enumerate(d.bands, start=1)],
            else_=0,
        )
        return rows.filter(rows.paid_date <= known_by).select(
            partner=rows.partner,
            day=rows.paid_date,
            product=bucket.cast("string"),
            value=rows.amount,
        )
    day_field = "order_date" if d.fact == "sell_in" else "date"
    known = rows.filter(rows[day_field] <= known_by)
    value = known.amount if d.measure == "amount" else known.quantity
    if d.fact != "sell_in":
        return known.select(
            partner=known.partner, day=known.date, product=known.product, value=value
        )
    known = known.filter(~known.order_id.startswith(document_prefix()))
    value = known.amount if d.measure == "amount" else known.quantity
    reverses = known.original_order_id.notnull() & (known.quantity < 0)
    returns = known.filter(reverses)
    origins = (
        known.filter(known.order_id.isin(returns.original_order_id))
        .group_by(origin_id=known.order_id)
        .aggregate(origin_day=known.order_date.min())
    )
    plain = known.filter(~reverses).select(
        partner=known.partner, day=known.order_date, product=known.product, value=value
    )
    restated = returns.left_join(origins, returns.original_order_id == origins.origin_id)
    restated = restated.select(
        partner=restated.partner,
        day=ibis.coalesce(restated.origin_day, restated.order_date),
        product=restated.product,
        value=restated.amount if d.measure == "amount" else restated.quantity,
    )
    return plain.union(restated)


class FigureReader:
    """Reads programs' figures over one DuckDB connection. The lines of a (fact, measure,
    windows, last day known) are summed by partner, window and product once — the costly
    pass over the fact — and kept as a temporary table; each program then only prices
    those sums (its rate table, focus or bands), so ten programs on one base read the
    facts once."""

    def __init__(self, con: Any | None = None) -> None:
        self.con = con or duckdb_connection()
        self._sums: dict[tuple[Any, ...], str] = {}

    def _summed(self, d: Definition, windows: list[Window], known_by: date) -> ir.Table:
        key = (d.fact, d.measure, tuple(windows), known_by)
        if key not in self._sums:
            lines = _lines(self.con, d, known_by)
            spans = ibis.memtable(
                pa.table(
                    {
                        "window": pa.array([w.key for w in windows], pa.int64()),
                        "first": pa.array([w.first for w in windows], pa.date32()),
                        "last": pa.array([w.last for w in windows], pa.date32()),
                    }
                )
            )
            joined = lines.join(spans, [lines.day >= spans["first"], lines.day <= spans["last"]])
            sums = joined.group_by(["partner", "window", "product"]).aggregate(
                total=joined.value.sum(), lines=joined.count()
            )
            name = f"rebate_sums_{len(self._sums)}"
            self.con.create_table(name, sums, temp=True)
            self._sums[key] = name
        return self.con.table(self._sums[key])

    def read(
        self, d: Definition, windows: list[Window], *, known_by: date
    ) -> dict[tuple[str, int], Figures]:
        """Σ per (partner, window); the buckets split it when the program prices lines apart."""
        if not windows:
            return {}
        sums = self._summed(d, windows, known_by)
        if d.fact == "payment":
            priced = sums.mutate(bucket=sums["product"].cast("int64"))
        else:
            buckets = product_buckets(d) if d.uses_buckets else {}
            if buckets:
                table = ibis.memtable(
                    pa.table({"bucket_product": list(buckets), "bucket_no": list(buckets.values())})
                )
                joined = sums.left_join(table, sums["product"] == table.bucket_product)
                priced = joined.mutate(bucket=ibis.coalesce(joined.bucket_no, 0))
            else:
                priced = sums.mutate(bucket=ibis.literal(0, "int64"))
        totals = priced.group_by(["partner", "window", "bucket"]).aggregate(
            total=priced.total.sum(), lines=priced.lines.sum()
        )
        result = self.con.to_pyarrow(totals)
        figures: dict[tuple[str, int], Figures] = {}
        columns = (
            result.column(n).to_pylist() for n in ("partner", "window", "bucket", "total", "lines")
        )
        for partner, window, bucket, total, count in zip(*columns, strict=True):
            value = Decimal(total) if total is not None else ZERO
            entry = figures.setdefault((partner, window), Figures())
            entry.base += value
            entry.lines += int(count)
            if d.uses_buckets:
                entry.buckets[int(bucket)] = entry.buckets.get(int(bucket), ZERO) + value
        return figures

