"""Upsert helpers shared by the master-data targets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models


def differs(instance: models.Model, data: dict[str, Any]) -> bool:
    """Whether applying ``data`` (field names or attnames) would change ``instance``."""
    return any(getattr(instance, name) != value for name, value in data.items())


def key_lookup(key: tuple[str, ...], data: dict[str, Any]) -> dict[str, Any]:
    """The filter that finds a row's record by its natural ``key`` (a reference by its
    ``_id`` where the row resolved one)."""
    lookup = {}
    for name in key:
        attname = name + "_id" if name + "_id" in data else name
        lookup[attname] = data.get(attname)
    return lookup


def upsert_by(
    *,
    model: type[models.Model],
    key: tuple[str, ...],
    create: Callable[..., models.Model],
    update: Callable[..., models.Model],
    instance_kw: str,
    blanks: dict[str, Any] | None = None,
) -> Callable[..., tuple[models.Model, bool | None]]:
    """An upsert that finds the row by ``key``; returns (object, created) — created is
    ``None`` when the row already held exactly these values. ``blanks`` gives the value of
    a field the file leaves out or blank where that means "no value" (the record is
    replaced whole), not "leave it as it is"."""

    def upsert(*, data: dict[str, Any], actor: Any | None) -> tuple[models.Model, bool | None]:
        for name, value in (blanks or {}).items():
            data.setdefault(name, value)
        existing = model._default_manager.filter(**key_lookup(key, data)).first()
        if existing is None:
            return create(actor=actor, **data), True
        if not differs(existing, data):
            return existing, None
        return update(**{instance_kw: existing}, actor=actor, **data), False

    return upsert
