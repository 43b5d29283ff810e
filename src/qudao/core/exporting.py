"""Writing tables to CSV, Excel and JSON — for list pages and ``qudao export``.

Text cells that a spreadsheet would run as a formula (starting with = + - @,
or a tab / carriage return) are prefixed with an apostrophe (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import polars as pl

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


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV in UTF-8 with a BOM, which Excel needs to show Chinese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([neutralise(_plain(v)) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str = "data") -> bytes:
    import xlsxwriter  # deferred: only exports write Excel (it takes ~70 ms to load)

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    ws = book.add_worksheet(sheet[:31])
    bold = book.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
    money = book.add_format({"num_format": "#,##0.00"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    widths = [max(8, len(str(h)) + 2) for h in headers]
    for col, header in enumerate(headers):
        ws.write_string(0, col, str(header), bold)
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                ws.write_boolean(r, col, value)
            elif isinstance(value, Decimal | int | float):
                ws.write_number(r, col, float(value), money if isinstance(value, Decimal) else None)
            elif isinstance(value, datetime | date):
                ws.write_datetime(r, col, datetime(value.year, value.month, value.day), day)  # noqa: DTZ001
            else:
                text = str(neutralise(value))
                ws.write_string(r, col, text)
                widths[col] = min(60, max(widths[col], len(text) + 2))
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, 0, max(0, len(headers) - 1))
    book.close()
    return buffer.getvalue()


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
