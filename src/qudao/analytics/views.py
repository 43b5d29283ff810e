from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from qudao.analytics import selectors
from qudao.analytics.filtersets import ReviewRunFilterSet, ScorecardFilterSet
from qudao.analytics.kpis import KPI_VERSION, KPIS
from qudao.analytics.models import ReviewRun, RunStatus, Scorecard
from qudao.analytics.services import review_create
from qudao.analytics.tables import ReviewRunTable, ScorecardTable
from qudao.core.permissions import can_change
from qudao.core.views import ObjectListView


class ReviewRunListView(ObjectListView):
    selector = staticmethod(selectors.review_run_list)
    filterset_class = ReviewRunFilterSet
    table_class = ReviewRunTable
    model = ReviewRun
    title = gettext_lazy("Channel reviews")
    template_name = "analytics/run_list.html"
    empty_hint = gettext_lazy(
        "No review yet — run one for a period above, or “qudao review 2019Q4”."
    )


class ScorecardListView(ObjectListView):
    selector = staticmethod(selectors.scorecard_list)
    filterset_class = ScorecardFilterSet
    table_class = ScorecardTable
    model = Scorecard
    title = gettext_lazy("Scorecards")
    empty_hint = gettext_lazy(
        "No scorecards for these filters — run the review for the period first."
    )


@login_required
@require_POST
def review_start(request: HttpRequest) -> HttpResponse:
    """Queue a review of the period typed in; the run page follows its progress."""
    from qudao.analytics.tasks import run_review_task

    if not can_change(request.user, ReviewRun):
        raise PermissionDenied
    try:
        run = review_create(period=request.POST.get("period", ""), actor=request.user)
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("analytics:run_list")
    transaction.on_commit(lambda: run_review_task.enqueue(run.pk))
    return redirect(run.get_absolute_url())


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(selectors.review_run_list(user=request.user), pk=pk)
    htmx = getattr(request, "htmx", None)
    partial = htmx is not None and htmx.target == "run-status"
    return render(
        request,
        "analytics/_run_status.html" if partial else "analytics/run_detail.html",
        {
            "run": run,
            "title": _("Review of %(period)s (run %(id)d)") % {"period": run.period, "id": run.pk},
            "running": run.status in (RunStatus.QUEUED, RunStatus.RUNNING),
        },
    )


@login_required
def kpi_dictionary(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "analytics/kpi_list.html",
        {"title": _("KPI dictionary"), "kpis": KPIS, "version": KPI_VERSION},
    )
