from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
from django.db.models import QuerySet

from qudao.facts.models import Batch, MasterImport, SavedMapping


def batch_list(*, user: Any) -> QuerySet[Batch]:
    return Batch.objects.restrict(user).select_related("created_by", "reverted_by")


def saved_mapping_list(*, user: Any) -> QuerySet[SavedMapping]:
    return SavedMapping.objects.restrict(user).select_related("partner")


def batch_errors(batch: Batch, *, limit: int = 200) -> tuple[list[dict[str, Any]], int]:
    """The first rows of a batch's error report, and how many there are in all."""
    if not batch.error_report or not Path(batch.error_report).exists():
        return [], 0
    # A report may hold millions of rows: read the ones shown, and only count the rest.
    report = pl.scan_csv(batch.error_report, infer_schema=False)
    shown = report.head(limit).with_columns(pl.col("row").cast(pl.Int64)).collect()
    total = report.select(pl.len()).collect().item()
    return shown.to_dicts(), total


def master_import_list(*, user: Any) -> QuerySet[MasterImport]:
    return MasterImport.objects.restrict(user).select_related("created_by", "undone_by")


def master_import_rows(
    record: MasterImport, labels: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Each row of the file as the check (or commit) found it, in file order: its record's
    key, what became of it, and for an update each changed field as before → after; a
    rejected row with its reasons."""
    rows: dict[int, dict[str, Any]] = {}
    for o in record.outcomes:
        before, after = o["before"] or {}, o["after"]
        changes = [
            ((labels or {}).get(name, name), name, before.get(name, ""), value)
            for name, value in after.items()
            if o["before"] is not None and before.get(name) != value
        ]
        rows[o["row"]] = {
            "row": o["row"],
            "key": o["key"],
            "outcome": o["outcome"],
            "changes": changes,
        }
    for row, column, value, reason in record.errors:
        entry = rows.setdefault(row, {"row": row, "key": "", "outcome": "rejected", "changes": []})
        entry["outcome"] = "rejected"
        entry.setdefault("problems", []).append(
            {"column": column, "value": value, "reason": reason}
        )
    return [rows[k] for k in sorted(rows)]
