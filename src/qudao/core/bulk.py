"""Inserting many write-once rows fast.

Django's ``bulk_create`` prepares every value of every row through the model and field
machinery, and builds one multi-row statement per batch: for a review's 5,000 scorecards
and 10,000+ risk flags that took longer than computing them. ``bulk_insert`` prepares only
the values that need it (JSON, date-times) and hands plain rows to the driver's
``executemany``. It sends no signals and keeps no history: use it for rows that are
written once by a service and never edited, like review results.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import connection, models
from django.utils import timezone

# Field types whose Python values the database drivers cannot take as they are.
_PREPARED = (models.JSONField, models.DateTimeField, models.UUIDField)


def bulk_insert(
    model: type[models.Model], rows: Iterable[Mapping[str, Any]], *, batch_size: int = 5000
) -> int:
    """Insert ``rows`` (dicts keyed by field attname, e.g. ``partner_id``) into ``model``'s
    table; fields left out take their default, auto timestamps take now. Returns the count.
    """
    fields = [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and isinstance(f, models.AutoField | models.BigAutoField))
    ]
    now = timezone.now()
    constants: dict[str, Any] = {}  # auto timestamps: prepared once, the same for all rows
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            constants[field.attname] = field.get_db_prep_save(now, connection)
    prepared = {
        f.attname: f for f in fields if isinstance(f, _PREPARED) and f.attname not in constants
    }
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608, E501 - names from the model

    def values(row: Mapping[str, Any]) -> tuple[Any, ...]:
        out = []
        for field in fields:
            name = field.attname
            if name in constants:
                out.append(constants[name])
                continue
            value = row[name] if name in row else field.get_default()
            if name in prepared:
                value = prepared[name].get_db_prep_save(value, connection)
            out.append(value)
        return tuple(out)

    count, batch = 0, []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(values(row))
            if len(batch) >= batch_size:
                cursor.executemany(sql, batch)
                count, batch = count + len(batch), []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count
