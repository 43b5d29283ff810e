from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from qudao.core.choices import Role
from qudao.core.permissions import is_partner_user, restrict
from qudao.core.selectors import history_for
from qudao.core.views import (
    ObjectEditView,
    ObjectListView,
    attachment_response,
    export_response,
    form_action,
)
from qudao.feedback import selectors
from qudao.feedback.charts import trend_chart
from qudao.feedback.filtersets import FeedbackFilterSet
from qudao.feedback.forms import AnswerForm, DeclineForm, FeedbackForm, RouteForm
from qudao.feedback.models import Feedback, FeedbackStatus
from qudao.feedback.services import (
    feedback_answer,
    feedback_decline,
    feedback_route,
    feedback_submit,
)
from qudao.feedback.tables import FeedbackTable
from qudao.partners.models import DIRECTOR_AND_MANAGER


class FeedbackListView(ObjectListView):
    selector = selectors.feedback_list
    filterset_class = FeedbackFilterSet
    table_class = FeedbackTable
    model = Feedback
    title = gettext_lazy("Product feedback")
    add_url_name = "feedback:feedback_add"
    empty_hint = gettext_lazy(
        "No feedback yet. Partners and the channel team tell the product team of defects, "
        "requests, prices and packaging here."
    )

    def may_add(self, request: HttpRequest) -> bool:
        return _may_submit(request.user)

    def extra_context(self, request: HttpRequest) -> dict[str, Any]:
        return {
            "extra_actions": [
                {"url": reverse("feedback:trends"), "label": _("Trends by product and type")},
            ]
        }


def _may_submit(user: Any) -> bool:
    """The channel team, sales and partners' staff submit; the product team answers."""
    return user.is_superuser or user.has_role(
        *DIRECTOR_AND_MANAGER, Role.SALES, Role.PARTNER_ADMIN, Role.PARTNER_USER
    )


class FeedbackEditView(ObjectEditView):
    model = Feedback
    form_class = FeedbackForm
    create_service = feedback_submit
    update_service = feedback_submit  # feedback is not edited once sent: no edit page
    instance_kw = "feedback"

    def get_object(self, request: HttpRequest, pk: int | None) -> None:
        if not _may_submit(request.user):
            raise PermissionDenied
        return None


def _feedback(request: HttpRequest, pk: int) -> Feedback:
    return get_object_or_404(selectors.feedback_list(user=request.user), pk=pk)


@login_required
@require_safe
def feedback_detail(request: HttpRequest, pk: int) -> HttpResponse:
    feedback = _feedback(request, pk)
    user: Any = request.user
    changes = restrict(Feedback.objects.filter(pk=pk), user, "change").exists()
    team = changes and (user.is_superuser or user.has_role(*DIRECTOR_AND_MANAGER))
    open_ = feedback.status in (FeedbackStatus.NEW, FeedbackStatus.ROUTED)
    answering = (FeedbackStatus.ROUTED, FeedbackStatus.ANSWERED)
    answers = changes and user.has_role(Role.PRODUCT) and feedback.status in answering
    context: dict[str, Any] = {
        "feedback": feedback,
        "title": str(feedback),
        "files": selectors.feedback_files(feedback=feedback, user=user),
        "internal": not is_partner_user(user),
        "history": [] if is_partner_user(user) else history_for(feedback),
        "route_form": RouteForm(initial={"severity": feedback.severity})
        if team and open_
        else None,
        "decline_form": DeclineForm() if team and open_ else None,
        "answer_form": AnswerForm(initial={"answer": feedback.answer}) if answers else None,
    }
    return render(request, "feedback/feedback_detail.html", context)


@login_required
@require_POST
def feedback_route_view(request: HttpRequest, pk: int) -> HttpResponse:
    feedback = _feedback(request, pk)
    return form_action(
        request,
        feedback,
        RouteForm,
        lambda data: feedback_route(
            feedback=feedback,
            owner=data["owner"],
            severity=data["severity"],
            note=data["note"],
            actor=request.user,
        ),
        _("Routed to the product team."),
    )


@login_required
@require_POST
def feedback_decline_view(request: HttpRequest, pk: int) -> HttpResponse:
    feedback = _feedback(request, pk)
    return form_action(
        request,
        feedback,
        DeclineForm,
        lambda data: feedback_decline(feedback=feedback, note=data["note"], actor=request.user),
        _("Declined."),
    )


@login_required
@require_POST
def feedback_answer_view(request: HttpRequest, pk: int) -> HttpResponse:
    feedback = _feedback(request, pk)
    return form_action(
        request,
        feedback,
        AnswerForm,
        lambda data: feedback_answer(feedback=feedback, answer=data["answer"], actor=request.user),
        _("Answered."),
    )


@login_required
@require_safe
def feedback_file(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    feedback = _feedback(request, pk)
    stored = get_object_or_404(
        selectors.feedback_files(feedback=feedback, user=request.user), pk=file_pk
    )
    return attachment_response(stored.file, stored.name)


@login_required
@require_safe
def feedback_trends(request: HttpRequest) -> HttpResponse:
    """Feedback by month and type, and by product (or category) and type — over the rows
    the list's filters leave; Excel of the table."""
    rows = selectors.feedback_list(user=request.user)
    filterset = FeedbackFilterSet(request.GET or None, queryset=rows, request=request)
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else rows
    trend = selectors.feedback_trends(rows)
    if request.GET.get("export") in ("csv", "xlsx"):
        headers = [_("Product or category"), *[str(label) for _k, label in trend.kinds], _("Total")]
        table = [[r["subject"], *r["counts"], r["total"]] for r in trend.by_subject]
        return export_response(
            headers=headers, rows=table, fmt=request.GET["export"], filename=_("feedback-trends")
        )
    return render(
        request,
        "feedback/trends.html",
        {
            "title": _("Feedback trends"),
            "trend": trend,
            "chart": trend_chart(trend) if trend.months else None,
            "filter": filterset,
        },
    )
