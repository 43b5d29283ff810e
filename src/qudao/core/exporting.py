"""Writing tables to CSV, Excel and JSON — for list pages and ``qudao export``.

Text cells that a spreadsheet would run as a formula (starting with = + - @,
or a tab / carriage return) are prefixed with an apostrophe (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import polars as pl
from django.conf import settings
from django.utils import timezone

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


# A signed plain number ("-0.1577") is read as a number, never run: it stays as it is.
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def neutralise(value: Any) -> Any:
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_PREFIXES)
        and not _PLAIN_NUMBER.match(value)
    ):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    """Undo ``neutralise`` on a cell read back: "'=SUM(1)" → "=SUM(1)", so that an export
    re-imports unchanged. Only the apostrophe we add (before a formula prefix) goes."""
    if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def neutralise_frame(frame: Any) -> Any:
    """``neutralise`` over every text column of a Polars frame (reports written by Polars)."""
    starts = "^(" + "|".join(re.escape(p) for p in FORMULA_PREFIXES) + ")"
    columns = []
    for name, dtype in frame.schema.items():
        if dtype != pl.String:
            continue
        cell = pl.col(name)
        risky = cell.str.contains(starts) & ~cell.str.contains(_PLAIN_NUMBER.pattern)
        columns.append(pl.when(risky).then(pl.lit("'") + cell).otherwise(cell).alias(name))
    return frame.with_columns(columns) if columns else frame


class Percent(Decimal):
    """A rate (0.1234) that Excel should show as a percentage (12.34%); CSV and JSON
    write the decimal itself, so files read by programs keep their 4 places."""


class Money(Decimal):
    """An amount in the base currency: grouped, 2 decimals and the currency in Excel; the
    plain decimal in CSV and JSON. (A bare Decimal is grouped with 2 decimals too.)"""


class Quantity(Decimal):
    """A quantity or a measure that is not money: Excel shows it as it is."""


def _local(value: datetime) -> datetime:
    """An aware date-time in the deployment's time zone, without the zone (what people
    read and what Excel stores)."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None, microsecond=0)


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _local(value).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")  # never 1E+3
    return value


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV in UTF-8 with a BOM, which Excel needs to show Chinese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([neutralise(_plain(v)) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: Chinese, Japanese and full-width characters
    take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def to_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str = "data") -> bytes:
    """Excel as people expect it: numbers as numbers (money grouped with 2 decimals, counts
    as integers, rates as percentages), dates and times as real ones in the deployment's
    time zone, columns wide enough for their text (CJK counted double), the header frozen
    and filterable."""
    import xlsxwriter  # deferred: only exports write Excel (it takes ~70 ms to load)

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    ws = book.add_worksheet(sheet[:31])
    bold = book.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
    currency = str(settings.QUDAO.get("BASE_CURRENCY", "CNY")).replace('"', "")
    formats = {
        "money": book.add_format({"num_format": "#,##0.00"}),
        "currency": book.add_format({"num_format": f'#,##0.00 "{currency}"'}),
        "general": book.add_format({"num_format": "General"}),
        "count": book.add_format({"num_format": "#,##0"}),
        "rate": book.add_format({"num_format": "0.00%"}),
        "day": book.add_format({"num_format": "yyyy-mm-dd"}),
        "moment": book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
    }
    widths = [max(8, display_width(str(h)) + 2) for h in headers]
    for col, header in enumerate(headers):
        ws.write_string(0, col, str(header), bold)
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if value is None or value == "":
                continue
            shown = _write_cell(ws, r, col, value, formats)
            widths[col] = min(60, max(widths[col], display_width(shown) + 2))
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, 0, max(0, len(headers) - 1))
    book.close()
    return buffer.getvalue()


def _write_cell(ws: Any, r: int, col: int, value: Any, formats: dict[str, Any]) -> str:
    """Write one value by its type; returns about what Excel will show (for the width)."""
    if isinstance(value, bool):
        ws.write_boolean(r, col, value)
        return "FALSE"
    if isinstance(value, Percent):
        ws.write_number(r, col, float(value), formats["rate"])
        return f"{value * 100:.2f}%"
    if isinstance(value, Money):
        ws.write_number(r, col, float(value), formats["currency"])
        return f"{value:,.2f} CNY"
    if isinstance(value, Quantity):
        ws.write_number(r, col, float(value), formats["general"])
        return format(value, "f")
    if isinstance(value, int):
        ws.write_number(r, col, value, formats["count"])
        return f"{value:,}"
    if isinstance(value, Decimal | float):
        ws.write_number(r, col, float(value), formats["money"])
        return f"{value:,.2f}"
    if isinstance(value, datetime):
        ws.write_datetime(r, col, _local(value), formats["moment"])
        return "2020-01-01 00:00"
    if isinstance(value, date):
        ws.write_datetime(r, col, datetime(value.year, value.month, value.day), formats["day"])  # noqa: DTZ001
        return "2020-01-01"
    text = str(neutralise(value))
    ws.write_string(r, col, text)
    return text


def to_json(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    records = [
        {
            h: (str(v) if isinstance(v, Decimal) else _plain(v))
            for h, v in zip(headers, row, strict=True)
        }
        for row in rows
    ]
    return json.dumps(records, ensure_ascii=False, indent=2).encode("utf-8")


Writer = Callable[[Sequence[str], Iterable[Sequence[Any]]], bytes]
WRITERS: dict[str, Writer] = {"csv": to_csv, "xlsx": to_xlsx, "json": to_json}
