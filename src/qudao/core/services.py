"""Shared write helpers for every app's services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, router, transaction
from django.db.models import ProtectedError, RestrictedError
from django.db.models.deletion import Collector
from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.core.models import ApiToken
from qudao.core.permissions import (
    ensure_may_change,
    ensure_may_change_row,
    ensure_within_scope,
    restrict,
)

M = TypeVar("M", bound=models.Model)


Check = Callable[[Any], None]


def ensure_storable_text(instance: models.Model) -> None:
    """Refuse text no database keeps as sent: NUL characters (PostgreSQL refuses them
    outright) and unpaired surrogates (not encodable as UTF-8). Checked before
    ``full_clean()``, whose uniqueness queries would carry the text to the database."""
    errors: dict[str, str] = {}
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname, None)
        if not isinstance(value, str):
            continue
        if "\x00" in value:
            errors[field.name] = _("Null characters are not allowed.")
            continue
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            errors[field.name] = _("The text holds a character that cannot be stored.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic  # the scope check after the save must be able to undo it
def model_update(
    *, instance: M, data: dict[str, Any], actor: Any | None = None, check: Check | None = None
) -> tuple[M, bool]:
    """Apply ``data`` to ``instance``, validate, and save only the fields that changed.

    Returns the instance and whether anything changed. Many-to-many fields in
    ``data`` are set after the save. ``actor`` is recorded in the change history, and the
    result must lie within what the actor may change (the caller's transaction is undone
    otherwise).
    ``check`` runs after ``full_clean()`` for rules across rows (overlaps, protection).
    """
    ensure_may_change(type(instance), actor)
    m2m = {f.name for f in instance._meta.many_to_many}
    changed: list[str] = []
    before: dict[str, Any] = {}
    m2m_data: dict[str, Any] = {}
    for name, value in data.items():
        if name in m2m:
            m2m_data[name] = value
            continue
        field = instance._meta.get_field(name)
        attname = field.attname  # type: ignore[union-attr]
        current = getattr(instance, attname)
        new = value.pk if isinstance(value, models.Model) and attname.endswith("_id") else value
        if current != new:
            before[attname] = current
            setattr(instance, name, value)
            changed.append(name)
    if changed:
        try:
            ensure_storable_text(instance)
            instance.full_clean()
            if check is not None:
                check(instance)
        except ValidationError:
            for attname, value in before.items():  # refused: the caller's object is unchanged
                setattr(instance, attname, value)
            raise
        if actor is not None:
            instance._history_user = actor  # type: ignore[attr-defined]
        instance.save(
            update_fields=[*changed, "updated_at"] if _has_updated_at(instance) else changed
        )
        ensure_within_scope(instance, actor)
    for name, value in m2m_data.items():
        getattr(instance, name).set(value)
    return instance, bool(changed or m2m_data)


@transaction.atomic
def model_create(
    *, model: type[M], data: dict[str, Any], actor: Any | None = None, check: Check | None = None
) -> M:
    """Build, validate (``full_clean()``, then ``check``) and save a new ``model`` instance;
    the actor must be one who changes ``model``, and the result inside their scope."""
    ensure_may_change(model, actor)
    m2m = {f.name for f in model._meta.many_to_many}
    instance = model(**{k: v for k, v in data.items() if k not in m2m})
    ensure_storable_text(instance)
    instance.full_clean()
    if check is not None:
        check(instance)
    if actor is not None:
        instance._history_user = actor  # type: ignore[attr-defined]
    instance.save()
    for name in m2m & data.keys():
        getattr(instance, name).set(data[name])
    ensure_within_scope(instance, actor)
    return instance


@transaction.atomic
@transaction.atomic
def alert_acknowledge(*, alert: M, actor: Any) -> M:
    """Mark an alert (a row with ``acknowledged_by`` and ``acknowledged_at``) seen by
    ``actor``, once; it stays until its condition is gone. Refused unless the actor may
    change it."""
    rows = restrict(type(alert)._default_manager.filter(pk=alert.pk), actor, "change")
    locked = rows.select_for_update().first()
    if locked is None:
        raise PermissionDenied(_("You may not change %(object)s.") % {"object": alert})
    if locked.acknowledged_at is None:  # type: ignore[attr-defined]
        locked.acknowledged_by = actor  # type: ignore[attr-defined]
        locked.acknowledged_at = timezone.now()  # type: ignore[attr-defined]
        locked.save(update_fields=["acknowledged_by", "acknowledged_at"])
    return locked  # type: ignore[no-any-return]


def model_delete(*, instance: models.Model, actor: Any | None = None) -> None:
    """Delete a row the actor may change, alone; recorded in its history. A row that
    anything refers to — protected, or rows that would silently go with it (a partner's
    territories) — is refused, naming what holds it."""
    ensure_may_change(type(instance), actor)
    ensure_may_change_row(instance, actor)
    collector = Collector(using=router.db_for_write(type(instance)))
    try:
        collector.collect([instance])
    except (ProtectedError, RestrictedError) as exc:
        holders = {str(o._meta.verbose_name) for o in exc.args[1]}
    else:
        holders = {
            str(model._meta.verbose_name)
            for model, rows in collector.data.items()
            if rows and (model is not type(instance) or len(rows) > 1)
        } | {str(rows.model._meta.verbose_name) for rows in collector.fast_deletes if rows.exists()}
    if holders:
        raise ValidationError(
            _("%(object)s is still used by: %(holders)s.")
            % {"object": instance, "holders": ", ".join(sorted(holders))}
        )
    if actor is not None:
        instance._history_user = actor  # type: ignore[attr-defined]
    instance.delete()


def _has_updated_at(instance: models.Model) -> bool:
    return any(f.name == "updated_at" for f in instance._meta.concrete_fields)


def api_token_create(
    *, user: Any, name: str, read_only: bool = False, days: int | None = None
) -> tuple[Any, str]:
    """Create an API token for ``user`` (people make their own; ``qudao token`` an
    operator); return it with its key, which is never stored or shown again. ``days``:
    it expires after so many days (None: until revoked)."""
    name = (name or "").strip()[:100] or "token"
    if days is not None and not 1 <= days <= 3650:
        raise ValidationError({"days": _("Between 1 and 3650 days.")})
    key = ApiToken.generate_key()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=ApiToken.hash_key(key),
        prefix=key[3:11],
        read_only=read_only,
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    return token, key


def api_token_revoke(*, token: Any, actor: Any) -> Any:
    """Revoke a token: its owner, or an administrator. At once, for good."""
    if actor is not None and token.user_id != actor.pk and not actor.is_superuser:
        raise PermissionDenied(_("Only its owner revokes a token."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token


def user_set_language(*, user: Any, language: str) -> None:
    """Remember the user's language choice across devices."""
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def user_remember(*, user: Any, key: str, value: Any) -> None:
    """Keep a display choice (a table's columns) on the user's account, across devices."""
    if getattr(user, "pk", None) is None or user.preferences.get(key) == value:
        return
    user.preferences = {**user.preferences, key: value}
    user.save(update_fields=["preferences"])
