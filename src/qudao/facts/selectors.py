from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from qudao.core.periods import month_start, month_starts
from qudao.core.permissions import restrict
from qudao.facts.choices import BatchStatus
from qudao.facts.models import Batch, BatchPartner, MasterImport, SavedMapping
from qudao.partners.choices import SELLING_STATUSES
from qudao.partners.models import Partner


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


# --- the submission calendar ------------------------------------------------------------------


class Submission:
    """What a month of a partner's report is: in on time, late, missing, not yet due."""

    IN = "in"
    LATE = "late"
    MISSING = "missing"
    DUE = "due"  # not in yet, and not yet due
    NOT_OWED = "not_owed"  # before the partner joined


@dataclass(frozen=True)
class CalendarCell:
    month: date
    state: str
    batch_id: int | None = None
    arrived: date | None = None


@dataclass(frozen=True)
class CalendarRow:
    partner: Any
    cells: list[CalendarCell]


def report_due_days() -> int:
    """Days after a month's end by which its report is due (``QUDAO_REPORT_DUE_DAYS``; the
    late-report rule's 15 by default)."""
    return int(str(settings.QUDAO.get("REPORT_DUE_DAYS", 15)))


def calendar_months(today: date, months: int = 12) -> list[date]:
    """The first days of the ``months`` months up to ``today``'s, oldest first."""
    return [month_start(today, -n) for n in range(months - 1, -1, -1)]


def obliged_partners(*, user: Any) -> QuerySet[Partner]:
    """The partners in the user's view that owe their sell-through (their own setting, else
    their channel model's), selling now."""
    owes = Q(reports_sell_through=True) | Q(
        reports_sell_through__isnull=True, channel_model__reports_sell_through=True
    )
    return (
        restrict(Partner.objects.all(), user)
        .filter(owes, status__in=SELLING_STATUSES)
        .order_by("code")
    )


def submission_calendar(
    *, partners: Iterable[Any], fact: str, months: list[date], today: date
) -> list[CalendarRow]:
    """For each partner and month: whether a committed file of ``fact`` holding the
    partner's rows for that month came in by the due day (in), after it (late), not at all
    though due (missing), or not yet due."""
    partners = list(partners)
    due = timedelta(days=report_due_days())
    first, last = months[0], month_start(months[-1], 1) - timedelta(days=1)
    # each partner's own days in the batch (the batch's, for links kept before those were)
    starts, ends = (
        Coalesce("first_date", "batch__first_date"),
        Coalesce("last_date", "batch__last_date"),
    )
    links = (
        BatchPartner.objects.filter(
            partner__in=partners, batch__fact=fact, batch__status=BatchStatus.COMMITTED
        )
        .annotate(start=starts, end=ends)
        .filter(start__lte=last, end__gte=first)
        .values_list("partner_id", "batch_id", "start", "end", "batch__committed_at")
        .order_by("batch__committed_at")
    )
    arrivals: dict[tuple[int, date], tuple[int, date]] = {}
    for partner_id, batch_id, start, end, committed in links:
        if start is None or end is None:  # the filter above excludes them; for the types
            continue
        arrived = timezone.localdate(committed) if committed else today
        for month in month_starts(max(start, first), min(end, last)):
            arrivals.setdefault((partner_id, month), (batch_id, arrived))  # the earliest
    rows = []
    for partner in partners:
        cells = []
        for month in months:
            month_end = month_start(month, 1) - timedelta(days=1)
            found = arrivals.get((partner.pk, month))
            if partner.joined_on and month_end < partner.joined_on:
                cells.append(CalendarCell(month, Submission.NOT_OWED))
            elif found is not None:
                batch_id, arrived = found
                state = Submission.IN if arrived <= month_end + due else Submission.LATE
                cells.append(CalendarCell(month, state, batch_id, arrived))
            else:
                state = Submission.MISSING if today > month_end + due else Submission.DUE
                cells.append(CalendarCell(month, state))
        rows.append(CalendarRow(partner, cells))
    return rows
