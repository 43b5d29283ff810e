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
    deltas: list[tuple[Any, list[Any]]] = []
    for newer, older in zip(records, [*records[1:], None], strict=True):
        if len(deltas) == limit:
            break
        deltas.append((newer, newer.diff_against(older).changes if older is not None else []))
    names = _related_names(type(instance), [c for _record, changes in deltas for c in changes])
    entries: list[HistoryEntry] = []
    for record, changes in deltas:
        shown = []
        for change in changes:
            field = type(instance)._meta.get_field(change.field)
            old, new = change.old, change.new
            if field.is_relation:  # "Grade: Silver → Gold", not "grade: 1 → 4"
                old, new = (names.get((field.name, v), v) for v in (old, new))
            shown.append(FieldChange(str(field.verbose_name), old, new))  # type: ignore[union-attr]
        entries.append(
            HistoryEntry(record.history_date, record.history_user, record.history_type, shown)
        )
    return entries


def _related_names(model: type[models.Model], changes: list[Any]) -> dict[tuple[str, Any], str]:
    """The names of the objects that changed foreign keys pointed to: one query per field."""
    wanted: dict[str, set[Any]] = {}
    for change in changes:
        field = model._meta.get_field(change.field)
        if field.is_relation and field.related_model is not None:
            wanted.setdefault(field.name, set()).update(
                v for v in (change.old, change.new) if v is not None
            )
    names: dict[tuple[str, Any], str] = {}
    for name, ids in wanted.items():
        related = model._meta.get_field(name).related_model
        for obj in related._default_manager.filter(pk__in=ids):  # type: ignore[union-attr]
            names[(name, obj.pk)] = str(obj)
    return names
