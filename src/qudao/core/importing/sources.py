"""Readers: CSV (UTF-8 with or without BOM, GBK/GB18030) and XLSX, as numbered rows of cells."""

from __future__ import annotations

import csv
import io
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from qudao.core.importing.errors import SourceError

MAX_XLSX_ROWS = 1_048_576


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, dict[str, Any]]]  # (spreadsheet row number, header → cell)


def decode(raw: bytes, encoding: str = "auto") -> str:
    """Decode bytes; ``auto`` tries UTF-8 (BOM or not) and then GB18030, a superset of GBK."""
    candidates = ["utf-8-sig", "gb18030"] if encoding == "auto" else [encoding]
    for name in candidates:
        try:
            return raw.decode("utf-8-sig" if name == "utf-8" else name)
        except UnicodeDecodeError:
            continue
    raise SourceError(_("The file is neither UTF-8 nor GB18030/GBK text."))


def delimiter_of(header_line: str) -> str:
    """Tab when the header line holds more tabs than commas (a .tsv, or text copied out of
    a spreadsheet), else comma."""
    return "\t" if header_line.count("\t") > header_line.count(",") else ","


def clean_header(value: Any) -> str:
    """A header cell as a column name: trimmed, without a byte-order mark."""
    return str(value if value is not None else "").strip().lstrip("\ufeff")


def read_csv(raw: bytes, encoding: str = "auto") -> Table:
    text = decode(raw, encoding)
    first_line = io.StringIO(text).readline()  # not text.split: that copies the whole file
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter_of(first_line))
    try:
        headers = [clean_header(h) for h in next(reader)]
    except StopIteration:
        raise SourceError(_("The file is empty.")) from None
    except csv.Error as exc:
        raise SourceError(_("The file is not valid CSV: %(error)s") % {"error": exc}) from exc

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            yield number, dict(zip(headers, cells, strict=False))

    return Table(headers, rows())


def xlsx_max_unpacked() -> int:
    """Bytes a workbook may unpack to (QUDAO["XLSX_MAX_UNPACKED_MB"]): far above any real
    sheet, far below what would exhaust a worker."""
    return int(str(settings.QUDAO.get("XLSX_MAX_UNPACKED_MB", 512))) << 20


def refuse_zip_bomb(source: Path | io.BytesIO) -> None:
    """An .xlsx is a zip: refuse one that unpacks to more than ``xlsx_max_unpacked()`` bytes.

    The bytes are counted by inflating each member's raw stream ourselves, 1 MB of output at
    a time — never trusting the sizes the archive declares (a 1.6 MB file declaring 2 kB once
    inflated to 1.5 GiB in the reader) — and counting stops at the limit, so memory stays at
    one step whatever the file."""
    limit = xlsx_max_unpacked()
    inflated = 0

    def count(size: int) -> None:
        nonlocal inflated
        inflated += size
        if inflated > limit:
            raise SourceError(
                _("The workbook unpacks to more than the %(limit)d MB allowed.")
                % {"limit": limit >> 20}
            )

    try:
        with zipfile.ZipFile(source) as archive:
            declared = sum(info.file_size for info in archive.infolist())
            if declared > limit:  # what it says of itself is enough to refuse it
                raise SourceError(
                    _("The workbook would unpack to %(size)d MB, more than the %(limit)d MB "
                      "allowed.") % {"size": declared >> 20, "limit": limit >> 20}
                )  # fmt: skip
            raw = archive.fp
            assert raw is not None
            for info in archive.infolist():
                raw.seek(info.header_offset)
                header = raw.read(30)
                name_length, extra_length = struct.unpack("<HH", header[26:30])
                raw.seek(info.header_offset + 30 + name_length + extra_length)
                if info.compress_type == zipfile.ZIP_STORED:
                    count(info.compress_size)
                    continue
                if info.compress_type != zipfile.ZIP_DEFLATED:
                    raise zipfile.BadZipFile(f"unsupported compression {info.compress_type}")
                inflater = zlib.decompressobj(-15)
                left = info.compress_size
                while left > 0 and not inflater.eof:
                    pending = raw.read(min(left, 1 << 20))
                    if not pending:
                        break
                    left -= len(pending)
                    while pending and not inflater.eof:
                        count(len(inflater.decompress(pending, 1 << 20)))
                        pending = inflater.unconsumed_tail
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, struct.error, OSError) as exc:
        raise SourceError(
            _("The file is not a readable Excel workbook: %(error)s") % {"error": exc}
        ) from exc
    finally:
        if isinstance(source, io.BytesIO):
            source.seek(0)


def read_xlsx(path_or_bytes: Path | bytes, sheet: str = "") -> Table:
    from openpyxl import load_workbook  # deferred: loads only for .xlsx master data

    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    refuse_zip_bomb(source)
    try:
        book = load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise SourceError(
            _("The file is not a readable Excel workbook: %(error)s") % {"error": exc}
        ) from exc
    if sheet and sheet not in book.sheetnames:
        raise SourceError(
            _("The workbook has no sheet “%(sheet)s” (it has: %(names)s).")
            % {"sheet": sheet, "names": ", ".join(book.sheetnames)}
        )
    ws = book[sheet] if sheet else book.worksheets[0]
    it = ws.iter_rows(values_only=True)
    try:
        headers = [clean_header(h) for h in next(it)]
    except StopIteration:
        raise SourceError(_("The file is empty.")) from None

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for number, cells in enumerate(it, start=2):
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                continue
            yield number, dict(zip(headers, cells, strict=False))
        book.close()

    return Table(headers, rows())


def open_table(path: Path, *, encoding: str = "auto", sheet: str = "") -> Table:
    suffix = path.suffix.lower()
    if not path.exists():
        raise SourceError(_("No such file: %(path)s") % {"path": path})
    if suffix in {".xlsx", ".xlsm"}:
        return read_xlsx(path, sheet)
    if suffix in {".csv", ".txt", ".tsv"}:
        return read_csv(path.read_bytes(), encoding)
    raise SourceError(
        _("Unsupported file type “%(suffix)s”: use .csv or .xlsx.") % {"suffix": suffix}
    )
