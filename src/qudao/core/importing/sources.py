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
from typing import Any, Literal

from django.conf import settings
from django.utils.translation import gettext as _

from qudao.core.importing.errors import SourceError

MAX_XLSX_ROWS = 1_048_576


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, dict[str, Any]]]  # (spreadsheet row number, header → cell)


# Which encoding Chinese bytes are in is told by what they would say: read as the right
# one, nearly every character is a common one of it (GB2312's first level, 3,755 characters
# with lead bytes B0–D7; Big5's frequent set, lead bytes A4–C6). Big5 bytes read as GB18030
# give rare characters, kana and box drawing ("自行車店" → "︽ó┍"), and GBK bytes read as
# Big5 the like.
_COMMON_LEADS = {"gb18030": (0xB0, 0xD7), "cp950": (0xA4, 0xC6)}


def _common_share(text: str, codec: str) -> float:
    """The share of the non-ASCII characters of ``text`` that are common in ``codec``."""
    low, high = _COMMON_LEADS[codec]
    wide = [ch for ch in text if ord(ch) > 0x7F]
    if not wide:
        return 1.0
    common = 0
    for ch in wide:
        if ch in "，。、；：？！“”‘’（）《》【】—…·￥　":
            common += 1
            continue
        try:
            lead = ch.encode("gb2312" if codec == "gb18030" else codec)[0]
        except UnicodeEncodeError:
            continue
        common += low <= lead <= high
    return common / len(wide)


def declared_encoding(name: str) -> str:
    """The codec for a mapping's ``encoding``: GBK read as its superset GB18030, Big5 as
    Windows' CP950, UTF-8 without caring for a byte-order mark."""
    return {"utf-8": "utf-8-sig", "gbk": "gb18030", "big5": "cp950"}.get(name, name)


def sniff_encoding(sample: bytes, *, complete: bool = True) -> str:
    """The encoding of Chinese text from its first bytes: UTF-16 (Excel's "Unicode text",
    by its byte-order mark), UTF-8, GB18030/GBK, or Big5 — never a guess that garbles it:
    text that reads as none of them plausibly is refused, saying so."""
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        sample.decode("utf-8-sig")
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    readings = {}
    for codec in ("gb18030", "cp950"):
        try:
            text = sample.decode(codec)
        except UnicodeDecodeError as exc:
            if complete or exc.start < len(sample) - 3:
                continue
            text = sample[: exc.start].decode(codec)  # a sample cut inside a character
        readings[codec] = _common_share(text, codec)
    if len(readings) == 1:  # the bytes are valid in one of them only
        return next(iter(readings))
    if readings:
        # Both read: the one that says common things. GBK wins a near tie (mainland files
        # are the common case); neither saying much is refused, not guessed.
        best = max(readings, key=lambda c: readings[c] + (0.05 if c == "gb18030" else 0))
        if readings[best] >= 0.5:
            return best
    raise SourceError(
        _(
            "The text is neither UTF-8 nor Chinese in GBK/GB18030 or Big5 (read as either, "
            "it would be garbled). Save the file as UTF-8 — in Excel: “CSV UTF-8”."
        )
    )


def decode(raw: bytes, encoding: str = "auto") -> str:
    """Decode bytes: ``auto`` sniffs the encoding (``sniff_encoding``), else the one named."""
    codec = sniff_encoding(raw) if encoding == "auto" else declared_encoding(encoding)
    try:
        return raw.decode(codec)
    except UnicodeDecodeError:
        raise SourceError(
            _("The file is not %(encoding)s text.") % {"encoding": encoding}
        ) from None


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
            if _blank(cells):
                continue
            yield number, dict(zip(headers, cells, strict=False))
        book.close()

    return Table(headers, rows())


def excel_sheet(path: Path, sheet: str = "", *, dtypes: Literal["string"] | None = None) -> Any:
    """One sheet (named, or the first) of a workbook read by fastexcel — .xlsx or a legacy
    .xls — as an Arrow table; ``dtypes="string"`` keeps every cell as its text."""
    import fastexcel  # deferred: the Excel reader loads only for workbooks

    try:
        reader = fastexcel.read_excel(str(path))
        if sheet and sheet not in reader.sheet_names:
            raise SourceError(
                _("The workbook has no sheet “%(sheet)s” (it has: %(names)s).")
                % {"sheet": sheet, "names": ", ".join(reader.sheet_names)}
            )
        loaded = (
            reader.load_sheet(sheet or 0, dtypes=dtypes)
            if dtypes
            else reader.load_sheet(sheet or 0)
        )
        return loaded.to_arrow()
    except SourceError:
        raise
    except Exception as exc:  # fastexcel raises its own kinds for broken workbooks
        raise SourceError(
            _("The file is not a readable Excel workbook: %(error)s") % {"error": str(exc)[:300]}
        ) from exc


def _blank(cells: Any) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def read_xls(path: Path, sheet: str = "") -> Table:
    """A legacy Excel 97–2003 workbook (.xls), read by fastexcel (openpyxl cannot)."""
    table = excel_sheet(path, sheet)
    headers = [clean_header(h) for h in table.column_names]
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for index in range(table.num_rows):
            cells = [column[index] for column in columns]
            if _blank(cells):
                continue
            yield index + 2, dict(zip(headers, cells, strict=False))

    return Table(headers, rows())


def open_table(path: Path, *, encoding: str = "auto", sheet: str = "") -> Table:
    suffix = path.suffix.lower()
    if not path.exists():
        raise SourceError(_("No such file: %(path)s") % {"path": path})
    if suffix in {".xlsx", ".xlsm"}:
        return read_xlsx(path, sheet)
    if suffix == ".xls":
        return read_xls(path, sheet)
    if suffix in {".csv", ".txt", ".tsv"}:
        return read_csv(path.read_bytes(), encoding)
    raise SourceError(
        _("Unsupported file type “%(suffix)s”: use .csv, .xlsx or .xls.") % {"suffix": suffix}
    )
