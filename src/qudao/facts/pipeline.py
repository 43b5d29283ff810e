"""Parsing and checking fact rows, column by column (Polars), a chunk at a time.

``readers`` gives text chunks; each is parsed here with vectorised expressions into
canonical columns and checked. Every problem becomes one error row: source row number,
column, value, reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl
from django.utils.translation import gettext as _

from qudao.core.importing.mapping import TEMPLATE, Mapping
from qudao.facts.readers import ROW
from qudao.facts.schemas import (
    DECIMAL_PRECISION,
    MONEY_SCALE,
    FactField,
    FactSchema,
    Kind,
    polars_type,
)

ERROR_COLUMNS = ["row", "column", "value", "reason"]
DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
)
_FULLWIDTH = ("０１２３４５６７８９．，－＋％", "0123456789.,-+%")
_EXCEL_EPOCH = pl.date(1899, 12, 30)


# --- sources ---------------------------------------------------------------------------


# --- parsing ---------------------------------------------------------------------------


# Every Unicode White_Space character: what ``str.strip_chars()`` removes.
_WHITE_SPACE = [
    *"\t\n\x0b\x0c\r \x85\xa0\u1680",
    *(chr(c) for c in range(0x2000, 0x200B)),
    *"\u2028\u2029\u202f\u205f\u3000",
]


def columns_with_spaces(frame: pl.DataFrame, columns: list[str]) -> set[str]:
    """The columns where some cell holds white space: only those need stripping, and
    finding them costs a third of a strip."""
    if not columns:
        return set()
    found = frame.select(
        pl.col(c).str.contains_any(_WHITE_SPACE).any().alias(str(i)) for i, c in enumerate(columns)
    ).row(0)
    return {c for c, spaced in zip(columns, found, strict=True) if spaced}


def _raw(f: FactField, mapping: Mapping, *, strip: bool = True) -> pl.Expr:
    """The source text for one canonical field, after null tokens, templates and value maps;
    ``strip=False`` where the column is known to hold no white space."""
    if f.name in mapping.constants:
        expr = pl.lit(str(mapping.constants[f.name]), dtype=pl.String)
    elif mapping.columns[f.name].number_within:
        expr = pl.col(f"__seq_{f.name}").cast(pl.String)
    else:
        spec = mapping.columns[f.name]
        expr = pl.col(spec.column).str.strip_chars() if strip else pl.col(spec.column)
        expr = pl.when(expr.is_in(list(mapping.null_values))).then(None).otherwise(expr)
        if spec.template:
            match = TEMPLATE.match(spec.template)
            assert match is not None  # checked when the mapping was parsed
            if match["width"]:
                expr = expr.str.zfill(int(match["width"]))
            expr = pl.lit(match["before"]) + expr + pl.lit(match["after"])
    if f.name in mapping.values:
        table = mapping.values[f.name]
        expr = expr.replace(list(table), list(table.values()))
    return expr.alias(f.name)


def _number_text(raw: pl.Expr) -> pl.Expr:
    return raw.str.replace_many(list(_FULLWIDTH[0]), list(_FULLWIDTH[1])).str.replace_all(
        r"[,\s¥￥$€£]", ""
    )


def _detect_format(raw: pl.DataFrame, f: FactField, mapping: Mapping) -> tuple[str, bool] | None:
    """The one format that reads a sample of this column, if there is one: (format, is a
    date-time format). Files almost always use one format per column, so one pass suffices;
    rows it does not read fall back to trying every format."""
    sample = raw.get_column(f.name).drop_nulls().head(1000)
    if sample.len() == 0:
        return None
    candidates: list[tuple[str, bool]] = [(fmt, False) for fmt in mapping.date_formats]
    if f.kind is Kind.DATETIME:
        candidates = []
    candidates += [(fmt, True) for fmt in DATETIME_FORMATS]
    for fmt, is_stamp in candidates:
        target = pl.Datetime("us") if is_stamp else pl.Date()
        if sample.str.strptime(target, fmt, strict=False).null_count() == 0:  # type: ignore[arg-type]
            return fmt, is_stamp
    return None


def _parsed_with(f: FactField, fmt: str, is_stamp: bool) -> pl.Expr:
    raw = pl.col(f.name)
    if not is_stamp:
        return raw.str.strptime(pl.Date, fmt, strict=False)
    stamp = raw.str.strptime(pl.Datetime("us"), fmt, strict=False)
    return stamp.dt.date() if f.kind is Kind.DATE else stamp


def _parsed_plain(f: FactField, date_format: tuple[str, bool] | None) -> pl.Expr | None:
    """The fast parse of a column whose values look as most files write them: dates in the
    one format a sample showed, numbers without separators, signs or full-width digits.
    Values it cannot read fall back to ``_parsed``, which tries every accepted spelling."""
    raw = pl.col(f.name)
    if f.kind in (Kind.DATE, Kind.DATETIME):
        return _parsed_with(f, *date_format) if date_format else None
    if f.kind is Kind.INTEGER:
        return raw.cast(pl.Int64, strict=False)
    if f.kind is Kind.DECIMAL:  # rounded once, to the stored scale
        return raw.cast(pl.Decimal(DECIMAL_PRECISION, MONEY_SCALE), strict=False)
    return None


def _parsed(f: FactField, mapping: Mapping) -> pl.Expr:
    raw = pl.col(f.name)
    if f.kind is Kind.TEXT:
        return raw
    if f.kind is Kind.DATE:
        texts = [raw.str.strptime(pl.Date, fmt, strict=False) for fmt in mapping.date_formats]
        stamps = [
            raw.str.strptime(pl.Datetime("us"), fmt, strict=False).dt.date()
            for fmt in DATETIME_FORMATS
        ]
        serial = (
            pl.when(raw.str.contains(r"^\d{4,5}(\.0+)?$"))
            .then(
                _EXCEL_EPOCH
                + pl.duration(days=raw.str.replace(r"\..*$", "").cast(pl.Int64, strict=False))
            )
            .otherwise(None)
        )
        return pl.coalesce([*texts, *stamps, serial])
    if f.kind is Kind.DATETIME:
        return pl.coalesce(
            [raw.str.strptime(pl.Datetime("us"), fmt, strict=False) for fmt in DATETIME_FORMATS]
        )
    text = _number_text(raw)
    if f.kind is Kind.INTEGER:
        return text.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False)
    # A percentage keeps two more places until it is divided; a plain number is rounded
    # once, straight to the stored scale.
    percent = text.str.ends_with("%")
    hundredths = text.str.strip_chars_end("%").cast(
        pl.Decimal(DECIMAL_PRECISION, MONEY_SCALE + 2), strict=False
    )
    number = text.cast(pl.Decimal(DECIMAL_PRECISION, MONEY_SCALE), strict=False)
    scaled = pl.when(percent).then(hundredths / 100).otherwise(number)
    return scaled.cast(pl.Decimal(DECIMAL_PRECISION, MONEY_SCALE), strict=False)


def _reason_unparsed(f: FactField) -> str:
    return {
        Kind.DATE: _("Not a date (expected e.g. 2020-01-31)."),
        Kind.DATETIME: _("Not a date and time (expected e.g. 2020-01-31 08:30:00)."),
        Kind.DECIMAL: _("Not a number."),
        Kind.INTEGER: _("Not a whole number."),
        Kind.TEXT: "",
    }[f.kind]


@dataclass
class CheckedChunk:
    valid: pl.DataFrame  # canonical columns + _row
    errors: pl.DataFrame  # row, column, value, reason
    rows: int


class Sequences:
    """Running row numbers within groups, carried from chunk to chunk (``number_within``)."""

    def __init__(self) -> None:
        self.seen: dict[str, pl.DataFrame] = {}

    def number(self, frame: pl.DataFrame, field_name: str, column: str) -> pl.Series:
        group = pl.col(column)
        local = frame.select(group.alias("g"), (pl.int_range(pl.len()).over(group) + 1).alias("n"))
        before = self.seen.get(field_name)
        if before is not None:
            local = local.join(before, on="g", how="left", maintain_order="left")
            numbers = local.get_column("n") + local.get_column("count").fill_null(0)
        else:
            numbers = local.get_column("n")
        counts = local.group_by("g").agg(pl.len().alias("count"))
        if before is not None:
            counts = pl.concat([before, counts]).group_by("g").agg(pl.col("count").sum())
        self.seen[field_name] = counts
        return numbers.alias(f"__seq_{field_name}")


Check = tuple[pl.Expr, FactField, str]  # (the row fails when true, field, reason)


def _present(name: str) -> pl.Expr:
    value = pl.col(name)
    return value.is_not_null() & (value != "")


def _row_checks(
    mapped: list[FactField],
    *,
    codes: dict[str, pl.Series],
    mapping: Mapping,
    schema: FactSchema,
    within: tuple[Any, Any] | None = None,
    quick: bool = False,
) -> list[Check]:
    """Every per-row check of the mapped fields, over the text and parsed columns.

    ``quick`` checks may flag a row wrongly, never pass one wrongly (lengths in bytes, not
    characters): every row they flag is checked again with the exact ones.
    """
    checks: list[Check] = []
    for f in mapped:
        value, result = pl.col(f.name), pl.col(f"{f.name}__p")
        present = _present(f.name)
        if f.required:
            checks.append((~present, f, _("A value is required.")))
        if f.kind is not Kind.TEXT:
            checks.append((present & result.is_null(), f, _reason_unparsed(f)))
        else:
            length = value.str.len_bytes() if quick else value.str.len_chars()
            checks.append(
                (
                    length > f.max_length,
                    f,
                    _("Longer than %(n)d characters.") % {"n": f.max_length},
                )
            )
        if f.minimum is not None:
            checks.append(
                (result < pl.lit(f.minimum), f, _("Must be at least %(min)s.") % {"min": f.minimum})
            )
        if f.kind is Kind.DECIMAL:
            limit = pl.lit(Decimal(10) ** (DECIMAL_PRECISION - MONEY_SCALE - 1))
            checks.append((result.abs() >= limit, f, _("Too large.")))
        if f.reference is not None:
            label = {"partner": _("partner"), "product": _("product"), "region": _("region")}[
                f.reference.value
            ]
            known = value.is_in(codes[f.reference.value].implode())
            checks.append((present & ~known, f, _("No %(what)s with this code.") % {"what": label}))
            if f.reference.value == "partner" and "partner_scope" in codes:
                # an importer limited to some partners (a channel manager) imports for those
                checks.append(
                    (
                        present & known & ~value.is_in(codes["partner_scope"].implode()),
                        f,
                        _("This partner is outside the partners you may import for."),
                    )
                )
    if within is not None:
        date_field = schema.get(schema.date_field)
        parsed_date = pl.col(f"{date_field.name}__p")
        checks.append(
            (
                parsed_date.is_not_null()
                & ~parsed_date.is_between(pl.lit(within[0]), pl.lit(within[1])),
                date_field,
                _("Outside the period being replaced (%(first)s to %(last)s).")
                % {"first": within[0].isoformat(), "last": within[1].isoformat()},
            )
        )
    return checks


def _read_as_is(f: FactField, mapping: Mapping) -> bool:
    """Whether the field's fast parse may read its cell as it is: a plain mapped column of
    numbers or dates (no constant, numbering, template or value map). Cells the fast parse
    cannot read — spaces, null tokens, other spellings — are cleaned and read again."""
    spec = mapping.columns.get(f.name)
    return (
        f.kind is not Kind.TEXT
        and spec is not None
        and f.name not in mapping.constants
        and not spec.number_within
        and not spec.template
        and f.name not in mapping.values
    )


def _parsed_frame(
    source: pl.DataFrame, texts: dict[str, pl.Expr], parses: dict[str, pl.Expr]
) -> pl.LazyFrame:
    """Each field's text beside its parsed value (``<field>__p``), with the row number."""
    return (
        source.lazy()
        .select(pl.col(ROW), *(text.alias(name) for name, text in texts.items()))
        .with_columns(parse.alias(f"{name}__p") for name, parse in parses.items())
    )


def _quick_texts(
    frame: pl.DataFrame, mapped: list[FactField], mapping: Mapping, schema: FactSchema
) -> dict[str, pl.Expr]:
    """The text of each field for the quick way: number and date cells as they are; other
    cells stripped only in columns that hold white space — except reference codes, which
    are never stripped here (a padded code is not found, so its row goes the full way)."""
    cleaned_columns = {
        f.name: column.column
        for f in mapped
        if (column := mapping.columns.get(f.name)) is not None
        and f.name not in mapping.constants
        and not column.number_within
        and not _read_as_is(f, mapping)
    }
    spaced = columns_with_spaces(
        frame,
        sorted({c for name, c in cleaned_columns.items() if schema.get(name).reference is None}),
    )
    texts: dict[str, pl.Expr] = {}
    for f in mapped:
        if _read_as_is(f, mapping):
            texts[f.name] = pl.col(mapping.columns[f.name].column)
        elif f.name in cleaned_columns:
            texts[f.name] = _raw(f, mapping, strip=cleaned_columns[f.name] in spaced)
        else:
            texts[f.name] = _raw(f, mapping)
    return texts


def _error_rows(checked: pl.DataFrame, checks: list[Check], mapping: Mapping) -> pl.DataFrame:
    """One error row per failed check of each row: row, column, value, reason."""
    frames = [
        checked.filter(pl.col(f"__check{i}")).select(
            pl.col(ROW).alias("row"),
            pl.lit(mapping.header_for(f.name) if f.name not in mapping.constants else f.name).alias(
                "column"
            ),
            pl.col(f.name).fill_null("").alias("value"),
            pl.lit(reason).alias("reason"),
        )
        for i, (_condition, f, reason) in enumerate(checks)
    ]
    return pl.concat([no_errors(), *frames])


def no_errors() -> pl.DataFrame:
    """An empty error table: row, column, value, reason."""
    return pl.DataFrame(
        schema={"row": pl.Int64, "column": pl.String, "value": pl.String, "reason": pl.String}
    )


def check_chunk(
    frame: pl.DataFrame,
    *,
    schema: FactSchema,
    mapping: Mapping,
    codes: dict[str, pl.Series],
    sequences: Sequences | None = None,
    within: tuple[Any, Any] | None = None,
) -> CheckedChunk:
    """Parse and check one chunk; ``codes`` holds the known codes of each reference kind.

    Every row goes the quick way first: cells read as they are (dates in the format a
    sample showed), text stripped only where needed, checks that may flag a row wrongly
    but never pass one wrongly. Rows it flags or cannot read go the full way — cleaned
    text, every accepted spelling, exact checks — whose verdict alone is reported. Both
    ways store the same values: the full way tries the quick parse first.
    """
    rows = frame.height
    for name, spec in mapping.columns.items():
        if spec.number_within and name not in mapping.constants:
            sequences = sequences or Sequences()
            frame = frame.with_columns(sequences.number(frame, name, spec.column))
    mapped = [f for f in schema.fields if f.name in mapping.columns or f.name in mapping.constants]
    missing = [f for f in schema.fields if f.required and f not in mapped]
    assert not missing, "validate_fact_mapping lets no required field go unmapped"
    cleaned = {f.name: _raw(f, mapping) for f in mapped}
    sample = frame.head(1000).select(cleaned.values())
    formats = {
        f.name: _detect_format(sample, f, mapping)
        for f in mapped
        if f.kind in (Kind.DATE, Kind.DATETIME)
    }
    fast = {f.name: _parsed_plain(f, formats.get(f.name)) for f in mapped}
    quick_parses = {
        f.name: parse if (parse := fast[f.name]) is not None else _parsed(f, mapping)
        for f in mapped
    }
    unread = [
        _present(name) & pl.col(f"{name}__p").is_null()
        for name, parse in fast.items()
        if parse is not None
    ]
    quick_checks = _row_checks(
        mapped, codes=codes, mapping=mapping, within=within, schema=schema, quick=True
    )
    suspects = [condition.fill_null(False) for condition, _f, _reason in quick_checks] + unread
    quick = (
        _parsed_frame(frame, _quick_texts(frame, mapped, mapping, schema), quick_parses)
        .with_columns((pl.any_horizontal(suspects) if suspects else pl.lit(False)).alias("__redo"))
        .collect()
    )
    redo = quick.get_column("__redo")
    valid = quick.drop("__redo")
    errors = no_errors()
    if redo.any():
        checks = _row_checks(mapped, codes=codes, mapping=mapping, within=within, schema=schema)
        full_parses = {
            f.name: pl.coalesce(parse, _parsed(f, mapping))
            if (parse := fast[f.name]) is not None
            else _parsed(f, mapping)
            for f in mapped
        }
        flags = [f"__check{i}" for i in range(len(checks))]
        again = (
            _parsed_frame(frame.filter(redo), cleaned, full_parses)
            .with_columns(
                condition.fill_null(False).alias(flag)
                for flag, (condition, _f, _reason) in zip(flags, checks, strict=True)
            )
            .collect()
        )
        errors = _error_rows(again, checks, mapping)
        passed = again.filter(~pl.any_horizontal(flags)) if flags else again
        valid = pl.concat([valid.filter(~redo), passed.select(valid.columns)]).sort(ROW)
    valid = valid.select(
        pl.col(ROW),
        *[
            (pl.col(f"{f.name}__p") if f in mapped else pl.lit(None))
            .cast(polars_type(f))
            .alias(f.name)
            for f in schema.fields
        ],
    )
    return CheckedChunk(valid, errors.sort("row"), rows)


ProgressCallback = Callable[[float, int], Any]
