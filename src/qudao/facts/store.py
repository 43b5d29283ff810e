"""The fact store: immutable Parquet files under ``$QUDAO_HOME/facts/<fact>/``.

Layout::

    facts/<fact>/batch=<id>/part-00000.parquet   files of a batch (visible once committed)
    facts/<fact>/batch=<id>/_keys-<tag>-00000.hashes   their key hashes (``facts.duplicates``)
    facts/_staging/<id>/...                       being written; never read

Protocol (why a killed process leaves nothing visible):

1. the batch row is created as PENDING, with the writer's pid;
2. parts are written into the staging folder;
3. the staging folder is renamed to ``batch=<id>`` (atomic on one file system);
4. one database transaction marks the batch COMMITTED.

Readers list the files of COMMITTED batches only, so whatever a kill interrupts stays
invisible; ``store_recover`` (run before every import and by ``qudao serve``) marks
PENDING batches whose process is gone as FAILED and deletes their files.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
from django.conf import settings

from qudao.facts.choices import BatchStatus
from qudao.facts.models import Batch
from qudao.facts.schemas import FACTS, arrow_schema

# The column readers may ask for beside a fact's own: the batch each row came from.
BATCH_FIELD = pa.field("_batch", pa.int64())
# The row of its file each committed row came from (the spreadsheet's row number), kept in
# every part: evidence names a fact row by batch and row.
ROW_FIELD = pa.field("_row", pa.int64())


def store_root() -> Path:
    return Path(settings.QUDAO_HOME) / "facts"


def staging_dir(batch_id: int) -> Path:
    return store_root() / "_staging" / str(batch_id)


def batch_dir(fact: str, batch_id: int) -> Path:
    return store_root() / fact / f"batch={batch_id}"


def batch_files(fact: str, batch_id: int) -> list[Path]:
    return sorted(batch_dir(fact, batch_id).glob("part-*.parquet"))


def committed_batch_ids(fact: str) -> list[int]:
    return list(
        Batch.objects.filter(fact=fact, status=BatchStatus.COMMITTED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def committed_files(fact: str, batch_ids: Iterable[int] | None = None) -> list[Path]:
    """The Parquet files of the committed batches of ``fact`` (optionally only these ids)."""
    ids = committed_batch_ids(fact) if batch_ids is None else list(batch_ids)
    return [path for batch_id in ids for path in batch_files(fact, batch_id)]


def publish(*, fact: str, batch_id: int) -> Path:
    """Move a batch's staged parts to their final place (step 3 of the protocol)."""
    target = batch_dir(fact, batch_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Batch ids are never reused by the database, so anything already here is debris of an
    # earlier installation's database (e.g. restored from a backup): it is not ours to read.
    shutil.rmtree(target, ignore_errors=True)
    os.replace(staging_dir(batch_id), target)
    return target


def discard(*, fact: str, batch_id: int) -> None:
    shutil.rmtree(staging_dir(batch_id), ignore_errors=True)
    shutil.rmtree(batch_dir(fact, batch_id), ignore_errors=True)


def _process_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def store_recover() -> list[int]:
    """Fail PENDING batches whose writer is gone; delete files no committed batch owns."""
    recovered = []
    # A PENDING batch with no pid is queued, not started: it is left for the worker.
    for batch in Batch.objects.filter(status=BatchStatus.PENDING, worker_pid__isnull=False):
        if batch.worker_pid != os.getpid() and not _process_alive(batch.worker_pid):
            discard(fact=batch.fact, batch_id=batch.pk)
            if batch.upload:
                # Queued from the web or the API: the upload is still there and the task
                # goes back to the queue (core.workers), so the import starts again.
                batch_requeue(batch.pk)
            else:
                Batch.objects.filter(pk=batch.pk, status=BatchStatus.PENDING).update(
                    status=BatchStatus.FAILED, message="interrupted; files removed"
                )
            recovered.append(batch.pk)
    live: dict[str, set[int]] = {}
    for fact, pk, status in Batch.objects.values_list("fact", "pk", "status"):
        if status in (BatchStatus.COMMITTED, BatchStatus.PENDING, BatchStatus.REVERTED):
            live.setdefault(fact, set()).add(pk)
    root = store_root()
    if root.exists():
        for folder in root.glob("*/batch=*"):
            fact, batch_id = folder.parent.name, int(folder.name.split("=", 1)[1])
            if batch_id not in live.get(fact, set()):
                shutil.rmtree(folder, ignore_errors=True)
        for folder in (root / "_staging").glob("*"):
            if int(folder.name) not in {pk for ids in live.values() for pk in ids}:
                shutil.rmtree(folder, ignore_errors=True)
    for scratch in _scratch_dir().glob("utf8-*-*"):  # left by a killed import
        pid = scratch.name.split("-")[1]
        if pid.isdigit() and not _process_alive(int(pid)):
            scratch.unlink(missing_ok=True)
    return recovered


def batch_requeue(batch_id: int) -> None:
    """Make a queued batch whose import was interrupted ready to start again (its
    partial files must already be gone)."""
    Batch.objects.filter(pk=batch_id, status=BatchStatus.PENDING).update(
        worker_pid=None, progress=0, rows_read=0
    )


def _scratch_dir() -> Path:
    return Path(settings.QUDAO_HOME) / "tmp"


def scratch_file(suffix: str) -> tuple[int, str]:
    """A new temporary file for an import (e.g. the UTF-8 copy of a GBK file), as
    ``tempfile.mkstemp`` gives it; the writer's pid in its name lets ``store_recover``
    remove it once that process is gone."""
    folder = _scratch_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return tempfile.mkstemp(dir=folder, prefix=f"utf8-{os.getpid()}-", suffix=suffix)


def sql_literal(value: Any) -> str:
    """A SQL string literal; the values are our own file paths, codes and ISO dates."""
    return "'" + str(value).replace("'", "''") + "'"


def _replaced_rows_filter(fact: str, relation: str) -> str:
    """SQL keeping the rows of ``relation`` (the fact's committed rows, with ``_batch``) that
    no later committed batch replaced (``--replace-period``: same partner, a date in the
    replaced period). Plain SQL both DuckDB and Spark read."""
    schema = FACTS[fact]
    replacements = [
        (partner, batch.replaces_from, batch.replaces_to, batch.pk)
        for batch in Batch.objects.filter(
            fact=fact, status=BatchStatus.COMMITTED, replaces_from__isnull=False
        ).order_by("pk")
        for partner in batch.replaced_partners
    ]
    if not replacements or schema.partner_field is None:
        return f"SELECT * FROM {relation}"  # noqa: S608 - our own relation name
    rows = ", ".join(
        f"({sql_literal(p)}, DATE {sql_literal(a)}, DATE {sql_literal(b)}, {int(n)})"
        for p, a, b, n in replacements
    )
    column = f"v.{schema.date_field}"  # qualified: plain in both dialects, even "date"
    return (
        f"SELECT v.* FROM {relation} v WHERE NOT EXISTS (SELECT 1 FROM (VALUES {rows}) "  # noqa: S608
        "AS r(partner, first_day, last_day, batch) WHERE r.partner = v.partner "
        f"AND v._batch < r.batch AND {column} BETWEEN r.first_day AND r.last_day)"
    )


def visible_rows_sql(fact: str) -> str | None:
    """DuckDB SQL for the rows of ``fact`` that count: those of committed batches, less the
    rows a later committed batch replaced. Adds ``_batch``, the batch each row came from.
    None when empty.
    """
    files = committed_files(fact)
    if not files:
        return None
    listing = "[" + ", ".join(sql_literal(f) for f in files) + "]"
    committed = (
        "(SELECT * EXCLUDE (filename), "  # noqa: S608 - values escaped by sql_literal
        "CAST(regexp_extract(filename, 'batch=(\\d+)', 1) AS BIGINT) AS _batch "
        f"FROM read_parquet({listing}, filename = true, union_by_name = true))"
    )
    return _replaced_rows_filter(fact, committed)


def _spark_fact_table(fact: str, con: Any) -> Any:
    """The same rows as ``visible_rows_sql``, read by Spark from the same Parquet files."""
    from pyspark.sql import functions as F  # deferred: the optional spark extra

    schema = arrow_schema(FACTS[fact])
    session = con._session
    files = committed_files(fact)
    if not files:
        frame = session.createDataFrame(schema.append(ROW_FIELD).append(BATCH_FIELD).empty_table())
    else:
        batch = F.regexp_extract(F.input_file_name(), r"batch=(\d+)", 1).cast("bigint")
        read = session.read.option("mergeSchema", "true").parquet(*[str(f) for f in files])
        for name in schema.names:  # a field newer than every batch
            if name not in read.columns:
                read = read.withColumn(name, F.lit(None).cast(str(schema.field(name).type)))
        frame = read.select(*schema.names, "_row").withColumn("_batch", batch)
    committed = f"{fact}_committed_{uuid.uuid4().hex[:8]}"
    frame.createOrReplaceTempView(committed)
    view = f"{fact}_visible_{uuid.uuid4().hex[:8]}"
    session.sql(_replaced_rows_filter(fact, committed)).createOrReplaceTempView(view)
    return con.table(view)


def fact_table(
    fact: str, *, connection: Any | None = None, with_batch: bool = False, with_row: bool = False
) -> Any:
    """The rows of ``fact`` that count, as an Ibis table — the one reader for everything
    downstream (see ``visible_rows_sql``); ``with_batch`` and ``with_row`` add where each
    row came from (``_batch``, ``_row``).

    Files never change once committed, so any number of processes may read at once.
    """
    con = connection or ibis.duckdb.connect()
    schema = arrow_schema(FACTS[fact])
    columns = [
        *schema.names,
        *(["_batch"] if with_batch else []),
        *(["_row"] if with_row else []),
    ]
    if con.name == "pyspark":
        return _spark_fact_table(fact, con).select(*columns)
    sql = visible_rows_sql(fact)
    if sql is None:
        empty = schema.append(ROW_FIELD).append(BATCH_FIELD).empty_table()
        return ibis.memtable(empty).select(*columns)
    # A view rather than con.sql(): Ibis 12's con.sql() calls a DuckDB 2 method that is gone.
    view = f"{fact}_visible_{uuid.uuid4().hex[:8]}"
    con.raw_sql(f"CREATE TEMP VIEW {view} AS {sql}")
    return _with_new_fields(con.table(view), schema).select(*columns)


def _with_new_fields(rows: Any, schema: pa.Schema) -> Any:
    """Batches written before a field joined the fact's schema lack it: null there."""
    missing = {
        name: ibis.null().cast(ibis.dtype(schema.field(name).type))
        for name in schema.names
        if name not in rows.columns
    }
    return rows.mutate(**missing) if missing else rows
