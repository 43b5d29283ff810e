"""Background work for the fact store (django-tasks; `qudao serve` runs the worker)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from django.utils import translation
from django_tasks import task

from qudao.core.importing.errors import MappingError, SourceError
from qudao.core.importing.mapping import parse_mapping
from qudao.facts.choices import BatchStatus
from qudao.facts.models import Batch
from qudao.facts.store import batch_requeue, discard

logger = logging.getLogger(__name__)


@task()
def import_batch(batch_id: int) -> str:
    """Import a queued upload; progress and the outcome are written to the batch, in the
    uploader's language (row errors, messages)."""
    batch = Batch.objects.get(pk=batch_id)
    with translation.override(batch.language or None):
        return _import_batch(batch)


def _import_batch(batch: Batch) -> str:
    # a cycle: the services queue this task
    from qudao.facts.services import DuplicateBatchError, fact_import

    batch_id = batch.pk
    if batch.status != BatchStatus.PENDING or not batch.upload:
        return batch.status
    if batch.worker_pid is not None and batch.worker_pid != os.getpid():
        # An earlier attempt died mid-way (the worker was killed; core.workers queued this
        # task again): its partial files go, and the import starts from the first row.
        discard(fact=batch.fact, batch_id=batch.pk)
        batch_requeue(batch.pk)
        batch.refresh_from_db()
    upload = Path(batch.upload)

    def progress(fraction: float, rows: int) -> None:
        Batch.objects.filter(pk=batch_id).update(progress=fraction, rows_read=rows)

    replace = None
    if batch.replaces_from is not None and batch.replaces_to is not None:
        replace = (batch.replaces_from, batch.replaces_to)
    try:
        mapping = parse_mapping(batch.mapping) if batch.mapping.strip() else None
        # The identical-file rule is checked again: another upload may have committed since.
        fact_import(
            fact=batch.fact,
            path=upload,
            mapping=mapping,
            mode=batch.mode,
            actor=batch.created_by,
            progress=progress,
            source_name=batch.source_name,
            batch=batch,
            replace=replace,
        )
    except (MappingError, SourceError, DuplicateBatchError) as exc:
        Batch.objects.filter(pk=batch_id).update(status=BatchStatus.FAILED, message=str(exc))
    except Exception as exc:
        logger.exception("import of batch %s failed", batch_id)
        Batch.objects.filter(pk=batch_id).update(
            status=BatchStatus.FAILED, message=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    finally:
        Batch.objects.filter(pk=batch_id).update(upload="", progress=1.0)
        if upload.exists():
            os.unlink(upload)
    return Batch.objects.get(pk=batch_id).status
