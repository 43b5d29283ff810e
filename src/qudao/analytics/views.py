from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from qudao.analytics import charts, selectors
from qudao.analytics.engine import default_engine, spark_available
from qudao.analytics.filtersets import (
    SCORECARD_COLUMNS_KEY,
    GradeProposalFilterSet,
    ReviewRunFilterSet,
    ScorecardFilterSet,
)
from qudao.analytics.forms import GradingModelForm
from qudao.analytics.kpis import KPI_BY_ID, KPI_VERSION, KPIS
from qudao.analytics.models import (
    Engine,
    GradeProposal,
    GradingModel,
    ProposalStatus,
    ReviewRun,
    RunStatus,
    Scorecard,
)
from qudao.analytics.services import (
    grade_proposal_decide,
    grade_proposals_decide_all,
    grading_model_problems,
    grading_model_update,
    review_enqueue,
    review_rerun_enqueue,
)
from qudao.analytics.tables import (
    SCORECARD_KPIS,
    GradeProposalTable,
    ReviewRunTable,
    ScorecardTable,
)
from qudao.core.i18n import bilingual
from qudao.core.periods import Period
from qudao.core.permissions import can_change, is_partner_user, restrict
from qudao.core.services import user_remember
from qudao.core.views import ObjectListView
from qudao.partners.models import Grade, Partner


class ReviewRunListView(ObjectListView):
    selector = staticmethod(selectors.review_run_list)
    filterset_class = ReviewRunFilterSet
    table_class = ReviewRunTable
    model = ReviewRun
    title = gettext_lazy("Channel reviews")
    template_name = "analytics/run_list.html"
    empty_hint = gettext_lazy("No review yet — run one for a period above.")
    empty_command = "qudao review 2019Q4"

    def extra_context(self, request: HttpRequest) -> dict[str, object]:
        # The engine is offered only where more than one can run.
        engines = [Engine.DUCKDB, Engine.SPARK] if spark_available() else []
        return {
            "can_run": can_change(request.user, ReviewRun),
            "show_worker_health": True,
            "engines": engines,
            "default_engine": default_engine(),
        }


class ScorecardListView(ObjectListView):
    selector = staticmethod(selectors.scorecard_list)
    filterset_class = ScorecardFilterSet
    table_class = ScorecardTable
    model = Scorecard
    title = gettext_lazy("Scorecards")
    template_name = "analytics/scorecard_list.html"
    empty_hint = gettext_lazy(
        "No scorecards for these filters — run the review for the period first."
    )

    def table_kwargs(self, request: HttpRequest, filterset: Any) -> dict[str, Any]:
        """The column groups ticked (remembered for the user when they tick them), else the
        ones they chose last time, else all."""
        chosen = None
        if filterset.is_bound and filterset.form.is_valid():
            chosen = filterset.form.cleaned_data.get("columns") or None
        if chosen and "columns" in request.GET:
            user_remember(user=request.user, key=SCORECARD_COLUMNS_KEY, value=chosen)
        saved = getattr(request.user, "preferences", {}).get(SCORECARD_COLUMNS_KEY)
        return {"groups": chosen or saved}

    def extra_context(self, request: HttpRequest) -> dict[str, object]:
        """The run that made the figures, when one period is shown (UI.md: every number
        links to the run that made it)."""
        period = request.GET.get("period", "").strip()
        return {
            "run": selectors.current_run(period=period) if period else None,
            # partners do not see review runs: no link that would answer 404
            "partner_view": is_partner_user(request.user),
        }


@login_required
@require_POST
def review_start(request: HttpRequest) -> HttpResponse:
    """Queue a review of the period typed in; the run page follows its progress."""
    if not can_change(request.user, ReviewRun):
        raise PermissionDenied
    try:
        run = review_enqueue(
            period=request.POST.get("period", ""),
            actor=request.user,
            engine=request.POST.get("engine") or None,
        )
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("analytics:run_list")
    return redirect(run.get_absolute_url())


@login_required
@require_POST
def run_rerun(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue the run again from what it recorded; the new run's page follows it."""
    run = get_object_or_404(selectors.review_run_list(user=request.user), pk=pk)
    if not can_change(request.user, ReviewRun):
        raise PermissionDenied
    try:
        again = review_rerun_enqueue(run=run, actor=request.user)
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect(run.get_absolute_url())
    return redirect(again.get_absolute_url())


@login_required
@require_safe
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(selectors.review_run_list(user=request.user), pk=pk)
    htmx = getattr(request, "htmx", None)
    partial = htmx is not None and htmx.target == "run-status"
    running = run.status in (RunStatus.QUEUED, RunStatus.RUNNING)
    response = render(
        request,
        "analytics/_run_status.html" if partial else "analytics/run_detail.html",
        {
            "run": run,
            "title": _("Review of %(period)s (run %(id)d)") % {"period": run.period, "id": run.pk},
            "running": running,
            "can_rerun": bool(run.input_snapshots) and can_change(request.user, ReviewRun),
        },
    )
    if partial and not running:
        # Finished while the page polled: the whole page changes (status, inputs, counts).
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_safe
def kpi_dictionary(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "analytics/kpi_list.html",
        {"title": _("KPI dictionary"), "kpis": KPIS, "version": KPI_VERSION},
    )


class GradeProposalListView(ObjectListView):
    selector = staticmethod(selectors.grade_proposal_list)
    filterset_class = GradeProposalFilterSet
    table_class = GradeProposalTable
    model = GradeProposal
    title = gettext_lazy("Grade proposals")
    template_name = "analytics/proposal_list.html"
    empty_hint = gettext_lazy(
        "No grade proposals — a review proposes one when a partner's computed grade has "
        "differed from its grade for the periods the grading model asks."
    )

    def extra_context(self, request: HttpRequest) -> dict[str, object]:
        return {
            "can_decide": can_change(request.user, GradeProposal),
            "grading": selectors.grading_model_active(user=request.user),
        }


@login_required
@require_POST
def proposal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_object_or_404(selectors.grade_proposal_list(user=request.user), pk=pk)
    approve = request.POST.get("decision") == "approve"
    try:
        grade_proposal_decide(
            proposal=proposal,
            approve=approve,
            actor=request.user,
            note=request.POST.get("note", "").strip(),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            (
                _("%(partner)s is now graded %(grade)s.")
                if approve
                else _("Proposal for %(partner)s rejected.")
            )
            % {"partner": proposal.partner.code, "grade": proposal.to_grade},
        )
    return redirect(request.META.get("HTTP_REFERER") or "analytics:proposal_list")


@login_required
@require_POST
def proposal_decide_all(request: HttpRequest) -> HttpResponse:
    """Approve or reject every open proposal the list's filters show: first a page that
    says how many and which, then the decision; back to the list with its filters."""
    if not can_change(request.user, GradeProposal):
        raise PermissionDenied
    approve = request.POST.get("decision") != "reject"
    filters = {k: v for k, v in request.POST.items() if k in GradeProposalFilterSet.base_filters}
    rows = selectors.grade_proposal_list(user=request.user)
    filterset = GradeProposalFilterSet(filters, queryset=rows, request=request)
    chosen = filterset.qs if filterset.is_valid() else rows.none()
    back = f"{reverse('analytics:proposal_list')}?{urlencode(filters)}"
    if request.POST.get("confirmed") != "yes":
        open_ones = chosen.filter(status=ProposalStatus.PROPOSED).select_related(
            "partner", "from_grade", "to_grade"
        )
        return render(
            request,
            "analytics/proposal_confirm.html",
            {
                "title": _("Approve grade proposals") if approve else _("Reject grade proposals"),
                "approve": approve,
                "count": open_ones.count(),
                "sample": list(open_ones.order_by("partner__code")[:20]),
                "filters": filters,
                "back": back,
            },
        )
    decided = grade_proposals_decide_all(
        proposals=chosen,
        approve=approve,
        actor=request.user,
        note=request.POST.get("note", "").strip(),
    )
    messages.success(
        request,
        (_("%(n)d proposals approved.") if approve else _("%(n)d proposals rejected."))
        % {"n": decided},
    )
    return redirect(back)


@login_required
def grading(request: HttpRequest) -> HttpResponse:
    """The grading model in use: weights, thresholds, hysteresis; directors may edit it.
    Partners never see it (the brand's internals answer 404)."""
    if is_partner_user(request.user):
        raise Http404
    model = selectors.grading_model_active(user=request.user)
    form = None
    if model is not None and can_change(request.user, GradingModel):
        form = GradingModelForm(request.POST or None, instance=model)
        if request.method == "POST" and form.is_valid():
            try:
                grading_model_update(model=model, actor=request.user, **form.model_data())
            except ValidationError as exc:
                for errors in exc.message_dict.values():
                    form.add_error(None, errors)
            else:
                messages.success(request, _("Grading model saved; the next review uses it."))
                return redirect("analytics:grading")
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "analytics/grading.html",
        {
            "title": _("Grading model"),
            "model": model,
            "form": form,
            "weights": [(KPI_BY_ID[k], w) for k, w in (model.weights if model else {}).items()],
            "grades": Grade.objects.order_by("rank"),
        },
    )


@login_required
@require_POST
def grading_preview(request: HttpRequest) -> HttpResponse:
    """How the model typed so far would grade the latest reviewed period, against the model
    in force — nothing saved (htmx partial)."""
    if is_partner_user(request.user):
        raise Http404
    if not can_change(request.user, GradingModel):
        raise PermissionDenied
    model = selectors.grading_model_active(user=request.user)
    if model is None:
        raise Http404
    form = GradingModelForm(request.POST, instance=model)
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        proposed = form.model_data()
        problems = grading_model_problems(proposed)
        if problems:
            context["problems"] = list(problems.values())
        else:
            context["preview"] = selectors.grading_preview(
                model=model, proposed=proposed, user=request.user
            )
    return render(request, "analytics/_grading_preview.html", context)


@login_required
@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    """The review of one period at a glance, over the partners the user may see."""
    periods = selectors.reviewed_periods()
    period = request.GET.get("period") or (periods[0] if periods else "")
    context: dict[str, object] = {"title": _("Review overview"), "periods": periods}
    if period and period in periods:
        data = selectors.review_overview(user=request.user, period=period)
        parsed = Period.parse(period)
        run = selectors.current_run(period=period)
        context.update(
            data,
            period=parsed,
            run=run,
            partial=run is not None and run.partial_sell_in is not None,
            previous_partial=selectors.period_is_partial(parsed.previous.key),
            year_ago_partial=selectors.period_is_partial(parsed.year_ago.key),
        )
        if data["trend"]:
            context["trend_chart"] = charts.revenue_trend(
                data["trend"], title=_("Sell-in revenue against target, last 8 quarters")
            )
        models = [
            {
                "label": bilingual(r["channel_model__name_en"], r["channel_model__name_zh"]),
                "revenue": float(r["revenue_total"] or 0),
            }
            for r in data["by_model"]
        ]
        if models:
            context["model_chart"] = charts.ranking_bars(
                models, label="label", value="revenue", title=_("Which channel models sell most")
            )
    return render(request, "analytics/overview.html", context)


@login_required
@require_safe
def partner_scorecard(request: HttpRequest, pk: int) -> HttpResponse:
    """One partner: KPI trends over its last 8 reviewed quarters, rank, flags, grades."""
    partner = get_object_or_404(restrict(Partner.objects.all(), request.user, "view"), pk=pk)
    data = selectors.partner_scorecard(user=request.user, partner=partner)
    cards = data["cards"]
    context: dict[str, object] = {
        "title": f"{partner.code} {partner.name}",
        "partner": partner,
        "kpis": [KPI_BY_ID[k] for k in SCORECARD_KPIS],
        **data,
    }
    if cards:
        rows = [
            {
                "period": c.period,
                "revenue": float(c.revenue or 0),
                "target": None if c.target is None else float(c.target),
            }
            for c in cards
        ]
        context["trend_chart"] = charts.revenue_trend(
            rows, title=_("Sell-in revenue against target")
        )
        rates = [
            {
                "period": c.period,
                "target_attainment": None
                if c.target_attainment is None
                else float(c.target_attainment),
                "gross_margin_rate": None
                if c.gross_margin_rate is None
                else float(c.gross_margin_rate),
                "churn_rate": None if c.churn_rate is None else float(c.churn_rate),
            }
            for c in cards
        ]
        context["rate_chart"] = charts.rate_trend(
            rates,
            fields={
                k: KPI_BY_ID[k].name
                for k in ("target_attainment", "gross_margin_rate", "churn_rate")
            },
            title=_("Attainment, margin and churn"),
        )
        context["rows"] = [(KPI_BY_ID[k], [getattr(c, k) for c in cards]) for k in SCORECARD_KPIS]
    return render(request, "analytics/partner_scorecard.html", context)
