"""The canonical facts (DESIGN §4): field names are the contract, types and rules live here.

Money and quantities are decimals with 4 places, stored exactly as received (rounding to
2 places happens where a figure is shown or paid, never on import). Dates are calendar
dates; ``code_scan.scanned_at`` is a local timestamp in the deployment's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

import polars as pl
import pyarrow as pa
from django.utils.translation import gettext_lazy as _


class Kind(StrEnum):
    TEXT = "text"
    DATE = "date"
    DATETIME = "datetime"
    DECIMAL = "decimal"
    INTEGER = "integer"


class Reference(StrEnum):
    PARTNER = "partner"
    PRODUCT = "product"
    REGION = "region"


MONEY_SCALE = 4
DECIMAL_PRECISION = 20


# What each field holds, for people: the name is the contract (file headers, mappings).
FIELD_LABELS: dict[str, Any] = {
    "order_date": _("Order date"),
    "order_id": _("Order number"),
    "line_no": _("Line number"),
    "partner": _("Partner code"),
    "product": _("Product code"),
    "quantity": _("Quantity"),
    "unit_price": _("Unit price"),
    "amount": _("Amount"),
    "cost": _("Cost"),
    "currency": _("Currency"),
    "ship_to_region": _("Ship-to region"),
    "original_order_id": _("Original order (returns)"),
    "date": _("Date"),
    "customer": _("Customer"),
    "customer_region": _("Customer region"),
    "document_id": _("Document number"),
    "snapshot_date": _("Stock-take date"),
    "quantity_on_hand": _("Quantity on hand"),
    "code": _("Product serial code"),
    "shipped_date": _("Shipped on"),
    "scanned_at": _("Scanned at"),
    "region": _("Region code"),
    "scan_type": _("Scan type"),
    "campaign": _("Campaign"),
    "as_of": _("As of"),
    "days_overdue": _("Days overdue"),
    "invoice_id": _("Invoice number"),
    "invoice_date": _("Invoice date"),
    "paid_date": _("Paid on"),
}


@dataclass(frozen=True)
class FactField:
    name: str
    kind: Kind
    required: bool = False
    reference: Reference | None = None
    minimum: Decimal | None = None
    max_length: int = 100

    @property
    def label(self) -> Any:
        return FIELD_LABELS.get(self.name, self.name)


@dataclass(frozen=True)
class FactSchema:
    name: str
    label: Any
    fields: tuple[FactField, ...]
    key: tuple[str, ...]  # what makes a row unique across every committed batch
    date_field: str  # the date that places a row in a period
    description: Any = ""
    partner_field: str | None = "partner"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def get(self, name: str) -> FactField:
        return next(f for f in self.fields if f.name == name)


T, D, DT, N, INT = Kind.TEXT, Kind.DATE, Kind.DATETIME, Kind.DECIMAL, Kind.INTEGER
ZERO = Decimal(0)

FACTS: dict[str, FactSchema] = {
    s.name: s
    for s in (
        FactSchema(
            "sell_in",
            _("Sell-in lines"),
            (
                FactField("order_date", D, required=True),
                FactField("order_id", T, required=True),
                FactField("line_no", INT, required=True, minimum=Decimal(1)),
                FactField("partner", T, required=True, reference=Reference.PARTNER),
                FactField("product", T, required=True, reference=Reference.PRODUCT),
                FactField("quantity", N, required=True),  # negative: a return
                FactField("unit_price", N, minimum=ZERO),
                FactField("amount", N, required=True),
                FactField("cost", N, minimum=ZERO),
                FactField("currency", T, max_length=3),
                FactField("ship_to_region", T, reference=Reference.REGION),
                # A return (negative quantity) may name the order it reverses: rebates
                # restate it into that order's period.
                FactField("original_order_id", T),
            ),
            key=("order_id", "line_no"),
            date_field="order_date",
            description=_("What the brand sold to its partners, one row per order line."),
        ),
        FactSchema(
            "sell_through",
            _("Sell-through lines (流向)"),
            (
                FactField("date", D, required=True),
                FactField("partner", T, required=True, reference=Reference.PARTNER),
                FactField("customer", T, required=True),
                FactField("customer_region", T, reference=Reference.REGION),
                FactField("product", T, required=True, reference=Reference.PRODUCT),
                FactField("quantity", N, required=True),
                FactField("unit_price", N, minimum=ZERO),
                FactField("amount", N, required=True),
                FactField("document_id", T, required=True),
            ),
            key=("partner", "document_id", "product"),
            date_field="date",
            description=_("What partners sold on to their customers, one row per document line."),
        ),
        FactSchema(
            "inventory",
            _("Inventory snapshots"),
            (
                FactField("snapshot_date", D, required=True),
                FactField("partner", T, required=True, reference=Reference.PARTNER),
                FactField("product", T, required=True, reference=Reference.PRODUCT),
                FactField("quantity_on_hand", N, required=True, minimum=ZERO),
            ),
            key=("partner", "product", "snapshot_date"),
            date_field="snapshot_date",
            description=_("Stock on hand at a partner on a day."),
        ),
        FactSchema(
            "code_assignment",
            _("Product-code assignments"),
            (
                FactField("code", T, required=True),
                FactField("product", T, required=True, reference=Reference.PRODUCT),
                FactField("partner", T, required=True, reference=Reference.PARTNER),
                FactField("shipped_date", D, required=True),
            ),
            key=("code",),
            date_field="shipped_date",
            description=_("Which partner each serialised product code was shipped to."),
        ),
        FactSchema(
            "code_scan",
            _("Product-code scans"),
            (
                FactField("scanned_at", DT, required=True),
                FactField("code", T, required=True),
                FactField("region", T, reference=Reference.REGION),
                FactField("scan_type", T, max_length=30),
            ),
            key=("code", "scanned_at", "scan_type"),
            date_field="scanned_at",
            partner_field=None,
            description=_("Where and when a product code was scanned."),
        ),
        FactSchema(
            "marketing_spend",
            _("Marketing spend"),
            (
                FactField("date", D, required=True),
                FactField("partner", T, required=True, reference=Reference.PARTNER),
                FactField("campaign", T, required=True),
                FactField("amount", N, required=True, minimum=ZERO),
            ),
            key=("partner", "campaign", "date"),
            date_field="date",
            description=_("Money spent on marketing with or for a partner."),
        ),
        FactSchema(
            "receivable",
            _("Receivables"),
            (
                FactField("as_of", D, required=True),
                FactField("partner", T, required=True, reference=Reference.PARTNER),
                FactField("amount", N, required=True),
                FactField("days_overdue", INT, required=True, minimum=ZERO),
            ),
            key=("partner", "as_of", "days_overdue"),
            date_field="as_of",
            description=_("What a partner owes on a day, by days overdue (an ageing bucket)."),
        ),
        FactSchema(
            "payment",
            _("Payments received"),
            (
                FactField("partner", T, required=True, reference=Reference.PARTNER),
                FactField("invoice_id", T, required=True),
                FactField("invoice_date", D, required=True),
                FactField("amount", N, required=True, minimum=ZERO),
                FactField("paid_date", D, required=True),
            ),
            key=("partner", "invoice_id", "paid_date"),
            date_field="paid_date",
            description=_("What a partner paid against an invoice, and when (回款)."),
        ),
    )
}


def polars_type(f: FactField) -> pl.DataType:
    return {
        Kind.TEXT: pl.String(),
        Kind.DATE: pl.Date(),
        Kind.DATETIME: pl.Datetime("us"),
        Kind.DECIMAL: pl.Decimal(DECIMAL_PRECISION, MONEY_SCALE),
        Kind.INTEGER: pl.Int64(),
    }[f.kind]


def arrow_schema(schema: FactSchema) -> pa.Schema:
    types = {
        Kind.TEXT: pa.string(),
        Kind.DATE: pa.date32(),
        Kind.DATETIME: pa.timestamp("us"),
        Kind.DECIMAL: pa.decimal128(DECIMAL_PRECISION, MONEY_SCALE),
        Kind.INTEGER: pa.int64(),
    }
    return pa.schema([(f.name, types[f.kind]) for f in schema.fields])
