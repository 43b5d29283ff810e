"""Pages of visits and communication: activities and their follow-ups, the partners
overdue a visit, the visit frequency by grade, one's own calendar and its iCalendar feed."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.forms import BaseForm
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from qudao.collaboration import selectors
from qudao.collaboration.filtersets import (
    ActivityFilterSet,
    CompetitorFilterSet,
    CompetitorNoteFilterSet,
    CourseFilterSet,
    EnrolmentFilterSet,
    FollowUpFilterSet,
    RequirementFilterSet,
)
from qudao.collaboration.forms import (
    ActivityForm,
    CompetitorForm,
    CompetitorNoteForm,
    CourseForm,
    EnrolForm,
    FollowUpForm,
    RequirementForm,
    SessionForm,
    VisitFrequencyForm,
)
from qudao.collaboration.ical import calendar_text
from qudao.collaboration.models import (
    Activity,
    Competitor,
    CompetitorNote,
    Course,
    Enrolment,
    EnrolmentStatus,
    FollowUp,
    TrainingRequirement,
    TrainingSession,
    VisitFrequency,
)
from qudao.collaboration.services import (
    activity_create,
    activity_update,
    competitor_create,
    competitor_note_create,
    competitor_note_update,
    competitor_update,
    course_create,
    course_update,
    enrolment_create,
    enrolment_record,
    follow_up_add,
    follow_up_done,
    requirement_create,
    requirement_update,
    session_create,
    session_update,
    visit_frequencies_save,
)
from qudao.collaboration.tables import (
    ActivityTable,
    CompetitorNoteTable,
    CompetitorTable,
    CourseTable,
    EnrolmentTable,
    FollowUpTable,
    RequirementTable,
)
from qudao.core.choices import Role
from qudao.core.permissions import can_change, is_partner_user, restrict
from qudao.core.selectors import history_for
from qudao.core.views import (
    ObjectEditView,
    ObjectListView,
    attachment_response,
    export_response,
    int_param,
    refuse,
)
from qudao.partners.models import Partner


class ActivityListView(ObjectListView):
    selector = staticmethod(selectors.activity_list)
    filterset_class = ActivityFilterSet
    table_class = ActivityTable
    model = Activity
    title = gettext_lazy("Activities")
    add_url_name = "collaboration:activity_add"
    empty_hint = gettext_lazy("No activities yet — log a visit or a call with “Add” above.")
    internal_columns = ("open_follow_ups", "shared_with_partner")


class ActivityEditView(ObjectEditView):
    model = Activity
    form_class = ActivityForm
    create_service = staticmethod(activity_create)
    update_service = staticmethod(activity_update)
    instance_kw = "activity"

    def get_form(
        self, request: HttpRequest, instance: models.Model | None, data: Any = None
    ) -> BaseForm:
        initial: dict[str, Any] = {}
        if instance is None:
            partner = restrict(Partner.objects.all(), request.user, "change").filter(
                pk=int_param(request.GET.get("partner"))
            )
            initial = {
                "partner": partner.first(),
                "starts_at": timezone.localtime().replace(minute=0, second=0, microsecond=0),
                "owner": request.user,
            }
        form_instance = copy.copy(instance) if instance is not None else None
        return ActivityForm(data, instance=form_instance, initial=initial, user=request.user)


@login_required
@require_http_methods(["GET", "POST"])
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An activity with its follow-ups; its managers add follow-ups here."""
    activity = get_object_or_404(selectors.activity_list(user=request.user), pk=pk)
    editable = restrict(Activity.objects.filter(pk=pk), request.user, "change").exists()
    form = FollowUpForm(request.POST or None, initial={"owner": request.user})
    if request.method == "POST":
        if not editable:
            refuse(request)
        if form.is_valid():
            try:
                follow_up_add(activity=activity, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Follow-up added."))
                return redirect(activity.get_absolute_url())
    internal = not is_partner_user(request.user)
    return render(
        request,
        "collaboration/activity_detail.html",
        {
            "activity": activity,
            "title": str(activity),
            "staff": activity.staff.all(),
            "contacts": activity.contacts.all(),
            "follow_ups": selectors.follow_up_list(user=request.user).filter(activity=activity)
            if internal
            else [],
            "internal": internal,
            "can_edit": editable,
            "form": form if editable else None,
            "today": timezone.localdate(),
            "history": history_for(activity) if internal else [],
        },
    )


class FollowUpListView(ObjectListView):
    selector = staticmethod(selectors.follow_up_list)
    filterset_class = FollowUpFilterSet
    table_class = FollowUpTable
    model = FollowUp
    title = gettext_lazy("Follow-ups")
    empty_hint = gettext_lazy("No follow-ups — add them on an activity's page.")
    internal = True


@login_required
@require_POST
def follow_up_close(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = get_object_or_404(selectors.follow_up_list(user=request.user), pk=pk)
    try:
        follow_up_done(follow_up=follow_up, actor=request.user)
    except PermissionDenied:
        refuse(request)
    messages.success(request, _("Done: %(task)s.") % {"task": follow_up.task})
    return redirect(request.POST.get("next") or follow_up.activity.get_absolute_url())


@login_required
@require_safe
def visits_overdue(request: HttpRequest) -> HttpResponse:
    if is_partner_user(request.user):
        raise Http404
    rows = selectors.visits_overdue(user=request.user)
    title = _("Visits overdue")
    if request.GET.get("export") in ("csv", "xlsx"):
        return export_response(
            headers=[
                str(_("Partner")),
                str(_("Name")),
                str(_("Grade")),
                str(_("Every (days)")),
                str(_("Last visit")),
                str(_("Due on")),
                str(_("Days overdue")),
                str(_("Owner")),
            ],
            rows=[
                [
                    r.partner.code,
                    r.partner.name,
                    r.partner.grade.name if r.partner.grade else "",
                    r.every_days,
                    r.last_visit,
                    r.due_on,
                    r.days_overdue,
                    str(r.partner.owner or ""),
                ]
                for r in rows
            ],
            fmt=request.GET["export"],
            filename=str(title),
        )
    return render(
        request,
        "collaboration/visits_overdue.html",
        {
            "title": title,
            "rows": rows,
            "rules": VisitFrequency.objects.select_related("grade"),
            "can_log": can_change(request.user, Activity),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_frequency(request: HttpRequest) -> HttpResponse:
    if is_partner_user(request.user):
        raise Http404
    current: dict[int | None, int] = dict(
        VisitFrequency.objects.values_list("grade_id", "every_days")
    )
    form = VisitFrequencyForm(request.POST or None, current=current)
    if request.method == "POST":
        if not can_change(request.user, VisitFrequency):
            raise PermissionDenied
        if form.is_valid():
            try:
                visit_frequencies_save(every_days=form.every_days(), actor=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Saved."))
                return redirect("collaboration:visits_overdue")
    return render(
        request,
        "collaboration/visit_frequency.html",
        {
            "title": _("Visit frequency by grade"),
            "form": form,
            "can_edit": can_change(request.user, VisitFrequency),
        },
    )


def _month(text: str | None) -> date:
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        return date(year, month, 1) if 2000 <= year <= 2100 else today.replace(day=1)
    except ValueError:
        return today.replace(day=1)


@login_required
@require_safe
def calendar_view(request: HttpRequest) -> HttpResponse:
    """One's own activities (owned or attended), a month at a time."""
    if is_partner_user(request.user):
        raise Http404
    first = _month(request.GET.get("month"))
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return render(
        request,
        "collaboration/calendar.html",
        {
            "title": _("My calendar"),
            "month": first,
            "previous": previous,
            "following": following,
            "weeks": selectors.calendar_month(
                user=request.user, year=first.year, month=first.month
            ),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_safe
def calendar_ics(request: HttpRequest) -> HttpResponse:
    """One's own activities from 90 days back, as an iCalendar file to subscribe to or
    import (Outlook, Google, Apple, DingTalk)."""
    if is_partner_user(request.user):
        raise Http404
    since = timezone.now() - timedelta(days=90)
    activities = selectors.own_activities(user=request.user).filter(starts_at__gte=since)
    text = calendar_text(activities, host=request.get_host(), name=str(_("Qudao activities")))
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, "qudao-activities.ics") or ""
    return response


# --- training and certification ---------------------------------------------------------------


class CourseListView(ObjectListView):
    selector = staticmethod(selectors.course_list)
    filterset_class = CourseFilterSet
    table_class = CourseTable
    model = Course
    title = gettext_lazy("Courses")
    add_url_name = "collaboration:course_add"
    empty_hint = gettext_lazy("No courses yet — add one with “Add” above.")


class CourseEditView(ObjectEditView):
    model = Course
    form_class = CourseForm
    create_service = staticmethod(course_create)
    update_service = staticmethod(course_update)
    instance_kw = "course"


@login_required
@require_safe
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(selectors.course_list(user=request.user), pk=pk)
    return render(
        request,
        "collaboration/course_detail.html",
        {
            "course": course,
            "title": course.name,
            "materials": course.materials.all(),
            "sessions": selectors.session_list(user=request.user).filter(course=course),
            "requirements": selectors.requirement_list(user=request.user).filter(course=course),
            "can_edit": can_change(request.user, Course),
        },
    )


@login_required
@require_safe
def course_material(request: HttpRequest, pk: int, material_pk: int) -> FileResponse:
    course = get_object_or_404(selectors.course_list(user=request.user), pk=pk)
    material = get_object_or_404(course.materials.all(), pk=material_pk)
    return attachment_response(material.file, material.name)


class SessionEditView(ObjectEditView):
    model = TrainingSession
    form_class = SessionForm
    create_service = staticmethod(session_create)
    update_service = staticmethod(session_update)
    instance_kw = "session"

    def get_form(
        self, request: HttpRequest, instance: models.Model | None, data: Any = None
    ) -> BaseForm:
        initial = {}
        if instance is None:
            initial["course"] = Course.objects.filter(
                pk=int_param(request.GET.get("course"))
            ).first()
        form_instance = copy.copy(instance) if instance is not None else None
        return SessionForm(data, instance=form_instance, initial=initial, user=request.user)


def _may_enrol(user: Any) -> bool:
    return can_change(user, Enrolment) or (
        is_partner_user(user) and user.has_role(Role.PARTNER_ADMIN)
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A session with the people enrolled (partners' staff: their own); enrol someone —
    the brand's managers anyone in scope, a partner's admin its own people — and, for the
    brand, record how each went."""
    session = get_object_or_404(selectors.session_list(user=request.user), pk=pk)
    form = EnrolForm(request.POST or None, user=request.user)
    if request.method == "POST":
        action = request.POST.get("action", "enrol")
        try:
            if action == "enrol":
                if not _may_enrol(request.user):
                    refuse(request)
                if form.is_valid():
                    enrolment_create(
                        session=session, contact=form.cleaned_data["contact"], actor=request.user
                    )
                    messages.success(
                        request,
                        _("%(name)s is enrolled.") % {"name": form.cleaned_data["contact"].name},
                    )
                    return redirect(session.get_absolute_url())
            else:
                enrolment = get_object_or_404(
                    selectors.enrolment_list(user=request.user).filter(session=session),
                    pk=int_param(request.POST.get("enrolment")),
                )
                enrolment_record(enrolment=enrolment, status=action, actor=request.user)
                messages.success(request, _("Recorded."))
                return redirect(session.get_absolute_url())
        except PermissionDenied:
            refuse(request)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return render(
        request,
        "collaboration/session_detail.html",
        {
            "session": session,
            "title": str(session),
            "enrolments": selectors.enrolment_list(user=request.user).filter(session=session),
            "taken": session.enrolments.exclude(status=EnrolmentStatus.REFUSED).count(),
            "form": form
            if _may_enrol(request.user) and session.starts_at > timezone.now()
            else None,
            "can_record": can_change(request.user, Enrolment),
            "statuses": [s for s in EnrolmentStatus if s != EnrolmentStatus.ENROLLED],
        },
    )


class EnrolmentListView(ObjectListView):
    selector = staticmethod(selectors.enrolment_list)
    filterset_class = EnrolmentFilterSet
    table_class = EnrolmentTable
    model = Enrolment
    title = gettext_lazy("Training records")
    empty_hint = gettext_lazy("No training records yet — enrol people on a session's page.")


class RequirementListView(ObjectListView):
    selector = staticmethod(selectors.requirement_list)
    filterset_class = RequirementFilterSet
    table_class = RequirementTable
    model = TrainingRequirement
    title = gettext_lazy("Training requirements")
    add_url_name = "collaboration:requirement_add"
    empty_hint = gettext_lazy(
        "No requirements yet — e.g. grade A needs two people certified in a course."
    )


class RequirementEditView(ObjectEditView):
    model = TrainingRequirement
    form_class = RequirementForm
    create_service = staticmethod(requirement_create)
    update_service = staticmethod(requirement_update)
    instance_kw = "requirement"


@login_required
@require_safe
def training_compliance(request: HttpRequest) -> HttpResponse:
    """Each partner against its grade's training requirements; gaps first."""
    rows = selectors.training_compliance(user=request.user)
    title = _("Training compliance")
    if request.GET.get("export") in ("csv", "xlsx"):
        return export_response(
            headers=[
                str(_("Partner")),
                str(_("Name")),
                str(_("Grade")),
                str(_("Course")),
                str(_("Needed")),
                str(_("Certified")),
                str(_("Gap")),
            ],
            rows=[
                [
                    r.partner.code,
                    r.partner.name,
                    r.partner.grade.name if r.partner.grade else "",
                    r.course.code,
                    r.needed,
                    r.certified,
                    r.gap,
                ]
                for r in rows
            ],
            fmt=request.GET["export"],
            filename=str(title),
        )
    return render(request, "collaboration/training_compliance.html", {"title": title, "rows": rows})


# --- competitor notes -------------------------------------------------------------------------


class CompetitorListView(ObjectListView):
    internal = True
    selector = staticmethod(selectors.competitor_list)
    filterset_class = CompetitorFilterSet
    table_class = CompetitorTable
    model = Competitor
    title = gettext_lazy("Competitors")
    add_url_name = "collaboration:competitor_add"
    empty_hint = gettext_lazy("No competitors yet — add one with “Add” above.")


class CompetitorEditView(ObjectEditView):
    model = Competitor
    form_class = CompetitorForm
    create_service = staticmethod(competitor_create)
    update_service = staticmethod(competitor_update)
    instance_kw = "competitor"


class CompetitorNoteListView(ObjectListView):
    internal = True
    selector = staticmethod(selectors.competitor_note_list)
    filterset_class = CompetitorNoteFilterSet
    table_class = CompetitorNoteTable
    model = CompetitorNote
    title = gettext_lazy("Competitor notes")
    add_url_name = "collaboration:competitor_note_add"
    empty_hint = gettext_lazy(
        "No competitor notes yet — record a channel policy, a price or a promotion seen."
    )


class CompetitorNoteEditView(ObjectEditView):
    model = CompetitorNote
    form_class = CompetitorNoteForm
    create_service = staticmethod(competitor_note_create)
    update_service = staticmethod(competitor_note_update)
    instance_kw = "note"

    def get_form(
        self, request: HttpRequest, instance: models.Model | None, data: Any = None
    ) -> BaseForm:
        initial: dict[str, Any] = {}
        if instance is None:
            initial["observed_on"] = timezone.localdate()
            partner = (
                Partner.objects.restrict(request.user)
                .filter(pk=int_param(request.GET.get("partner")))
                .first()
            )
            if partner is not None:
                initial.update(partner=partner, region=partner.home_region)
        form_instance = copy.copy(instance) if instance is not None else None
        return CompetitorNoteForm(data, instance=form_instance, initial=initial, user=request.user)
