"""Master-data import: validate every row, upsert by natural key, all or nothing.

Rows are applied in file order inside one transaction, so a row may refer to
one defined earlier in the same file (a parent region, a parent partner).
Any rejected row — or ``dry_run`` — rolls the whole transaction back: nothing
half-written ever becomes visible.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.core.exporting import unneutralise
from qudao.core.importing.errors import MappingError, RowError, SourceError, write_error_report
from qudao.core.importing.fields import Parser, as_date
from qudao.core.importing.mapping import Mapping, check_mapping_fields
from qudao.core.importing.sources import open_table
from qudao.core.importing.upsert import key_lookup
from qudao.core.permissions import ensure_may_change
from qudao.core.services import model_delete


class _Rollback(Exception):
    """Raised inside the transaction to undo a rejected or dry run."""


@dataclass(frozen=True)
class Field:
    """One canonical field of a target: how to parse it, and whether it must be present."""

    name: str
    parser: Parser | None = None  # None: a date, parsed with the mapping's date formats
    required: bool = False
    reference: type[models.Model] | None = None  # value is this model's ``code``


@dataclass
class MasterTarget:
    """What a file of one kind of master data holds and how a row becomes a record."""

    name: str
    label: Any
    model: type[models.Model]
    fields: list[Field]
    key: tuple[str, ...]
    # Returns the record and whether it was created (True), updated (False) or unchanged (None).
    upsert: Callable[..., tuple[models.Model, bool | None]]
    export_row: Callable[[Any], dict[str, Any]]
    export_queryset: Callable[[], Any]

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


class Outcome:
    """What an accepted row did to its record."""

    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class RowOutcome:
    """One accepted row, kept when an import is tracked (the browser's dry run shows them;
    undo restores ``before`` and deletes what was ``new``). ``before``/``after`` are the
    record as its export row, in plain text — the form the import reads back unchanged."""

    row: int
    pk: int
    key: str
    outcome: str
    before: dict[str, str] | None
    after: dict[str, str]

    @property
    def changed_fields(self) -> list[str]:
        if self.before is None:
            return []
        return [name for name, value in self.after.items() if self.before.get(name) != value]


def plain_row(values: dict[str, Any]) -> dict[str, str]:
    """An export row as the text a file would hold (dates ISO, decimals as written)."""
    out = {}
    for name, value in values.items():
        if value is None:
            out[name] = ""
        elif isinstance(value, date):
            out[name] = value.isoformat()
        else:
            out[name] = str(value)
    return out


@dataclass
class ImportResult:
    target: str
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    report_path: Path | None = None
    outcomes: list[RowOutcome] = field(default_factory=list)  # tracked imports only

    @property
    def accepted(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def committed(self) -> bool:
        return not self.errors and not self.dry_run

    def summary(self) -> str:
        status = (
            _("dry run, nothing written")
            if self.dry_run and not self.errors
            else _("rejected, nothing written")
            if self.errors
            else _("committed")
        )
        return _(
            "%(target)s: %(read)d rows read, %(accepted)d accepted (%(created)d new, "
            "%(updated)d updated, %(unchanged)d unchanged), %(rejected)d rejected — %(status)s"
        ) % {
            "target": self.target,
            "read": self.rows_read,
            "accepted": self.accepted,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": len({e.row for e in self.errors}),
            "status": status,
        }


def validate_mapping(mapping: Mapping, target: MasterTarget) -> None:
    """Check the mapping against the target before any row is read."""
    check_mapping_fields(
        mapping,
        target=target.name,
        fields=target.field_names,
        required=[f.name for f in target.fields if f.required],
        numbering=False,
    )


def _references(target: MasterTarget) -> dict[str, dict[str, int]]:
    return {
        f.name: dict(f.reference._default_manager.values_list("code", "pk"))  # type: ignore[misc]
        for f in target.fields
        if f.reference is not None
    }


def _parse_row(
    cells: dict[str, Any],
    mapping: Mapping,
    target: MasterTarget,
    refs: dict[str, dict[str, int]],
    row: int,
) -> tuple[dict[str, Any], list[RowError]]:
    data: dict[str, Any] = {}
    errors: list[RowError] = []
    date_parser = as_date(mapping.date_formats)
    for f in target.fields:
        header = mapping.header_for(f.name)
        if f.name in mapping.constants:
            raw: Any = mapping.constants[f.name]
        elif f.name in mapping.columns:
            raw = cells.get(header)
        else:
            continue  # field not in this file: leave it as it is
        if isinstance(raw, str):
            # our exports neutralise formula-like text with an apostrophe: read it back
            raw = unneutralise(raw.strip())
        if raw is None or (isinstance(raw, str) and raw in mapping.null_values):
            if f.required:
                errors.append(RowError(row, header, "", _("A value is required.")))
            else:
                _set_empty(data, target.model, f)
            continue
        spec = mapping.columns.get(f.name)
        if spec and spec.template and f.name not in mapping.constants:
            raw = spec.apply_template(str(raw))
        if f.name in mapping.values:
            raw = mapping.values[f.name].get(str(raw), raw)
        try:
            if f.reference is not None:
                code = str(raw).strip()
                if code not in refs[f.name]:
                    raise ValueError(
                        _("No %(what)s with code “%(code)s”.")
                        % {"what": f.reference._meta.verbose_name, "code": code}
                    )
                data[f.name + "_id"] = refs[f.name][code]
            else:
                data[f.name] = (f.parser or date_parser)(raw)
        except ValueError as exc:
            errors.append(RowError(row, header, str(raw), str(exc)))
    return data, errors


def _set_empty(data: dict[str, Any], model: type[models.Model], f: Field) -> None:
    """An empty cell clears a nullable field, blanks a text field, keeps other defaults."""
    model_field = model._meta.get_field(f.name)
    if not isinstance(model_field, models.Field):
        return
    if f.reference is not None:
        data[f.name + "_id"] = None
    elif model_field.null:
        data[f.name] = None
    elif isinstance(model_field, models.CharField | models.TextField):
        data[f.name] = ""


def _validation_errors(
    exc: ValidationError, mapping: Mapping, cells: dict[str, Any], data: dict[str, Any], row: int
) -> list[RowError]:
    """The service's refusal as row errors, each naming the column and the value as the
    file has it (a region's code, not the key it was resolved to)."""
    errors = []
    if hasattr(exc, "error_dict"):
        for name, messages in exc.message_dict.items():
            base = name.removesuffix("_id")
            column = mapping.header_for(base) if name != NON_FIELD_ERRORS else _("(row)")
            value = cells.get(column, data.get(base, ""))
            for message in messages:
                errors.append(RowError(row, column, "" if value is None else str(value), message))
    else:
        errors += [RowError(row, _("(row)"), "", m) for m in exc.messages]
    return errors


def run_master_import(
    *,
    target: MasterTarget,
    mapping: Mapping,
    rows: Iterable[tuple[int, dict[str, Any]]],
    headers: list[str] | None = None,
    dry_run: bool = False,
    actor: Any | None = None,
    track: bool = False,
) -> ImportResult:
    """Apply ``rows`` (numbered as a person sees them) in one transaction; ``track`` keeps
    each accepted row's record before and after (for a preview, and for undo)."""
    validate_mapping(mapping, target)
    if headers is not None:
        wanted = {s.column for n, s in mapping.columns.items() if n not in mapping.constants}
        absent = sorted(wanted - set(headers))
        if absent:
            raise SourceError(
                _("The file lacks the column(s) %(names)s named in the mapping.")
                % {"names": ", ".join(absent)}
            )
    # A role that changes none of these records is refused the file; a row outside the
    # actor's scope is a row error, named like any other.
    ensure_may_change(target.model, actor)
    result = ImportResult(target=target.name, dry_run=dry_run)
    try:
        with transaction.atomic():
            refs = _references(target)
            for row, cells in rows:
                result.rows_read += 1
                data, errors = _parse_row(cells, mapping, target, refs, row)
                if errors:
                    result.errors += errors
                    continue
                before = _existing(target, data) if track else None
                try:
                    with transaction.atomic():
                        obj, created = target.upsert(data=data, actor=actor)
                except ValidationError as exc:
                    result.errors += _validation_errors(exc, mapping, cells, data, row)
                    continue
                except PermissionDenied as exc:
                    result.errors.append(RowError(row, _("(row)"), "", str(exc)))
                    continue
                if created is None:
                    result.unchanged += 1
                elif created:
                    result.created += 1
                else:
                    result.updated += 1
                if track:
                    result.outcomes.append(_outcome(target, row, obj, created, before))
                # Later rows may refer to this one (a child below its parent).
                for f in target.fields:
                    if f.reference is target.model:
                        refs[f.name][obj.code] = obj.pk  # type: ignore[attr-defined]
            if result.errors or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return result


def _existing(target: MasterTarget, data: dict[str, Any]) -> dict[str, str] | None:
    """The record a row will update, as its export row before the change (None: new)."""
    existing = target.model._default_manager.filter(**key_lookup(target.key, data)).first()
    return None if existing is None else plain_row(target.export_row(existing))


def _outcome(
    target: MasterTarget, row: int, obj: Any, created: bool | None, before: dict[str, str] | None
) -> RowOutcome:
    after = plain_row(target.export_row(obj))
    kind = Outcome.UNCHANGED if created is None else Outcome.NEW if created else Outcome.UPDATED
    return RowOutcome(
        row=row,
        pk=obj.pk,
        key=" · ".join(after.get(name, "") for name in target.key),
        outcome=kind,
        before=before if kind == Outcome.UPDATED else None,
        after=after,
    )


def undo_import(*, target: MasterTarget, outcomes: list[RowOutcome], actor: Any | None) -> None:
    """Put back what a tracked import changed: each updated record gets its earlier values
    through the same import (so the same rules and scope apply), each created one is
    deleted, children before parents. All or nothing — refused, with nothing changed,
    when a record changed since (a later edit would be lost) or a new one is now in use."""
    ensure_may_change(target.model, actor)
    touched = [o for o in outcomes if o.outcome != Outcome.UNCHANGED]
    with transaction.atomic():
        current = target.model._default_manager.in_bulk([o.pk for o in touched])
        moved = [
            o.key
            for o in touched
            if o.pk not in current or plain_row(target.export_row(current[o.pk])) != o.after
        ]
        if moved:
            raise ValidationError(
                _("Changed since this import, so it cannot be undone: %(records)s.")
                % {"records": _listed(moved)}
            )
        restored = [o for o in touched if o.outcome == Outcome.UPDATED]
        if restored:
            present = [name for name in target.field_names if name in restored[0].after]
            result = run_master_import(
                target=target,
                mapping=Mapping.identity(target.name, present),
                rows=[(o.row, o.before or {}) for o in restored],
                actor=actor,
            )
            if result.errors:
                raise ValidationError([e.as_text() for e in result.errors[:5]])
        for o in reversed([o for o in touched if o.outcome == Outcome.NEW]):
            model_delete(instance=current[o.pk], actor=actor)


def _listed(keys: list[str], limit: int = 5) -> str:
    shown = ", ".join(keys[:limit])
    return (
        shown
        if len(keys) <= limit
        else _("%(shown)s and %(more)d more")
        % {
            "shown": shown,
            "more": len(keys) - limit,
        }
    )


def import_file(
    *,
    target: MasterTarget,
    path: Path,
    mapping: Mapping | None = None,
    dry_run: bool = False,
    actor: Any | None = None,
    track: bool = False,
) -> ImportResult:
    """Import a CSV or XLSX file; write the error report under ``$QUDAO_HOME/reports``.

    Without a mapping, the file's headers are the canonical field names; the
    optional fields it leaves out keep their current values.
    """
    if mapping is not None:
        if mapping.target != target.name:
            raise MappingError(
                _("This mapping is for “%(mapped)s”, not “%(target)s”.")
                % {"mapped": mapping.target, "target": target.name}
            )
        validate_mapping(mapping, target)
    table = open_table(
        path,
        encoding=mapping.encoding if mapping else "auto",
        sheet=mapping.sheet if mapping else "",
    )
    if mapping is None:
        present = [f for f in target.field_names if f in table.headers]
        mapping = Mapping.identity(target.name, present)
    result = run_master_import(
        target=target,
        mapping=mapping,
        rows=table.rows,
        headers=table.headers,
        dry_run=dry_run,
        actor=actor,
        track=track,
    )
    if result.errors:
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        report = Path(settings.QUDAO_HOME) / "reports" / f"import-{target.name}-{stamp}-errors.csv"
        result.report_path = write_error_report(result.errors, report)
    return result
