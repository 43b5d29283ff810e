"""Row-level import errors and their report."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from qudao.core.exporting import neutralise


class MappingError(ValueError):
    """The mapping itself is wrong; raised before any row is read."""


class SourceError(ValueError):
    """The file cannot be read at all (encoding, format, missing columns)."""


@dataclass(frozen=True)
class RowError:
    row: int  # the row number a person sees in the spreadsheet (header = 1)
    column: str  # the source header, or the canonical field when no header maps to it
    value: str
    reason: str

    def as_text(self) -> str:
        return f"row {self.row}, column “{self.column}”, value “{self.value}”: {self.reason}"


REPORT_HEADER = ["row", "column", "value", "reason"]
# (the cells are neutralised: a rejected "=HYPERLINK(…)" must not run in Excel)


def write_error_report(errors: list[RowError], path: Path) -> Path:
    """Write the errors as a CSV (UTF-8 with BOM, so Excel opens Chinese text correctly)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(REPORT_HEADER)
        for e in errors:
            writer.writerow([neutralise(v) for v in (e.row, e.column, e.value, e.reason)])
    return path
