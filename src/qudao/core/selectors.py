"""Shared reads: change history of a record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    who: Any
    kind: str  # "+" created, "~" changed, "-" deleted
    changes: list[FieldChange]


def history_for(instance: models.Model, *, limit: int = 50) -> list[HistoryEntry]:
    """The newest changes of ``instance``, each with its field-by-field before and after.

    One query: records are compared pairwise in memory instead of asking
    simple-history for each record's predecessor.
    """
    records = list(
        instance.history.select_related("history_user").order_by("-history_date", "-history_id")[  # type: ignore[attr-defined]
            : limit + 1
        ]
    )
    entries: list[HistoryEntry] = []
    for newer, older in zip(records, [*records[1:], None], strict=True):
        if len(entries) == limit:
            break
        changes: list[FieldChange] = []
        if older is not None:
            delta = newer.diff_against(older)
            for change in delta.changes:
                verbose = newer.instance_type._meta.get_field(change.field).verbose_name
                changes.append(FieldChange(str(verbose), change.old, change.new))
        entries.append(
            HistoryEntry(newer.history_date, newer.history_user, newer.history_type, changes)
        )
    return entries
