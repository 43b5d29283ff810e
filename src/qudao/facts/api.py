from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import File, Form, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.pagination import paginate

from qudao.core.api import Pagination, filtered
from qudao.core.importing.errors import MappingError
from qudao.core.periods import Period
from qudao.core.permissions import can_change, restrict
from qudao.core.workers import waiting_note
from qudao.facts import selectors
from qudao.facts.choices import BatchStatus, ImportMode
from qudao.facts.filtersets import BatchFilterSet
from qudao.facts.models import Batch
from qudao.facts.schemas import FACTS
from qudao.facts.services import DuplicateBatchError, batch_revert, upload_enqueue

router = Router(tags=["imports"])


class BatchSummaryOut(Schema):
    """A batch in the list: its errors are read one batch at a time (``GET /{id}``)."""

    id: int
    fact: str
    status: BatchStatus
    mode: ImportMode
    source_name: str
    progress: float
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    first_date: date | None
    last_date: date | None
    created_at: datetime
    committed_at: datetime | None
    reverted_at: datetime | None
    message: str


class BatchOut(BatchSummaryOut):
    """One batch, with its checksum and its first 100 errors."""

    checksum: str
    errors: list[dict[str, Any]]
    # Why a pending import may not move (no worker, long queue); empty otherwise.
    waiting_note: str

    @staticmethod
    def resolve_waiting_note(batch: Batch) -> str:
        return waiting_note(active=batch.status == BatchStatus.PENDING)

    @staticmethod
    def resolve_errors(batch: Batch) -> list[dict[str, Any]]:
        return selectors.batch_errors(batch, limit=100)[0] if batch.error_report else []


class BatchFilters(Schema):
    q: str | None = None
    fact: str | None = None
    status: BatchStatus | None = None


@router.get("", response=list[BatchSummaryOut])
@paginate(Pagination)
def list_batches(request: HttpRequest, filters: Query[BatchFilters]) -> Any:
    return filtered(BatchFilterSet, filters.dict(), selectors.batch_list(user=request.user))


@router.get("/{int:batch_id}", response=BatchOut)
def get_batch(request: HttpRequest, batch_id: int) -> Any:
    """Poll this after an upload: ``status`` goes from ``pending`` to ``committed``,
    ``rejected`` or ``failed``; ``errors`` holds the first hundred problems."""
    return get_object_or_404(selectors.batch_list(user=request.user), pk=batch_id)


@router.post("", response={202: BatchOut})
def upload_batch(
    request: HttpRequest,
    fact: Form[str],
    file: File[UploadedFile],
    mapping: Form[str] = "",
    mode: Form[ImportMode] = ImportMode.ALL_OR_NOTHING,
    replace_period: Form[str] = "",
) -> Any:
    """Upload a file of one fact; the import runs in the background (202 + the batch)."""
    if not can_change(request.user, Batch):
        raise HttpError(403, "You may not import files.")
    if fact not in FACTS:
        raise HttpError(422, f"Unknown fact {fact!r}; use one of: {', '.join(FACTS)}.")
    replace = None
    if replace_period:
        try:
            period = Period.parse(replace_period)
        except ValueError as exc:
            raise HttpError(422, str(exc)) from exc
        replace = (period.start, period.end)
    try:
        batch = upload_enqueue(
            fact=fact,
            uploaded=file,
            mapping_toml=mapping,
            mode=mode,
            actor=request.user,
            replace=replace,
        )
    except (MappingError, DuplicateBatchError) as exc:
        raise HttpError(422, str(exc)) from exc
    return Status(202, batch)


@router.post("/{int:batch_id}/revert", response=BatchOut)
def revert_batch(request: HttpRequest, batch_id: int) -> Any:
    batch = get_object_or_404(restrict(Batch.objects.all(), request.user, "change"), pk=batch_id)
    return batch_revert(batch=batch, actor=request.user)
