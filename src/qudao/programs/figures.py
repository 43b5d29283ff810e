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

import functools
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
from qudao.programs.rules import ZERO, Definition, Figures, bucket_of_days


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


def _lines(con: Any, fact: str, known_by: date, *, detail: bool = False) -> ir.Table:
    """Every counted line of a fact: partner, day (restated), key (the product; for payments
    the days from invoice to payment), amount and quantity; with ``detail`` also the line's
    own day, its document and its product (what a statement's lines export shows)."""
    rows = fact_table(fact, connection=con)
    if fact == "payment":
        days = rows.paid_date.delta(rows.invoice_date, unit="day")
        known = rows.filter(rows.paid_date <= known_by)
        extra = (
            {
                "own_day": known.invoice_date,
                "document": known.invoice_id,
                "product": ibis.null("string"),
            }
            if detail
            else {}
        )
        return known.select(
            partner=known.partner,
            day=known.paid_date,
            key=days.cast("string"),
            amount=known.amount,
            quantity=ibis.literal(0).cast(known.amount.type()),
            **extra,
        )
    if fact == "sell_through":
        known = rows.filter(rows.date <= known_by)
        extra = (
            {"own_day": known.date, "document": known.document_id, "product": known.product}
            if detail
            else {}
        )
        return known.select(
            partner=known.partner,
            day=known.date,
            key=known.product,
            amount=known.amount,
            quantity=known.quantity,
            **extra,
        )
    known = rows.filter(
        (rows.order_date <= known_by) & ~rows.order_id.startswith(document_prefix())
    )
    reverses = known.original_order_id.notnull() & (known.quantity < 0)
    wanted = known.filter(reverses).select(wanted_id=known.original_order_id).distinct()
    origins = (
        known.semi_join(wanted, known.order_id == wanted.wanted_id)
        .group_by(origin_id=known.order_id)
        .aggregate(origin_day=known.order_date.min())
    )
    # one pass: a return's day is its order's, when that order is on record
    dated = known.left_join(origins, known.original_order_id == origins.origin_id)
    is_return = dated.original_order_id.notnull() & (dated.quantity < 0)
    extra = (
        {
            "own_day": dated.order_date,
            "document": dated.order_id.concat("/", dated.line_no.cast("string")),
            "product": dated.product,
        }
        if detail
        else {}
    )
    return dated.select(
        partner=dated.partner,
        day=is_return.ifelse(ibis.coalesce(dated.origin_day, dated.order_date), dated.order_date),
        key=dated.product,
        amount=dated.amount,
        quantity=dated.quantity,
        **extra,
    )


LINE_COLUMNS = ["day_counted", "own_day", "document", "product", "quantity", "amount"]


def counted_lines(
    d: Definition, partner: str, first: date, last: date, known_by: date
) -> list[list[Any]]:
    """The fact lines a statement line counted for ``partner``: dated (restated) within
    [first, last], known by ``known_by`` — each with its own day and document."""
    con = duckdb_connection()
    lines = _lines(con, d.fact, known_by, detail=True)
    mine = lines.filter(
        (lines.partner == partner) & (lines.day >= first) & (lines.day <= last)
    ).order_by(["day", "own_day", "document"])
    result = con.to_pyarrow(
        mine.select(
            day_counted=mine.day,
            own_day=mine.own_day,
            document=mine.document,
            product=mine.product,
            quantity=mine.quantity,
            amount=mine.amount,
        )
    )
    return [list(row.values()) for row in result.to_pylist()]


def _spans(windows: Any) -> ir.Table:
    rows = list(windows)
    return ibis.memtable(
        pa.table(
            {
                "window": pa.array([w.key for w in rows], pa.int64()),
                "first": pa.array([w.first for w in rows], pa.date32()),
                "last": pa.array([w.last for w in rows], pa.date32()),
            }
        )
    )


@dataclass
class _Sums:
    """One pass over a fact: the spans it summed, how products were grouped (product →
    class; products alike for every program read from it share a class), and the sums —
    a few rows per partner — fetched once for every program to price."""

    spans: dict[int, tuple[date, date]]
    classes: dict[str, int]
    rows: list[
        tuple[str, int, str, Decimal, Decimal, int]
    ]  # partner, span, key, amount, qty, lines

    @functools.cached_property
    def totals(self) -> list[tuple[str, int, Decimal, Decimal, int]]:
        """The rows summed over product classes — (partner, span, amount, qty, lines) — for
        programs that price every product alike; made once, shared by all of them."""
        summed: dict[tuple[str, int], list[Any]] = {}
        for partner, span_no, _key, amount, units, count in self.rows:
            entry = summed.get((partner, span_no))
            if entry is None:
                summed[(partner, span_no)] = [amount or ZERO, units or ZERO, count]
            else:
                entry[0] += amount or ZERO
                entry[1] += units or ZERO
                entry[2] += count
        return [(p, n, a, u, c) for (p, n), (a, u, c) in summed.items()]


def product_classes(definitions: list[Definition]) -> dict[str, int]:
    """Products grouped by what they earn under each of ``definitions``: two products in
    one class have the same bucket in every program. Without rate tables or focus, one
    class: the pass then sums by partner and span alone."""
    priced = [product_buckets(d) for d in definitions if d.uses_buckets and d.fact != "payment"]
    if not priced:
        return {}
    signatures: dict[tuple[int, ...], int] = {}
    classes: dict[str, int] = {}
    for code in Product.objects.values_list("code", flat=True):
        signature = tuple(buckets.get(code, 0) for buckets in priced)
        classes[code] = signatures.setdefault(signature, len(signatures) + 1)
    return classes


def _disjoint(spans: list[tuple[date, date]]) -> bool:
    return all(a[1] < b[0] for a, b in zip(spans, spans[1:], strict=False))


class FigureReader:
    """Reads programs' figures. A fact's lines known by a day are summed by partner, span of
    days and product class (amount and quantity) in one DuckDB pass — the costly part — for
    every span and program of a settlement (``prepare``); each program then prices those
    sums in Python (its measure, rate table, focus or payment bands), so ten programs read
    the facts once."""

    def __init__(self, con: Any | None = None) -> None:
        self.con = con or duckdb_connection()
        self._sums: dict[tuple[str, date], list[_Sums]] = {}

    def prepare(
        self,
        fact: str,
        known_by: date,
        spans: set[tuple[date, date]],
        definitions: list[Definition],
    ) -> None:
        """Sum ``fact`` over every span (first, last) in one pass, products grouped as
        ``definitions`` price them (payments: by days from invoice to payment)."""
        ordered = sorted(spans)
        lines = _lines(self.con, fact, known_by)
        classes = {} if fact == "payment" else product_classes(definitions)
        if fact != "payment":
            if classes:
                mapping = ibis.memtable(
                    pa.table({"class_product": list(classes), "class_no": list(classes.values())})
                )
                lines = lines.left_join(mapping, lines.key == mapping.class_product)
                lines = lines.mutate(key=ibis.coalesce(lines.class_no, 0).cast("string"))
            else:
                lines = lines.mutate(key=ibis.literal("0"))
        if _disjoint(ordered):  # the usual case: each line in one span at most
            span = ibis.cases(
                *[((lines.day >= a) & (lines.day <= b), i) for i, (a, b) in enumerate(ordered)]
            )
            spanned = lines.mutate(span=span).filter(lambda t: t.span.notnull())
        else:
            table = _spans(Window(i, a, b) for i, (a, b) in enumerate(ordered))
            joined = lines.join(table, [lines.day >= table["first"], lines.day <= table["last"]])
            spanned = joined.mutate(span=joined.window)
        sums = spanned.group_by(["partner", "span", "key"]).aggregate(
            amount=spanned.amount.sum(), quantity=spanned.quantity.sum(), lines=spanned.count()
        )
        result = self.con.to_pyarrow(sums)
        rows = list(
            zip(
                *(
                    result.column(n).to_pylist()
                    for n in ("partner", "span", "key", "amount", "quantity", "lines")
                ),
                strict=True,
            )
        )
        done = _Sums(dict(enumerate(ordered)), classes, rows)
        self._sums.setdefault((fact, known_by), []).append(done)

    def _summed(self, d: Definition, known_by: date, spans: set[tuple[date, date]]) -> _Sums:
        buckets = product_buckets(d) if d.uses_buckets and d.fact != "payment" else {}
        for done in self._sums.get((d.fact, known_by), []):
            if spans <= set(done.spans.values()) and _classes_fit(done.classes, buckets):
                return done
        self.prepare(d.fact, known_by, spans, [d])
        return self._summed(d, known_by, spans)

    def read(
        self, d: Definition, windows: list[Window], *, known_by: date
    ) -> dict[tuple[str, int], Figures]:
        """Σ per (partner, window); the buckets split it when the program prices lines apart."""
        if not windows:
            return {}
        done = self._summed(d, known_by, {(w.first, w.last) for w in windows})
        keys: dict[int, list[int]] = {}  # span → the windows it is
        for number, days in done.spans.items():
            keys[number] = [w.key for w in windows if (w.first, w.last) == days]
        bucket_of: dict[str, int] = {}  # key → bucket (payments: days → band, found as met)
        if d.fact == "payment":
            pass
        elif d.uses_buckets:
            by_product = product_buckets(d)
            bucket_of.update({str(c): 0 for c in set(done.classes.values())} | {"0": 0})
            for product, class_no in done.classes.items():
                bucket_of[str(class_no)] = by_product.get(product, 0)
        quantity = d.measure == "quantity"
        figures: dict[tuple[str, int], Figures] = {}
        if not bucket_of and d.fact != "payment":
            for partner, span_no, amount, units, count in done.totals:
                for window in keys.get(span_no, []):
                    figures[(partner, window)] = Figures(
                        base=units if quantity else amount, lines=count
                    )
            return figures
        for partner, span_no, key, amount, units, count in done.rows:
            for window in keys.get(span_no, []):
                value = (units if quantity else amount) or ZERO
                entry = figures.get((partner, window))
                if entry is None:
                    entry = figures[(partner, window)] = Figures()
                entry.base += value
                entry.lines += count
                if d.fact == "payment":
                    if key not in bucket_of:
                        bucket_of[key] = bucket_of_days(d.bands, int(key))
                    bucket = bucket_of[key]
                elif d.uses_buckets:
                    bucket = bucket_of.get(key, 0)
                else:
                    continue
                entry.buckets[bucket] = entry.buckets.get(bucket, ZERO) + value
        return figures


def _classes_fit(classes: dict[str, int], buckets: dict[str, int]) -> bool:
    """Whether sums grouped by ``classes`` can be priced by ``buckets``: every class's
    products in one bucket (no buckets needed: any grouping fits)."""
    if not buckets:
        return True
    if not classes:
        return False
    seen: dict[int, int] = {}
    return all(
        seen.setdefault(class_no, buckets.get(code, 0)) == buckets.get(code, 0)
        for code, class_no in classes.items()
    )
