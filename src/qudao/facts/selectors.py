from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
from django.db.models import QuerySet

from qudao.facts.models import Batch, SavedMapping


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
