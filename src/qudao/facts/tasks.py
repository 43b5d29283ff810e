"""Background work for the fact store (django-tasks; `qudao serve` runs the worker)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext_lazy
from django_tasks import task

from qudao.core.importing.errors import MappingError, SourceError
from qudao.core.importing.mapping import parse_mapping
from qudao.facts.choices import BatchStatus
from qudao.facts.models import Batch
from qudao.facts.store import batch_requeue, discard
from qudao.notifications.models import Event
from qudao.notifications.services import Message, notify

logger = logging.getLogger(__name__)


@task()
def import_batch(batch_id: int) -> str:
    """Import a queued upload; progress and the outcome are written to the batch, in the
    uploader's language (row errors, messages)."""
    batch = Batch.objects.get(pk=batch_id)
    with translation.override(batch.language or None):
        try:
            return _import_batch(batch)
        finally:
            _tell_uploader(Batch.objects.get(pk=batch_id))


def _tell_uploader(batch: Batch) -> None:
    """Whoever queued the import learns how it ended (a page left open shows it too)."""
    if batch.created_by is None or batch.status == BatchStatus.PENDING:
        return
    done = batch.status == BatchStatus.COMMITTED
    notify(
        event=Event.IMPORT_FINISHED if done else Event.IMPORT_FAILED,
        recipients=[batch.created_by],
        title=Message(
            gettext_lazy("Import of %(file)s: %(status)s")
            if done
            else gettext_lazy("Import of %(file)s did not go in: %(status)s"),
            {"file": batch.source_name, "status": BatchStatus(batch.status).label},
        ),
        body=Message(
            gettext_lazy("%(accepted)s rows accepted, %(rejected)s rejected. %(message)s"),
            {
                "accepted": batch.rows_accepted,
                "rejected": batch.rows_rejected,
                "message": batch.message,
            },
        ),
        url=batch.get_absolute_url(),
        data={
            "batch_id": batch.pk,
            "fact": batch.fact,
            "status": batch.status,
            "rows_accepted": batch.rows_accepted,
            "rows_rejected": batch.rows_rejected,
        },
    )


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
