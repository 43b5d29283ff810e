"""Inserting many write-once rows fast.

Django's ``bulk_create`` prepares every value of every row through the model and field
machinery, and builds one multi-row statement per batch: for a review's 5,000 scorecards
and 10,000+ risk flags that took longer than computing them. ``bulk_insert`` prepares only
the values that need it (JSON, date-times) and hands plain rows to the driver's
``executemany``. It sends no signals and keeps no history: use it for rows that are
written once by a service and never edited, like review results.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone

# Field types whose Python values the database drivers cannot take as they are.
_PREPARED = (models.JSONField, models.DateTimeField, models.TimeField, models.UUIDField)


def _insertable(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and isinstance(f, models.AutoField | models.BigAutoField))
    ]


def _fallback(field: models.Field[Any, Any], connection: Any, now: Any) -> Any:
    """A field's value when a row has none: now for auto timestamps, else its default."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return field.get_db_prep_save(now, connection)
    return field.get_db_prep_save(field.get_default(), connection)


def _execute(
    model: type[models.Model],
    fields: list[models.Field[Any, Any]],
    tuples: Iterable[tuple[Any, ...]],
    batch_size: int,
) -> int:
    connection = connections[DEFAULT_DB_ALIAS]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608, E501 - names from the model
    count, batch = 0, []
    with connection.cursor() as cursor:
        for values in tuples:
            batch.append(values)
            if len(batch) >= batch_size:
                cursor.executemany(sql, batch)
                count, batch = count + len(batch), []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def bulk_insert(
    model: type[models.Model], rows: Iterable[Mapping[str, Any]], *, batch_size: int = 5000
) -> int:
    """Insert ``rows`` (dicts keyed by field attname, e.g. ``partner_id``) into ``model``'s
    table; fields left out take their default, auto timestamps take now. Returns the count.
    """
    fields = _insertable(model)
    connection = connections[DEFAULT_DB_ALIAS]  # the object itself: the proxy costs per call
    now = timezone.now()
    # One plan per field, made once: (attname, value when the row has none, field to
    # prepare the row's value with). Auto timestamps ignore the row: now, for every row.
    plan: list[tuple[str, Any, models.Field[Any, Any] | None, bool]] = []
    for field in fields:
        fixed = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        prepare = field if isinstance(field, _PREPARED) and not fixed else None
        plan.append((field.attname, _fallback(field, connection, now), prepare, fixed))

    def values(row: Mapping[str, Any]) -> tuple[Any, ...]:
        out = []
        for name, fallback, prepare, fixed in plan:
            if fixed or name not in row:
                out.append(fallback)
            elif prepare is not None:
                out.append(prepare.get_db_prep_save(row[name], connection))
            else:
                out.append(row[name])
        return tuple(out)

    return _execute(model, fields, (values(row) for row in rows), batch_size)


def bulk_insert_prepared(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
    *,
    batch_size: int = 5000,
) -> int:
    """``bulk_insert`` for rows already in the driver's terms — tuples of values for
    ``columns`` (attnames), in that order: JSON through ``db_json``, the rest as values the
    driver takes (str, int, Decimal, date). Nothing is looked at per value: for tens of
    thousands of rows (a settlement's statement lines) that is most of the time saved."""
    by_name = {f.attname: f for f in _insertable(model)}
    listed = [by_name[name] for name in columns]
    rest = [f for f in by_name.values() if f.attname not in set(columns)]
    connection = connections[DEFAULT_DB_ALIAS]
    now = timezone.now()
    tail = tuple(_fallback(f, connection, now) for f in rest)
    return _execute(model, listed + rest, (row + tail for row in rows), batch_size)


def db_json(value: Any) -> Any:
    """``value`` as the database driver takes JSON (what a JSONField would send)."""
    return connections[DEFAULT_DB_ALIAS].ops.adapt_json_value(value, None)


def bulk_insert_with_history(
    model: type[models.Model],
    rows: list[dict[str, Any]],
    *,
    marker: dict[str, Any],
    key: str,
    user_id: int | None = None,
) -> int:
    """``bulk_insert``, then one "created" row per inserted row in the model's
    django-simple-history table, as ``bulk_create_with_history`` writes them.

    ``executemany`` hands back no primary keys: they are read back for the rows inserted
    since this call began that carry ``marker`` (e.g. the run that made them), matched to
    ``rows`` by ``key``, a field unique among them.
    """
    if not rows:
        return 0
    before = model._default_manager.aggregate(last=models.Max("pk"))["last"] or 0
    count = bulk_insert(model, rows)
    ids = dict(model._default_manager.filter(pk__gt=before, **marker).values_list(key, "pk"))
    now = timezone.now()
    stamps = {
        f.attname: now
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    }
    history_model = model.history.model  # type: ignore[attr-defined]
    bulk_insert(
        history_model,
        (
            {
                **row,
                **stamps,
                model._meta.pk.attname: ids[row[key]],
                "history_date": now,
                "history_type": "+",
                "history_user_id": user_id,
                "history_change_reason": None,
            }
            for row in rows
        ),
    )
    return count
