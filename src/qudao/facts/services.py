"""Writes for imports: a fact file as a batch (revert a batch), a master-data file checked,
committed and undone from the browser, saved mappings."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.catalog.models import Product
from qudao.core.exporting import neutralise_frame, to_xlsx
from qudao.core.i18n import job_language
from qudao.core.importing.errors import MappingError, SourceError
from qudao.core.importing.mapping import Mapping, parse_mapping
from qudao.core.importing.master import Outcome, RowOutcome, import_file, undo_import
from qudao.core.importing.registry import master_target, master_targets
from qudao.core.importing.sources import open_table
from qudao.core.permissions import (
    ensure_may_change,
    ensure_may_change_row,
    is_partner_user,
    restrict,
)
from qudao.core.services import model_create, model_update
from qudao.facts import duplicates, store
from qudao.facts.choices import BatchStatus, ImportMode, MasterImportStatus
from qudao.facts.mappings import (
    check_mapping_text,
    fact_schema,
    validate_any_mapping,
    validate_fact_mapping,
)
from qudao.facts.models import PARTNER_FACTS, Batch, BatchPartner, MasterImport, SavedMapping
from qudao.facts.pipeline import ProgressCallback, Sequences, check_chunk, no_errors
from qudao.facts.readers import ROW, open_source, prefetched
from qudao.facts.schemas import FACTS, FactSchema
from qudao.facts.signals import fact_changed
from qudao.partners.models import Partner
from qudao.territories.models import Region

# An Excel report of more rows than this takes longer to write than the import itself;
# the CSV report always has every row.
XLSX_MAX_ROWS = 100_000
# Problems an import keeps in memory for its report: beyond this many, the rest are counted
# and the report says how many it leaves out (a file of millions of bad rows must not hold
# millions of messages in a worker). Each kept value is already cut to ECHO_MAX_CHARS.
REPORT_MAX_PROBLEMS = 200_000


class DuplicateBatchError(ValueError):
    """The same file content was imported before (and is still committed)."""


@dataclass
class FactImportResult:
    fact: str
    batch: Batch | None
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    errors: pl.DataFrame = field(default_factory=pl.DataFrame)
    report_path: Path | None = None
    dry_run: bool = False

    @property
    def committed(self) -> bool:
        return self.batch is not None and self.batch.status == BatchStatus.COMMITTED

    def summary(self) -> str:
        label = f"batch {self.batch.pk}" if self.batch else _("dry run")
        return _("%(label)s: %(accepted)d accepted, %(rejected)d rejected") % {
            "label": label,
            "accepted": self.rows_accepted,
            "rejected": self.rows_rejected,
        }


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _ensure_may_import(fact: str, actor: Any | None) -> None:
    """Importers import any fact; a partner's admin its own sell-through and inventory."""
    ensure_may_change(Batch, actor)
    if is_partner_user(actor) and fact not in PARTNER_FACTS:
        raise PermissionDenied(_("A partner uploads its own sell-through and inventory only."))


def importable_partners(actor: Any) -> Any:
    """The partners whose rows ``actor`` may import: a partner's staff, their own company
    and its sub-partners; the channel team, the partners it may change."""
    if is_partner_user(actor):
        return Partner.objects.filter(path__startswith=actor.partner.path)
    return restrict(Partner.objects.all(), actor, "change")


def _reference_codes(actor: Any | None = None) -> dict[str, pl.Series]:
    """The known codes of each reference kind; for an importer limited to some partners
    (a channel manager), also the partners it may import for (``partner_scope``)."""

    codes = {
        name: pl.Series(name, list(model.objects.values_list("code", flat=True)), dtype=pl.String)
        for name, model in (("partner", Partner), ("product", Product), ("region", Region))
    }
    if actor is not None:
        allowed = importable_partners(actor)
        if allowed.count() < len(codes["partner"]):
            scope = list(allowed.values_list("code", flat=True))
            codes["partner_scope"] = pl.Series("partner_scope", scope, dtype=pl.String)
    return codes


def _write_part(
    valid: pl.DataFrame, staging: Path, number: int, schema: FactSchema
) -> tuple[Path, Path]:
    """Write one checked chunk as a staged part, with its key file beside it."""
    part, key_file = staging / f"part-{number:05d}.parquet", duplicates.key_file(staging, number)
    # zstd's fastest level: on channel data its files are within 2 % of the default's size
    valid.write_parquet(part, compression="zstd", compression_level=1)
    duplicates.write_keys(valid, key_file, schema)
    return part, key_file


# A rejected cell is echoed in reports, pages and the API up to this many characters.
ECHO_MAX_CHARS = 200


def _truncated_values(errors: pl.DataFrame) -> pl.DataFrame:
    """Cut echoed values to ``ECHO_MAX_CHARS`` and say so (one rejected 60 MB cell once made
    a 60 MB report, page and API answer)."""
    value = pl.col("value")
    length = value.str.len_chars()
    note = pl.format("… [{} characters, cut]", length)
    return errors.with_columns(
        pl.when(length > ECHO_MAX_CHARS)
        .then(pl.concat_str([value.str.slice(0, ECHO_MAX_CHARS), note]))
        .otherwise(value)
        .alias("value")
    )


class _Problems:
    """An import's rejected cells, in bounded memory: values cut as they arrive, at most
    ``REPORT_MAX_PROBLEMS`` kept; the rejected-row count stays exact (a row lies in one
    chunk, and duplicate keys are found among rows no chunk rejected)."""

    def __init__(self) -> None:
        self.frames: list[pl.DataFrame] = []
        self.kept = 0
        self.unlisted = 0
        self.rejected_rows = 0

    def keep(self, errors: pl.DataFrame) -> None:
        self.rejected_rows += errors.get_column("row").n_unique()
        room = max(REPORT_MAX_PROBLEMS - self.kept, 0)
        if room:
            self.frames.append(_truncated_values(errors.head(room)))
            self.kept += min(room, errors.height)
        self.unlisted += max(errors.height - room, 0)

    def frame(self) -> pl.DataFrame:
        return pl.concat(self.frames) if self.frames else no_errors()


def _write_report(batch_label: str, errors: pl.DataFrame, *, unlisted: int = 0) -> Path:
    reports = Path(settings.QUDAO_HOME) / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    path = reports / f"{batch_label}-errors.csv"
    ordered = errors.sort("row")
    if unlisted:
        note = _("… and %(count)s more problems, not listed: fix these and import again.") % {
            "count": f"{unlisted:,}"
        }
        ordered = pl.concat([ordered, pl.DataFrame({"reason": [note]})], how="diagonal_relaxed")
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        fh.write(neutralise_frame(ordered).write_csv())  # a rejected "=…" must not run
    shown = ordered.head(XLSX_MAX_ROWS)
    path.with_suffix(".xlsx").write_bytes(
        to_xlsx(list(shown.columns), shown.iter_rows(), sheet="errors")
    )
    return path


def fact_import(
    *,
    fact: str,
    path: Path,
    mapping: Mapping | None = None,
    mode: str = ImportMode.ALL_OR_NOTHING,
    dry_run: bool = False,
    actor: Any | None = None,
    progress: ProgressCallback | None = None,
    source_name: str | None = None,
    batch: Batch | None = None,
    replace: tuple[date, date] | None = None,
) -> FactImportResult:
    """Import a file of one fact as a new batch; see ``qudao.facts.store`` for the protocol.

    ``replace`` (first day, last day) makes the batch a corrected resubmission: once it is
    committed, earlier rows of the partners it contains, dated in that period, stop
    counting; every row of the file must fall in the period.
    """
    _ensure_may_import(fact, actor)
    schema = fact_schema(fact)
    if replace is not None and schema.partner_field is None:
        raise MappingError(
            _("%(fact)s rows have no partner, so a period cannot be replaced.") % {"fact": fact}
        )
    if mapping is not None:
        validate_fact_mapping(mapping, schema)
    store.store_recover()
    started = time.perf_counter()
    checksum = _checksum_soon(
        path, fact=fact, known=batch.checksum if batch else "", needed=not dry_run
    )
    if not dry_run and checksum.done():
        _refuse_identical(fact=fact, checksum=checksum.result(), exclude=batch)
    source = open_source(path, mapping or Mapping.identity(fact, schema.field_names))
    if mapping is None:
        mapping = Mapping.identity(fact, [f for f in schema.field_names if f in source.headers])
        validate_fact_mapping(mapping, schema)
    wanted = {s.column for n, s in mapping.columns.items() if n not in mapping.constants}
    absent = sorted(wanted - set(source.headers))
    if absent:
        raise SourceError(
            _("The file lacks the column(s) %(names)s named in the mapping.")
            % {"names": ", ".join(absent)}
        )

    if dry_run:
        batch = None
        staging = Path(tempfile.mkdtemp(prefix="qudao-dry-run-"))
    elif batch is None:
        batch = Batch.objects.create(
            fact=fact,
            mode=mode,
            source_name=source_name or path.name,
            checksum=checksum.result() if checksum.done() else "",
            size_bytes=source.size_bytes,
            mapping=mapping.to_toml(),
            created_by=actor,
            worker_pid=os.getpid(),
        )
        staging = store.staging_dir(batch.pk)
    else:  # queued from the web or the API: this worker takes it over
        Batch.objects.filter(pk=batch.pk).update(worker_pid=os.getpid(), mode=mode)
        staging = store.staging_dir(batch.pk)
    staging.mkdir(parents=True, exist_ok=True)
    try:
        result = _run(
            schema=schema,
            mapping=mapping,
            source=source,
            staging=staging,
            mode=mode,
            batch=batch,
            progress=progress,
            replace=replace,
            checksum=checksum,
            actor=actor,
        )
    except BaseException:
        if batch is not None:
            Batch.objects.filter(pk=batch.pk).update(status=BatchStatus.FAILED)
            store.discard(fact=fact, batch_id=batch.pk)
        raise
    finally:
        if dry_run:
            shutil.rmtree(staging, ignore_errors=True)
    result.dry_run = dry_run
    if progress:  # done, whatever the outcome: committed, rejected or a dry run
        progress(1.0, result.rows_read)
    if batch is not None:
        Batch.objects.filter(pk=batch.pk).update(
            elapsed_seconds=time.perf_counter() - started, checksum=checksum.result()
        )
        batch.refresh_from_db()
    return result


def _checksum_soon(path: Path, *, fact: str, known: str, needed: bool) -> Future[str]:
    """The file's SHA-256, which refuses identical re-imports. Known already for uploads;
    computed at once when a committed batch of this fact has the file's size (it may be
    the same file: refuse it before reading a row); otherwise computed in a thread while
    the rows are checked (hashing releases the GIL), and awaited once they are read."""
    ready: Future[str] = Future()
    if known or not needed or not path.exists():
        ready.set_result(known)
        return ready
    size = path.stat().st_size
    if Batch.objects.filter(fact=fact, size_bytes=size, status=BatchStatus.COMMITTED).exists():
        ready.set_result(file_checksum(path))
        return ready
    hashing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qudao-checksum")
    later = hashing.submit(file_checksum, path)
    hashing.shutdown(wait=False)
    return later


def _refuse_identical(*, fact: str, checksum: str, exclude: Batch | None = None) -> None:
    earlier = (
        Batch.objects.filter(fact=fact, checksum=checksum, status=BatchStatus.COMMITTED)
        .exclude(pk=exclude.pk if exclude else None)
        .first()
    )
    if earlier is not None:
        raise DuplicateBatchError(
            _(
                "This file was already imported as batch %(id)d (%(name)s, %(when)s); "
                "revert that batch first to import it again."
            )
            % {
                "id": earlier.pk,
                "name": earlier.source_name,
                "when": timezone.localtime(earlier.created_at).strftime("%Y-%m-%d %H:%M"),
            }
        )


def upload_enqueue(
    *,
    fact: str,
    uploaded: Any,
    mapping_toml: str,
    mode: str,
    actor: Any,
    replace: tuple[date, date] | None = None,
) -> Batch:
    """Keep an uploaded file, queue its import, and return the batch to follow.

    The mapping and the identical-file rule are checked now, so a person learns at once.
    """
    from qudao.facts.tasks import import_batch  # tasks imports this module

    _ensure_may_import(fact, actor)
    schema = fact_schema(fact)
    if mapping_toml.strip():
        validate_fact_mapping(parse_mapping(mapping_toml), schema)
    folder = Path(settings.QUDAO_HOME) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    name = Path(uploaded.name).name
    handle, temp_name = tempfile.mkstemp(dir=folder, suffix=Path(name).suffix.lower())
    digest = hashlib.sha256()
    size = 0
    with os.fdopen(handle, "wb") as out:
        for block in uploaded.chunks():
            digest.update(block)
            size += len(block)
            out.write(block)
    try:
        _refuse_identical(fact=fact, checksum=digest.hexdigest())
    except DuplicateBatchError:
        os.unlink(temp_name)
        raise
    batch = Batch.objects.create(
        fact=fact,
        mode=mode,
        source_name=name,
        checksum=digest.hexdigest(),
        size_bytes=size,
        mapping=mapping_toml,
        created_by=actor,
        language=job_language(),
        upload=temp_name,
        replaces_from=replace[0] if replace else None,
        replaces_to=replace[1] if replace else None,
    )
    transaction.on_commit(lambda: import_batch.enqueue(batch.pk))
    return batch


def _run(
    *,
    schema: FactSchema,
    mapping: Mapping,
    source: Any,
    staging: Path,
    mode: str,
    batch: Batch | None,
    progress: ProgressCallback | None,
    replace: tuple[date, date] | None = None,
    checksum: Future[str],
    actor: Any | None = None,
) -> FactImportResult:

    codes = _reference_codes(actor)
    sequences = Sequences()
    problems = _Problems()
    rows_read = 0
    # Parts are written by one background thread while the next chunk is read and checked.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="qudao-part-writer") as writer:
        writes: list[Future[tuple[Path, Path]]] = []
        for number, chunk in enumerate(prefetched(source.chunks)):
            checked = check_chunk(
                chunk,
                schema=schema,
                mapping=mapping,
                codes=codes,
                sequences=sequences,
                within=replace,
            )
            rows_read += checked.rows
            if checked.valid.height:
                if len(writes) > 1:
                    writes[-2].result()  # at most two checked chunks wait to be written
                writes.append(writer.submit(_write_part, checked.valid, staging, number, schema))
            if checked.errors.height:
                problems.keep(checked.errors)
            if progress:
                progress(min(0.95, rows_read / max(source.rows_expected, 1)), rows_read)
        written = [write.result() for write in writes]
    staged = [part for part, _key_file in written]
    staged_keys = [key_file for _part, key_file in written]
    if rows_read == 0:
        raise SourceError(_("The file has a header but no rows."))
    _fault_point("staged")
    if batch is not None:  # hashed while the rows were checked: an identical file is refused
        _refuse_identical(fact=schema.name, checksum=checksum.result(), exclude=batch)
    repeated = duplicates.duplicate_errors(schema, staged, staged_keys, replace)
    if repeated.height:
        problems.keep(repeated)
    errors = problems.frame()
    rejected_rows = problems.rejected_rows
    result = FactImportResult(
        fact=schema.name,
        batch=batch,
        rows_read=rows_read,
        rows_rejected=rejected_rows,
        errors=errors,
    )
    label = f"batch-{batch.pk}" if batch else f"dry-run-{schema.name}"
    if errors.height:
        result.report_path = _write_report(label, errors, unlisted=problems.unlisted)
    if errors.height and mode == ImportMode.ALL_OR_NOTHING:
        if batch is not None:
            Batch.objects.filter(pk=batch.pk).update(
                status=BatchStatus.REJECTED,
                rows_read=rows_read,
                rows_accepted=0,
                rows_rejected=rejected_rows,
                error_report=str(result.report_path or ""),
            )
            store.discard(fact=schema.name, batch_id=batch.pk)
        return result
    if repeated.height and staged:
        # accept-valid: drop the repeated rows from the staged parts before publishing
        import duckdb

        con = duckdb.connect()
        con.register("drop_rows", repeated.select("row").to_arrow())
        kept = staging / "part-kept.parquet"
        con.sql(
            f'SELECT * FROM read_parquet($staged) WHERE "{ROW}" NOT IN (SELECT row FROM drop_rows) '  # noqa: S608
            f'ORDER BY "{ROW}"',
            params={"staged": [str(p) for p in staged]},
        ).write_parquet(str(kept), compression="zstd")
        con.close()
        for path in [*staged, *staged_keys]:
            path.unlink()
        staged = [kept.rename(staging / "part-00000.parquet")]
        duplicates.write_keys(pl.read_parquet(staged[0]), duplicates.key_file(staging, 0), schema)
    result.rows_accepted = rows_read - rejected_rows
    if batch is None:
        return result
    first, last = _date_range(schema, staged)
    replaced: dict[str, Any] = {}
    if replace is not None and staged:
        partners = pl.scan_parquet(staged).select(pl.col("partner").unique().sort()).collect()
        replaced = {
            "replaces_from": replace[0],
            "replaces_to": replace[1],
            "replaced_partners": partners.get_column("partner").to_list(),
        }
    partner_ids = _partners_of(schema, staged)
    store.publish(fact=schema.name, batch_id=batch.pk)
    _fault_point("published")
    with transaction.atomic():
        Batch.objects.filter(pk=batch.pk).update(
            **replaced,
            status=BatchStatus.COMMITTED,
            rows_read=rows_read,
            rows_accepted=result.rows_accepted,
            rows_rejected=rejected_rows,
            first_date=first,
            last_date=last,
            committed_at=timezone.now(),
            error_report=str(result.report_path or ""),
            # with the commit, not after it: a process killed between the two would leave
            # a batch the same file could be imported into again
            checksum=checksum.result(),
        )
        BatchPartner.objects.bulk_create(
            [
                BatchPartner(batch_id=batch.pk, partner_id=pk, first_date=first, last_date=last)
                for pk, first, last in partner_ids
            ]
        )
        transaction.on_commit(lambda: fact_changed.send(sender=Batch, fact=schema.name))
    return result


def _partners_of(schema: FactSchema, staged: list[Path]) -> list[tuple[int, Any, Any]]:
    """The partners the staged rows belong to (a batch's scope), each with the first and
    last day of its own rows (what the submission calendar reads)."""
    if schema.partner_field is None or not staged:
        return []
    day = pl.col(schema.date_field)
    spans = (
        pl.scan_parquet(staged)
        .group_by(schema.partner_field)
        .agg(day.min().alias("first"), day.max().alias("last"))
        .collect()
    )
    found = {code: (first, last) for code, first, last in spans.iter_rows()}
    ids = Partner.objects.filter(code__in=list(found)).values_list("code", "pk")
    return [(pk, *(_as_date(d) for d in found[code])) for code, pk in ids]


def _as_date(value: Any) -> Any:
    return value.date() if hasattr(value, "date") else value


def _fault_point(name: str) -> None:
    """Crash here when the tests ask for it (QUDAO_FAULT_INJECTION=<name>): the kill tests
    prove that a process dying at any step leaves nothing visible."""
    if os.environ.get("QUDAO_FAULT_INJECTION") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def _date_range(schema: FactSchema, staged: list[Path]) -> tuple[Any, Any]:
    if not staged:
        return None, None
    column = pl.col(schema.date_field)
    frame = pl.scan_parquet(staged).select(column.min().alias("a"), column.max().alias("b"))
    first, last = frame.collect().row(0)
    if hasattr(first, "date"):
        first, last = first.date(), last.date()
    return first, last


@transaction.atomic
def batch_revert(*, batch: Batch, actor: Any | None = None) -> Batch:
    """Take a committed batch out of every reader. Its files stay; the revert is audited."""
    ensure_may_change_row(batch, actor)
    locked = Batch.objects.select_for_update().get(pk=batch.pk)
    if locked.status != BatchStatus.COMMITTED:
        raise ValidationError(_("Only a committed batch can be reverted."))
    locked.status = BatchStatus.REVERTED
    locked.reverted_at = timezone.now()
    locked.reverted_by = actor
    if actor is not None:
        locked._history_user = actor  # type: ignore[attr-defined]
    locked.save(update_fields=["status", "reverted_at", "reverted_by", "updated_at"])
    transaction.on_commit(lambda: fact_changed.send(sender=Batch, fact=locked.fact))
    return locked


@transaction.atomic
def saved_mapping_save(*, name: str, fact: str, toml: str, actor: Any | None = None) -> Any:
    """Keep a mapping under a name for the next file from the same source (upsert by name)."""

    ensure_may_change(SavedMapping, actor)
    validate_any_mapping(parse_mapping(toml), fact)
    mapping, _created = SavedMapping.objects.update_or_create(
        fact=fact, name=name, defaults={"toml": toml, "created_by": actor}
    )
    return mapping


@contextmanager
def _uploaded_copy(uploaded: Any) -> Iterator[Path]:
    """An uploaded file as a temporary file of the same type, for a reader that wants a
    path (a preview); gone afterwards."""
    with tempfile.NamedTemporaryFile(suffix=Path(uploaded.name).suffix.lower()) as temp:
        for block in uploaded.chunks():
            temp.write(block)
        temp.flush()
        yield Path(temp.name)


def file_preview(*, fact: str, uploaded: Any, rows: int = 5) -> tuple[list[str], list[list[str]]]:
    """The headers and first rows of an uploaded file, read as the import would read it."""
    schema = fact_schema(fact)
    with _uploaded_copy(uploaded) as path:
        source = open_source(path, Mapping.identity(fact, schema.field_names))
        first = next(iter(source.chunks), None)
        body = (
            []
            if first is None
            else [
                ["" if v is None else str(v) for v in row.values()]
                for row in first.head(rows).drop(ROW).iter_rows(named=True)
            ]
        )
    return source.headers, body


@transaction.atomic
def saved_mapping_create(*, actor: Any | None = None, **data: Any) -> Any:

    check_mapping_text(data.get("toml", ""), data.get("fact", ""))
    return model_create(model=SavedMapping, data={**data, "created_by": actor}, actor=actor)


@transaction.atomic
def saved_mapping_update(*, mapping: Any, actor: Any | None = None, **data: Any) -> Any:

    check_mapping_text(data.get("toml", mapping.toml), data.get("fact", mapping.fact))
    return model_update(instance=mapping, data=data, actor=actor)[0]


def generated_channel_load(*, files: dict[str, Path]) -> list[str]:
    """Import a generated channel (``qudao generate``'s files, or ``qudao supply
    generate``'s, which has some of them) in dependency order: master data first, then
    every fact. Returns one summary line per file; raises on the first file with rejected
    rows (generated data is valid by construction)."""
    from qudao.facts.generator import LOAD_ORDER  # numpy's generator: load it when used

    targets, lines = master_targets(), []
    for name in LOAD_ORDER:
        if name not in files:
            continue
        if name in FACTS:
            result = fact_import(fact=name, path=files[name])
            if not result.committed:
                raise ValueError(f"{name}: {result.summary()}")
            lines.append(f"{name}: {result.summary()}")
        else:
            master = import_file(target=targets[name], path=files[name])
            if master.errors:
                raise ValueError(f"{name}: {master.errors[0].as_text()}")
            lines.append(master.summary())
    return lines


# --- Master data from the browser: check (a dry run), commit, undo -------------------------

MASTER_FILE_MAX_BYTES = 20_000_000  # master data is thousands of rows, not millions
# Rows of a check kept for the page (the counts are always complete).
MASTER_OUTCOMES_KEPT = 5_000
MASTER_ERRORS_KEPT = 1_000


def _master_upload_path(uploaded: Any) -> Path:
    folder = Path(settings.QUDAO_HOME) / "uploads" / "master"
    folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=folder, suffix=Path(uploaded.name).suffix.lower())
    with os.fdopen(handle, "wb") as out:
        for block in uploaded.chunks():
            out.write(block)
    return Path(name)


def _master_run(record: MasterImport, *, dry_run: bool, actor: Any) -> None:
    """Read the kept file through the same engine as ``qudao import`` and write down what
    it did (or would do) to ``record``."""
    target = master_target(record.target)
    mapping = parse_mapping(record.mapping) if record.mapping.strip() else None
    result = import_file(
        target=target,
        path=Path(record.upload),
        mapping=mapping,
        dry_run=dry_run,
        actor=actor,
        track=True,
    )
    record.rows_read = result.rows_read
    record.rows_new, record.rows_updated = result.created, result.updated
    record.rows_unchanged = result.unchanged
    record.rows_rejected = len({e.row for e in result.errors})
    record.errors = [[e.row, e.column, e.value, e.reason] for e in result.errors][
        :MASTER_ERRORS_KEPT
    ]
    record.outcomes = [asdict(o) for o in result.outcomes][:MASTER_OUTCOMES_KEPT]


def master_import_check(
    *, target: str, uploaded: Any, mapping_toml: str, actor: Any
) -> MasterImport:
    """Keep an uploaded master-data file and dry-run it: what would be new, updated,
    unchanged or rejected, row by row. Nothing changes until it is committed."""
    master = master_target(target)
    ensure_may_change(master.model, actor)
    if uploaded.size > MASTER_FILE_MAX_BYTES:
        raise ValidationError(
            _("The file is %(size)s MB; master-data files may be up to 20 MB.")
            % {"size": f"{uploaded.size / 1e6:.1f}"}
        )
    if mapping_toml.strip():
        validate_any_mapping(parse_mapping(mapping_toml), target)
    path = _master_upload_path(uploaded)
    record = MasterImport(
        target=target,
        source_name=Path(uploaded.name).name[:255],
        mapping=mapping_toml,
        upload=str(path),
        created_by=actor,
    )
    try:
        _master_run(record, dry_run=True, actor=actor)
    except (MappingError, SourceError):
        path.unlink(missing_ok=True)
        raise
    record.status = MasterImportStatus.REJECTED if record.errors else MasterImportStatus.CHECKED
    record._history_user = actor  # type: ignore[attr-defined]
    record.save()
    return record


def master_import_commit(*, record: MasterImport, actor: Any) -> MasterImport:
    """Apply a checked file for real, all or nothing. The records may have changed since
    the check, so it runs again: rows rejected now leave everything as it was."""
    ensure_may_change(master_target(record.target).model, actor)
    ensure_may_change_row(record, actor)
    if record.status != MasterImportStatus.CHECKED:
        raise ValidationError(_("Only a checked import without rejected rows can be committed."))
    if not Path(record.upload).is_file():
        raise ValidationError(_("The checked file is no longer kept: upload it again."))
    with transaction.atomic():
        try:
            _master_run(record, dry_run=False, actor=actor)
        except (MappingError, SourceError) as exc:
            raise ValidationError(str(exc)) from exc
        if record.errors:
            record.status = MasterImportStatus.REJECTED
        else:
            record.status = MasterImportStatus.COMMITTED
            record.committed_at = timezone.now()
        record._history_user = actor  # type: ignore[attr-defined]
        record.save()
        if record.status == MasterImportStatus.COMMITTED:
            # its rows are in the outcomes now; the file goes once that is sure
            upload = Path(record.upload)
            transaction.on_commit(lambda: upload.unlink(missing_ok=True))
    return record


def latest_master_import(target: str) -> MasterImport | None:
    return (
        MasterImport.objects.filter(target=target, status=MasterImportStatus.COMMITTED)
        .order_by("-committed_at", "-pk")
        .first()
    )


def master_import_undo(*, record: MasterImport, actor: Any) -> MasterImport:
    """Undo the latest committed import of a target: updated records get their earlier
    values, new ones are deleted. Refused, with nothing changed, when a record changed
    since, a new one is in use, or — for partners and products — facts were imported
    since (they may name the new codes)."""
    target = master_target(record.target)
    ensure_may_change(target.model, actor)
    ensure_may_change_row(record, actor)
    latest = latest_master_import(record.target)
    if record.status != MasterImportStatus.COMMITTED or latest is None or latest.pk != record.pk:
        raise ValidationError(_("Only the latest committed import of its kind can be undone."))
    outcomes = [RowOutcome(**o) for o in record.outcomes]
    named_by_facts = record.target in ("partners", "products")
    if named_by_facts and any(o.outcome == Outcome.NEW for o in outcomes):
        since = Batch.objects.filter(
            status=BatchStatus.COMMITTED, committed_at__gt=record.committed_at
        )
        if since.exists():
            raise ValidationError(
                _(
                    "Facts were imported after this file and may name its new codes; "
                    "revert those imports first (batch %(ids)s)."
                )
                % {"ids": ", ".join(str(pk) for pk in since.values_list("pk", flat=True)[:5])}
            )
    if record.rows_new + record.rows_updated + record.rows_unchanged > len(outcomes):
        raise ValidationError(_("This import is too large to undo here; correct it with a file."))
    with transaction.atomic():
        undo_import(target=target, outcomes=outcomes, actor=actor)
        record.status = MasterImportStatus.UNDONE
        record.undone_at, record.undone_by = timezone.now(), actor
        record._history_user = actor  # type: ignore[attr-defined]
        record.save(update_fields=["status", "undone_at", "undone_by", "updated_at"])
    return record


def master_file_preview(
    *, target: str, uploaded: Any, rows: int = 5
) -> tuple[list[str], list[list[str]]]:
    """The headers and first rows of an uploaded master-data file, read as the import
    reads it (encoding, sheet)."""
    master_target(target)
    with _uploaded_copy(uploaded) as path:
        table = open_table(path)
        body = []
        for _row, cells in table.rows:
            body.append(["" if cells.get(h) is None else str(cells.get(h)) for h in table.headers])
            if len(body) >= rows:
                break
    return table.headers, body
