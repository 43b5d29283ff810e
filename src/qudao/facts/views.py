from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from qudao.core.importing.errors import MappingError, SourceError
from qudao.core.importing.registry import master_targets
from qudao.core.permissions import can_change, restrict
from qudao.core.selectors import history_for
from qudao.core.views import ObjectEditView, ObjectListView, export_response
from qudao.facts import selectors
from qudao.facts.choices import BatchStatus, MasterImportStatus
from qudao.facts.filtersets import BatchFilterSet, MasterImportFilterSet, SavedMappingFilterSet
from qudao.facts.forms import MappedUploadForm, MasterImportForm, SavedMappingForm, UploadForm
from qudao.facts.mappings import (
    column_guesses,
    mapping_from_matches,
    master_column_guesses,
    master_fields,
)
from qudao.facts.models import Batch, MasterImport, SavedMapping
from qudao.facts.schemas import FACTS
from qudao.facts.services import (
    DuplicateBatchError,
    batch_revert,
    file_preview,
    latest_master_import,
    master_file_preview,
    master_import_check,
    master_import_commit,
    master_import_undo,
    saved_mapping_create,
    saved_mapping_save,
    saved_mapping_update,
    upload_enqueue,
)
from qudao.facts.tables import BatchTable, MasterImportTable, SavedMappingTable


class BatchListView(ObjectListView):
    selector = staticmethod(selectors.batch_list)
    filterset_class = BatchFilterSet
    table_class = BatchTable
    model = Batch
    title = gettext_lazy("Imports")
    add_url_name = "facts:upload"
    empty_hint = gettext_lazy("Nothing imported yet — upload a file with “Add” above.")
    empty_command = "qudao import sell_in FILE"

    def extra_context(self, request: HttpRequest) -> dict[str, object]:
        return {"show_worker_health": True}


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    if not can_change(request.user, Batch):
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        fact = form.cleaned_data["fact"]
        try:
            toml = _chosen_mapping(request, form, fact)
            batch = upload_enqueue(
                fact=fact,
                uploaded=form.cleaned_data["file"],
                mapping_toml=toml,
                mode=form.cleaned_data["mode"],
                replace=form.cleaned_data["replace_period"],
                actor=request.user,
            )
        except (MappingError, DuplicateBatchError) as exc:
            form.add_error(None, str(exc))
        else:
            return redirect(batch.get_absolute_url())
    return render(
        request,
        "facts/upload.html",
        {"form": form, "title": _("Import a file"), "facts": FACTS.values()},
    )


@login_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """The file's first rows, and a column matcher for each canonical field (htmx partial)."""
    if not can_change(request.user, Batch):
        raise PermissionDenied
    fact, uploaded = request.POST.get("fact", ""), request.FILES.get("file")
    context: dict[str, object] = {"fact": fact}
    if uploaded is None or fact not in FACTS:
        context["problem"] = _("Choose what the file holds and a file first.")
    else:
        try:
            headers, rows = file_preview(fact=fact, uploaded=uploaded)
        except (SourceError, MappingError) as exc:
            context["problem"] = str(exc)
        else:
            guesses = column_guesses(FACTS[fact], headers)
            context.update(
                headers=headers,
                rows=rows,
                fields=[(f, guesses.get(f.name, "")) for f in FACTS[fact].fields],
            )
    return render(request, "facts/_preview.html", context)


@login_required
@require_safe
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(selectors.batch_list(user=request.user), pk=pk)
    template = (
        "facts/_batch_status.html"
        if getattr(request, "htmx", None) and request.htmx.target == "batch-status"  # type: ignore[attr-defined]
        else "facts/batch_detail.html"
    )
    errors, error_count = selectors.batch_errors(batch)
    running = batch.status == BatchStatus.PENDING
    response = render(
        request,
        template,
        {
            "batch": batch,
            "title": str(batch),
            "schema": FACTS[batch.fact],
            "errors": errors,
            "error_count": error_count,
            "running": running,
            "can_revert": batch.status == BatchStatus.COMMITTED and can_change(request.user, Batch),
            "history": history_for(batch),
        },
    )
    if template == "facts/_batch_status.html" and not running:
        # Finished while the page polled: the whole page changes (status, errors, actions).
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_safe
def batch_report(request: HttpRequest, pk: int, fmt: str) -> FileResponse:
    batch = get_object_or_404(selectors.batch_list(user=request.user), pk=pk)
    if not batch.error_report or fmt not in ("csv", "xlsx"):
        raise Http404
    path = Path(batch.error_report).with_suffix(f".{fmt}")
    if not path.exists():
        raise Http404
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=f"batch-{batch.pk}-errors.{fmt}"
    )


@login_required
@require_POST
def batch_revert_view(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(restrict(Batch.objects.all(), request.user, "change"), pk=pk)
    try:
        batch_revert(batch=batch, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Batch %(id)d reverted: its rows no longer count anywhere.") % {"id": batch.pk},
        )
    return redirect(batch.get_absolute_url())


class SavedMappingListView(ObjectListView):
    selector = staticmethod(selectors.saved_mapping_list)
    filterset_class = SavedMappingFilterSet
    table_class = SavedMappingTable
    model = SavedMapping
    title = gettext_lazy("Saved mappings")
    add_url_name = "facts:mapping_add"
    empty_hint = gettext_lazy(
        "No saved mappings yet — match a file's columns on the upload page and name the result."
    )


class SavedMappingEditView(ObjectEditView):
    model = SavedMapping
    form_class = SavedMappingForm
    create_service = staticmethod(saved_mapping_create)
    update_service = staticmethod(saved_mapping_update)
    instance_kw = "mapping"


class MasterImportListView(ObjectListView):
    selector = staticmethod(selectors.master_import_list)
    filterset_class = MasterImportFilterSet
    table_class = MasterImportTable
    model = MasterImport
    title = gettext_lazy("Master-data imports")
    add_url_name = "facts:master_import_new"
    empty_hint = gettext_lazy(
        "No master data imported from the browser yet — upload partners, regions, products "
        "or targets with “Add” above."
    )
    empty_command = "qudao import partners FILE"


@login_required
def master_import_new(request: HttpRequest) -> HttpResponse:
    """Upload a master-data file and dry-run it; the check's page then offers the commit."""
    if not can_change(request.user, MasterImport):
        raise PermissionDenied
    form = MasterImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["target"]
        try:
            toml = _chosen_mapping(request, form, target)
            record = master_import_check(
                target=target,
                uploaded=form.cleaned_data["file"],
                mapping_toml=toml,
                actor=request.user,
            )
        except (MappingError, SourceError) as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            return redirect(record.get_absolute_url())
    return render(
        request,
        "facts/master_import_new.html",
        {"form": form, "title": _("Import master data"), "targets": master_targets().values()},
    )


def _chosen_mapping(request: HttpRequest, form: MappedUploadForm, kind: str) -> str:
    """The mapping an upload uses — saved, typed, or built in the column matcher
    (``col_<field>`` = the file's header) — kept under a name when one was given.
    Raises MappingError for one that does not fit ``kind``."""
    toml = form.mapping_toml()
    matches = {
        key[4:]: str(request.POST.get(key, ""))
        for key in request.POST
        if key.startswith("col_") and request.POST.get(key)
    }
    if not toml.strip() and matches:
        toml = mapping_from_matches(fact=kind, matches=matches)
    if form.cleaned_data["save_as"] and toml.strip():
        saved_mapping_save(
            name=form.cleaned_data["save_as"], fact=kind, toml=toml, actor=request.user
        )
    return toml


@login_required
@require_POST
def master_import_preview(request: HttpRequest) -> HttpResponse:
    """The file's first rows and a column matcher for the target's fields (htmx partial)."""
    if not can_change(request.user, MasterImport):
        raise PermissionDenied
    target, uploaded = request.POST.get("target", ""), request.FILES.get("file")
    context: dict[str, object] = {}
    if uploaded is None or target not in master_targets():
        context["problem"] = _("Choose what the file holds and a file first.")
    else:
        try:
            headers, rows = master_file_preview(target=target, uploaded=uploaded)
        except (SourceError, MappingError) as exc:
            context["problem"] = str(exc)
        else:
            master = master_targets()[target]
            guesses = master_column_guesses(master, headers)
            context.update(
                headers=headers,
                rows=rows,
                fields=[(f, guesses.get(f.name, "")) for f in master_fields(master)],
            )
    return render(request, "facts/_preview.html", context)


@login_required
@require_safe
def master_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(selectors.master_import_list(user=request.user), pk=pk)
    may_change = (
        can_change(request.user, MasterImport)
        and restrict(MasterImport.objects.filter(pk=pk), request.user, "change").exists()
    )
    latest = latest_master_import(record.target)
    target = master_targets().get(record.target)
    labels = {f.name: f.label for f in master_fields(target)} if target else {}
    return render(
        request,
        "facts/master_import_detail.html",
        {
            "record": record,
            "title": str(record),
            "rows": selectors.master_import_rows(record, labels),
            "can_commit": may_change and record.status == MasterImportStatus.CHECKED,
            "can_undo": may_change
            and record.status == MasterImportStatus.COMMITTED
            and latest is not None
            and latest.pk == record.pk,
            "history": history_for(record),
        },
    )


@login_required
@require_POST
def master_import_commit_view(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(restrict(MasterImport.objects.all(), request.user, "change"), pk=pk)
    try:
        record = master_import_commit(record=record, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if record.status == MasterImportStatus.COMMITTED:
            messages.success(request, _("Committed: the records below are changed."))
        else:
            messages.error(
                request,
                _("Rows are rejected now that the data changed: nothing was written."),
            )
    return redirect(record.get_absolute_url())


@login_required
@require_POST
def master_import_undo_view(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(restrict(MasterImport.objects.all(), request.user, "change"), pk=pk)
    try:
        master_import_undo(record=record, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Undone: updated records have their earlier values, new ones are gone.")
        )
    return redirect(record.get_absolute_url())


CALENDAR_FACTS = ("sell_through", "inventory")
CALENDAR_STATE_LABELS = {
    selectors.Submission.IN: gettext_lazy("In"),
    selectors.Submission.LATE: gettext_lazy("Late"),
    selectors.Submission.MISSING: gettext_lazy("Missing"),
    selectors.Submission.DUE: gettext_lazy("Not yet due"),
    selectors.Submission.NOT_OWED: gettext_lazy("Not owed"),
}


@login_required
@require_safe
def submission_calendar(request: HttpRequest) -> HttpResponse:
    """Which months of each partner's sell-through (or inventory) are in, late or missing —
    a partner sees its own company and sub-partners; Excel of the same."""
    fact = request.GET.get("fact", "sell_through")
    if fact not in CALENDAR_FACTS:
        fact = "sell_through"
    today = timezone.localdate()
    months = selectors.calendar_months(today)
    partners = selectors.obliged_partners(user=request.user)
    query = (request.GET.get("q") or "").strip()[:100]
    if query:
        partners = partners.filter(
            Q(code__icontains=query) | Q(name_en__icontains=query) | Q(name_zh__icontains=query)
        )
    if request.GET.get("export") in ("csv", "xlsx"):
        rows = selectors.submission_calendar(
            partners=partners[:5000], fact=fact, months=months, today=today
        )
        return export_response(
            headers=[_("Partner"), _("Name"), *[m.strftime("%Y-%m") for m in months]],
            rows=[
                [
                    r.partner.code,
                    r.partner.name,
                    *[str(CALENDAR_STATE_LABELS[c.state]) for c in r.cells],
                ]
                for r in rows
            ],
            fmt=request.GET["export"],
            filename=_("submission-calendar"),
        )
    page = Paginator(partners, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "facts/calendar.html",
        {
            "title": _("Submission calendar"),
            "fact": fact,
            "facts": [(f, FACTS[f].label) for f in CALENDAR_FACTS],
            "months": months,
            "rows": selectors.submission_calendar(
                partners=page.object_list, fact=fact, months=months, today=today
            ),
            "page": page,
            "query": query,
            "labels": CALENDAR_STATE_LABELS,
            "due_days": selectors.report_due_days(),
            "may_upload": can_change(request.user, Batch),
        },
    )
