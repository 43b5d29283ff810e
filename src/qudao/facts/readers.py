"""Reading fact files as text chunks: CSV in any of our encodings, XLSX, Parquet.

A source is read in chunks of ``CHUNK_ROWS`` rows, every value as text with its source row
number (``ROW``); parsing and checking are ``pipeline``'s. Memory is bounded by the chunk
size whatever the file's size; a header too wide and a workbook that inflates too far
(``core.importing.sources.refuse_zip_bomb``) are refused before any row is read.
"""

from __future__ import annotations

import codecs
import csv
import os
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from django.utils.translation import gettext as _

from qudao.core.importing.errors import SourceError
from qudao.core.importing.mapping import Mapping
from qudao.core.importing.sources import (
    clean_header,
    declared_encoding,
    delimiter_of,
    excel_sheet,
    refuse_zip_bomb,
    sniff_encoding,
)
from qudao.facts import store

CHUNK_ROWS = 500_000


ROW = "_row"


@dataclass
class Source:
    headers: list[str]
    # every column as text, plus ROW: the row's number as a spreadsheet shows it (header = 1)
    chunks: Iterator[pl.DataFrame]
    size_bytes: int
    rows_expected: int  # exact for workbooks and Parquet, estimated for CSV (progress only)


def as_frame(table: pa.Table) -> pl.DataFrame:
    """An Arrow table as a Polars frame."""
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


def _numbered(frames: Iterator[pl.DataFrame]) -> Iterator[pl.DataFrame]:
    """Text frames with their rows numbered on from 2 (row 1 is the header)."""
    next_row = 2
    for frame in frames:
        yield frame.with_columns(
            pl.int_range(next_row, next_row + frame.height, dtype=pl.Int64).alias(ROW)
        )
        next_row += frame.height


def detect_encoding(path: Path, declared: str) -> str:
    if declared != "auto":
        return declared_encoding(declared)
    with path.open("rb") as fh:
        sample = fh.read(1 << 20)
    try:
        sample.decode("utf-8-sig")
        return "utf-8-sig"
    except UnicodeDecodeError as exc:
        if len(sample) == 1 << 20 and exc.start >= len(sample) - 3:  # cut at the sample's end
            return "utf-8-sig"
        if any(byte >= 0x80 for byte in sample[: exc.start]):
            # Valid UTF-8 Chinese before, something else after: reading it either way
            # would garble one part without a word, so refuse it.
            raise SourceError(
                _("The file mixes encodings: UTF-8 up to byte %(pos)d, then another.")
                % {"pos": exc.start}
            ) from None
    return sniff_encoding(sample, complete=len(sample) < 1 << 20)


# No channel file has more columns than this, nor a header line longer: a wider one is
# refused before anything else is read (a 400,000-column header once held a web worker
# until it was killed).
MAX_COLUMNS = 1000


MAX_HEADER_CHARS = 64 * 1024


def _csv_headers(path: Path, encoding: str) -> tuple[list[str], str]:
    """The file's column names and its delimiter (comma or tab, by the header line)."""
    with path.open("r", encoding=encoding, newline="") as fh:
        try:
            first_line = fh.readline(MAX_HEADER_CHARS + 1)
            if len(first_line) > MAX_HEADER_CHARS and not first_line.endswith("\n"):
                raise SourceError(
                    _("The header line is longer than %(n)s characters: is this a CSV file?")
                    % {"n": f"{MAX_HEADER_CHARS:,}"}
                )
            delimiter = delimiter_of(first_line)
            if first_line.count(delimiter) >= MAX_COLUMNS:
                raise SourceError(
                    _("The file has %(count)s columns; at most %(max)s are read.")
                    % {"count": f"{first_line.count(delimiter) + 1:,}", "max": f"{MAX_COLUMNS:,}"}
                )
            fh.seek(0)
            header_row = next(csv.reader(fh, delimiter=delimiter))
        except StopIteration:
            raise SourceError(_("The file is empty.")) from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise SourceError(_("The file is not valid CSV: %(error)s") % {"error": exc}) from exc
    headers = [clean_header(h) for h in header_row]
    if len(set(headers)) != len(headers):
        raise SourceError(
            _("The file has repeated column names: %(names)s")
            % {"names": ", ".join(sorted({h for h in headers if headers.count(h) > 1}))}
        )
    return headers, delimiter


def _rows_estimate(path: Path) -> int:
    """About how many rows a CSV file holds, from the line length of its first megabyte."""
    with path.open("rb") as fh:
        sample = fh.read(1 << 20)
    lines = max(sample.count(b"\n"), 1)
    return max(int(path.stat().st_size / (len(sample) / lines)) - 1, 1)


def _broken(exc: Exception) -> SourceError:
    return SourceError(
        _("The file could not be read past a broken line: %(error)s") % {"error": str(exc)[:300]}
    )


def _utf8_csv_chunks(path: Path, headers: list[str], delimiter: str) -> Iterator[pl.DataFrame]:
    """UTF-8 text read by Polars' CSV reader, which parses on every core. A row with more
    cells than the header stops the import; one with fewer reads the missing cells as
    empty (reported where a value is required); rows with every cell empty (blank lines,
    a sheet's trailing ``,,,``) are skipped, their numbers kept so later rows keep theirs."""
    scan = pl.scan_csv(
        path,
        separator=delimiter,
        infer_schema=False,
        empty_string_is_null=False,
        new_columns=headers,
        row_index_name=ROW,
        row_index_offset=2,
    ).with_columns(pl.col(ROW).cast(pl.Int64))
    empty_row = pl.all_horizontal(pl.col(h) == "" for h in headers)
    try:
        for batch in scan.collect_batches(chunk_size=CHUNK_ROWS):
            # looked for only where a first cell is empty: most files have no such row
            if headers and (batch.get_column(headers[0]) == "").any():
                batch = batch.filter(~empty_row)
            yield batch
    except pl.exceptions.PolarsError as exc:
        raise _broken(exc) from exc


def _transcoded(path: Path, encoding: str) -> Path:
    """A UTF-8 copy of a file in another encoding (GB18030/GBK), for Polars' reader, which
    reads UTF-8 only; a scratch file of the store, removed by the caller."""
    handle, name = store.scratch_file(".csv")
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as source, os.fdopen(handle, "wb") as copy:
            while block := source.read(4 << 20):
                copy.write(decoder.decode(block).encode())
            copy.write(decoder.decode(b"", final=True).encode())
    except UnicodeDecodeError as exc:
        Path(name).unlink(missing_ok=True)
        raise _broken(exc) from exc
    return Path(name)


def _csv_chunks(
    path: Path, headers: list[str], delimiter: str, encoding: str
) -> Iterator[pl.DataFrame]:
    """Every CSV is read by Polars' reader; other encodings through a UTF-8 copy, so a GBK
    file from Chinese Excel meets exactly the rules a UTF-8 one does."""
    utf8 = path if encoding == "utf-8-sig" else None
    try:
        utf8 = utf8 or _transcoded(path, encoding)
        yield from _utf8_csv_chunks(utf8, headers, delimiter)
    finally:
        if utf8 is not None and utf8 != path:
            utf8.unlink(missing_ok=True)


def _csv_source(path: Path, encoding: str) -> Source:
    encoding = detect_encoding(path, encoding)
    headers, delimiter = _csv_headers(path, encoding)
    chunks = _csv_chunks(path, headers, delimiter, encoding)
    return Source(headers, chunks, path.stat().st_size, _rows_estimate(path))


def _xlsx_source(path: Path, sheet: str) -> Source:
    if path.suffix.lower() != ".xls":  # a legacy .xls is no zip: nothing unpacks
        refuse_zip_bomb(path)
    table = excel_sheet(path, sheet, dtypes="string")
    headers = [str(h).strip() for h in table.column_names]
    table = table.rename_columns(headers).cast(pa.schema([(h, pa.string()) for h in headers]))

    def chunks() -> Iterator[pa.Table]:
        for start in range(0, table.num_rows, CHUNK_ROWS):
            yield table.slice(start, CHUNK_ROWS)

    frames = (as_frame(chunk) for chunk in chunks())
    return Source(headers, _numbered(frames), path.stat().st_size, table.num_rows)


def _parquet_source(path: Path) -> Source:
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise SourceError(
            _("The file is not a readable Parquet file: %(error)s") % {"error": str(exc)[:300]}
        ) from exc
    headers = parquet.schema_arrow.names

    def chunks() -> Iterator[pl.DataFrame]:
        for batch in parquet.iter_batches(batch_size=CHUNK_ROWS):
            yield as_frame(pa.Table.from_batches([batch])).select(pl.all().cast(pl.String))

    return Source(headers, _numbered(chunks()), path.stat().st_size, parquet.metadata.num_rows)


def prefetched(chunks: Iterator[pl.DataFrame], depth: int = 1) -> Iterator[pl.DataFrame]:
    """The same chunks, read ahead in a thread: the reader (which releases the GIL) parses
    the next chunk while this one is checked. At most ``depth`` chunks wait in memory."""
    done = object()
    waiting: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def read() -> None:
        try:
            for chunk in chunks:
                while not stop.is_set():
                    try:
                        waiting.put(chunk, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            waiting.put(done)
        except BaseException as exc:  # handed to the consumer, raised there
            waiting.put(exc)

    reader = threading.Thread(target=read, name="qudao-chunk-reader", daemon=True)
    reader.start()
    try:
        while (item := waiting.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        reader.join(timeout=5)


def open_source(path: Path, mapping: Mapping) -> Source:
    if not path.exists():
        raise SourceError(_("No such file: %(path)s") % {"path": path})
    suffix = path.suffix.lower()
    if suffix in {".csv", ".txt", ".tsv"}:
        return _csv_source(path, mapping.encoding)
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        return _xlsx_source(path, mapping.sheet)
    if suffix == ".parquet":
        return _parquet_source(path)
    raise SourceError(
        _("Unsupported file type “%(suffix)s”: use .csv, .xlsx, .xls or .parquet.")
        % {"suffix": suffix}
    )
