"""Pages of recruitment: the public application form, the applicants and their funnel, the
entry thresholds. Views stay thin: who may do what is the services' to say."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.forms import BaseForm
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from qudao.core.auth import client_address
from qudao.core.mail import sends_mail
from qudao.core.permissions import Action, can_change, is_partner_user, restrict
from qudao.core.selectors import history_for
from qudao.core.templatetags.qudao import money
from qudao.core.views import (
    ObjectEditView,
    ObjectListView,
    attachment_response,
    export_filename,
    export_response,
    int_param,
    refuse,
)
from qudao.partners.models import ChannelModel
from qudao.recruitment import scoring, selectors
from qudao.recruitment.charts import funnel_chart, pilot_chart
from qudao.recruitment.choices import FUNNEL, NEXT_STAGES, Stage
from qudao.recruitment.filtersets import ApplicantFilterSet, PilotFilterSet
from qudao.recruitment.forms import (
    ApplicantForm,
    ApplicationForm,
    ControlForm,
    DecisionForm,
    EntryModelForm,
    GoalForm,
    PilotForm,
    SignForm,
    StageForm,
)
from qudao.recruitment.models import Applicant, EntryModel, Pilot
from qudao.recruitment.services import (
    applicant_create,
    applicant_document_add,
    applicant_move,
    applicant_rescore,
    applicant_sign,
    applicant_update,
    application_rate_exceeded,
    application_submit,
    entry_model_save,
    may_propose,
    pilot_control_set,
    pilot_control_suggest,
    pilot_create,
    pilot_decide,
    pilot_goal_set,
    pilot_update,
)
from qudao.recruitment.tables import ApplicantTable, PilotTable
from qudao.territories.models import Region

# --- the public application -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    """Anyone may apply, signed in or not. A flood from one address is refused (429); a
    form a robot filled in (the hidden trap field) is thanked and dropped."""
    form = ApplicationForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        address = client_address(request)
        if application_rate_exceeded(address):
            form.add_error(
                None,
                _(
                    "We have received several applications from your network in the last hour. "
                    "Please try again later, or write to us."
                ),
            )
            status = 429
        elif form.is_valid():
            if form.is_robot:
                return redirect("apply_thanks")
            data = {k: v for k, v in form.cleaned_data.items() if k not in ("documents", "website")}
            try:
                _applicant, mailed = application_submit(
                    data=data,
                    documents=form.cleaned_data["documents"],
                    address=address,
                    language=translation.get_language() or "",
                )
            except ValidationError as exc:
                _errors_onto(form, exc)
            else:
                return redirect(reverse("apply_thanks") + ("?mailed=1" if mailed else ""))
    return render(
        request,
        "recruitment/apply.html",
        {"form": form, "title": _("Become a partner")},
        status=status,
    )


@require_safe
def apply_thanks(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "recruitment/apply_thanks.html",
        {"title": _("Thank you"), "mailed": request.GET.get("mailed") == "1" and sends_mail()},
    )


def _errors_onto(form: BaseForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# --- applicants -----------------------------------------------------------------------------------


class ApplicantListView(ObjectListView):
    selector = staticmethod(selectors.applicant_list)
    filterset_class = ApplicantFilterSet
    table_class = ApplicantTable
    model = Applicant
    title = gettext_lazy("Applicants")
    add_url_name = "recruitment:applicant_add"
    empty_hint = gettext_lazy(
        "No applicants yet — companies apply through the public form at /apply/, or add one "
        "with “Add” above."
    )
    internal_columns = ("score", "passed")

    def may_add(self, request: HttpRequest) -> bool:
        return may_propose(request.user)


class ApplicantEditView(ObjectEditView):
    """Add or edit an applicant: the funnel's staff, or a partner's admin for the
    applicants its company proposes."""

    model = Applicant
    form_class = ApplicantForm
    create_service = staticmethod(applicant_create)
    update_service = staticmethod(applicant_update)
    instance_kw = "applicant"

    def get_object(self, request: HttpRequest, pk: int | None) -> models.Model | None:
        if pk is None:
            if not may_propose(request.user):
                refuse(request)
            return None
        action: Action = "view" if is_partner_user(request.user) else "change"
        applicant = get_object_or_404(
            restrict(Applicant.objects.all(), request.user, action), pk=pk
        )
        if is_partner_user(request.user) and not may_propose(request.user):
            raise Http404
        return applicant

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return super().dispatch(request, *args, **kwargs)
        except PermissionDenied:
            refuse(request)


def _applicant(request: HttpRequest, pk: int) -> Applicant:
    try:
        return selectors.applicant_get(user=request.user, pk=pk)
    except Applicant.DoesNotExist:
        raise Http404 from None


@login_required
@require_safe
def applicant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    applicant = _applicant(request, pk)
    staff_edits = restrict(Applicant.objects.filter(pk=pk), request.user, "change").exists()
    context: dict[str, Any] = {
        "applicant": applicant,
        "title": applicant.company,
        "regions": selectors.applicant_regions(applicant),
        "timeline": selectors.applicant_timeline(user=request.user, applicant=applicant),
        "documents": applicant.documents.all(),
        "history": history_for(applicant),
        "can_edit": staff_edits or (is_partner_user(request.user) and may_propose(request.user)),
        "can_move": staff_edits and applicant.stage != Stage.SIGNED,
        "can_sign": staff_edits and Stage.SIGNED in NEXT_STAGES.get(applicant.stage, ()),
        "shows_scores": selectors.shows_scores(request.user),
        "stages": FUNNEL,
    }
    if context["can_move"]:
        context["stage_form"] = StageForm(applicant=applicant)
    if context["shows_scores"]:
        scores = list(selectors.applicant_scores(user=request.user, applicant=applicant))
        current = next((s for s in scores if s.current), None)
        context["score"] = current
        context["score_rows"] = _score_rows(current) if current else []
        context["knock_outs"] = [knock_out_label(k) for k in current.knock_outs] if current else []
        context["earlier_scores"] = [s for s in scores if not s.current]
        context["entry_model"] = selectors.entry_model_current(applicant.channel_model_id)
    return render(request, "recruitment/applicant_detail.html", context)


KNOCK_OUT_LABELS = {
    "competing_exclusive": gettext_lazy("Exclusive with a competing brand"),
    "credit_check": gettext_lazy("Failed the credit check"),
}


MONEY_MEASURES = frozenset({"registered_capital", "sales_last_year"})


def _score_rows(score: Any) -> list[dict[str, Any]]:
    """Each criterion of a score with its label, unit and value as people read it."""
    rows = []
    for line in score.breakdown:
        measure = scoring.MEASURE_BY_KEY.get(line["measure"])
        value = line["value"]
        if value is None:
            shown = None
        elif line["measure"] in MONEY_MEASURES:
            shown = money(Decimal(value))
        else:
            shown = f"{Decimal(value).normalize():f}"
        rows.append(
            {
                **line,
                "label": measure.label if measure else line["measure"],
                "unit": measure.unit if measure else "",
                "shown": shown,
            }
        )
    return rows


def knock_out_label(key: str) -> str:
    if key in KNOCK_OUT_LABELS:
        return str(KNOCK_OUT_LABELS[key])
    measure = scoring.MEASURE_BY_KEY.get(key)
    return str(_("%(measure)s below the minimum") % {"measure": measure.label if measure else key})


@login_required
@require_POST
def applicant_stage(request: HttpRequest, pk: int) -> HttpResponse:
    applicant = _applicant(request, pk)
    form = StageForm(request.POST, applicant=applicant)
    try:
        if not form.is_valid():
            raise ValidationError(_("This stage change is not allowed."))
        applicant_move(
            applicant=applicant,
            stage=form.cleaned_data["stage"],
            note=form.cleaned_data["note"],
            actor=request.user,
        )
    except PermissionDenied:
        refuse(request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Moved."))
    return redirect(applicant.get_absolute_url())


@login_required
@require_POST
def applicant_score(request: HttpRequest, pk: int) -> HttpResponse:
    """Score again now (the white space may have changed since)."""
    applicant = _applicant(request, pk)
    try:
        score = applicant_rescore(
            applicant=applicant, reason=_("scored again by hand"), actor=request.user
        )
    except PermissionDenied:
        refuse(request)
    if score is None:
        messages.error(request, _("This channel model has no entry thresholds yet."))
    else:
        messages.success(request, _("Scored: %(score)s.") % {"score": score.score})
    return redirect(applicant.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
def applicant_sign_view(request: HttpRequest, pk: int) -> HttpResponse:
    applicant = _applicant(request, pk)
    if not restrict(Applicant.objects.filter(pk=pk), request.user, "change").exists():
        refuse(request)
    form = SignForm(request.POST or None, initial={"name_en": applicant.company})
    if request.method == "POST" and form.is_valid():
        try:
            partner = applicant_sign(applicant=applicant, actor=request.user, **form.cleaned_data)
        except PermissionDenied:
            refuse(request)
        except ValidationError as exc:
            _errors_onto(form, exc)
        else:
            messages.success(
                request, _("Signed: %(partner)s is an active partner.") % {"partner": partner}
            )
            return redirect(partner.get_absolute_url())
    return render(
        request,
        "recruitment/applicant_sign.html",
        {
            "applicant": applicant,
            "form": form,
            "regions": selectors.applicant_regions(applicant),
            "title": _("Sign %(company)s") % {"company": applicant.company},
        },
    )


@login_required
@require_POST
def applicant_documents(request: HttpRequest, pk: int) -> HttpResponse:
    applicant = _applicant(request, pk)
    try:
        applicant_document_add(
            applicant=applicant, documents=request.FILES.getlist("documents"), actor=request.user
        )
    except PermissionDenied:
        refuse(request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(applicant.get_absolute_url())


@login_required
@require_safe
def applicant_document(request: HttpRequest, pk: int, document_pk: int) -> FileResponse:
    applicant = _applicant(request, pk)
    document = get_object_or_404(applicant.documents.all(), pk=document_pk)
    return attachment_response(document.file, document.name)


# --- the funnel -----------------------------------------------------------------------------------


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@login_required
@require_safe
def funnel(request: HttpRequest) -> HttpResponse:
    if is_partner_user(request.user):
        raise Http404
    region = Region.objects.filter(pk=int_param(request.GET.get("region"))).first()
    channel_model = ChannelModel.objects.filter(
        pk=int_param(request.GET.get("channel_model"))
    ).first()
    applied_from = _date(request.GET.get("from"))
    applied_to = _date(request.GET.get("to"))
    figures = selectors.recruitment_funnel(
        user=request.user,
        region=region,
        channel_model=channel_model,
        applied_from=applied_from,
        applied_to=applied_to,
    )
    title = _("Recruitment funnel")
    if request.GET.get("export") in ("csv", "xlsx"):
        headers, rows = _funnel_export(figures)
        return export_response(
            headers=headers,
            rows=rows,
            fmt=request.GET["export"],
            filename=export_filename(title, request),
        )
    return render(
        request,
        "recruitment/funnel.html",
        {
            "title": title,
            "figures": figures,
            "chart": funnel_chart(figures.steps) if figures.applicants else None,
            "regions": [
                (r.pk, "\u3000" * (r.depth - 1) + r.name) for r in Region.objects.order_by("path")
            ],
            "channel_models": ChannelModel.objects.all(),
            "region": region,
            "channel_model": channel_model,
            "applied_from": applied_from,
            "applied_to": applied_to,
            "stages": FUNNEL,
            "ancestors": _ancestors(region),
        },
    )


def _ancestors(region: Region | None) -> list[Region]:
    if region is None:
        return []
    ids = [int(pk) for pk in region.path.strip("/").split("/") if pk]
    by_id = Region.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def _funnel_export(figures: selectors.Funnel) -> tuple[list[str], list[list[Any]]]:
    """One sheet: the steps, then the groups by region and by channel model."""
    headers = [
        str(_("Table")),
        str(_("Row")),
        *[str(Stage(s).label) for s in FUNNEL],
        str(_("Rejected")),
        str(_("Conversion to next, per cent")),
        str(_("Median days in stage")),
    ]
    rows: list[list[Any]] = []
    for step in figures.steps:
        rows.append(
            [
                str(_("Funnel")),
                str(step.stage.label),
                *[step.reached if s == step.stage else None for s in FUNNEL],
                step.rejected_here,
                step.conversion,
                step.median_days,
            ]
        )
    for table, groups in (
        (_("By region"), figures.by_region),
        (_("By channel model"), figures.by_channel_model),
    ):
        for group in groups:
            rows.append(
                [
                    str(table),
                    group.label,
                    *group.reached,
                    group.rejected,
                    group.signed_rate,
                    group.median_days_to_sign,
                ]
            )
    return headers, rows


# --- entry thresholds ---------------------------------------------------------------------------


@login_required
@require_safe
def entry_model_list(request: HttpRequest) -> HttpResponse:
    if is_partner_user(request.user):
        raise Http404
    return render(
        request,
        "recruitment/entry_model_list.html",
        {
            "title": _("Entry thresholds"),
            "rows": selectors.entry_model_list(user=request.user),
            "can_edit": can_change(request.user, EntryModel),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def entry_model_edit(request: HttpRequest, channel_model_pk: int) -> HttpResponse:
    if is_partner_user(request.user):
        raise Http404
    channel_model = get_object_or_404(ChannelModel.objects.all(), pk=channel_model_pk)
    current = selectors.entry_model_current(channel_model)
    if request.method == "POST" and not can_change(request.user, EntryModel):
        raise PermissionDenied
    criteria = current.criteria if current else list(scoring.DEFAULT_CRITERIA)
    form = EntryModelForm(
        request.POST or None,
        criteria=criteria,
        initial={
            "pass_score": current.pass_score if current else scoring.DEFAULT_PASS_SCORE,
            "knock_out_competing_exclusive": current.knock_out_competing_exclusive
            if current
            else True,
            "knock_out_failed_credit": current.knock_out_failed_credit if current else True,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            model, rescored = entry_model_save(
                channel_model=channel_model,
                pass_score=data["pass_score"],
                criteria=form.criteria(),
                knock_out_competing_exclusive=data["knock_out_competing_exclusive"],
                knock_out_failed_credit=data["knock_out_failed_credit"],
                note=data["note"],
                actor=request.user,
            )
        except ValidationError as exc:
            _errors_onto(form, exc)
        else:
            messages.success(
                request,
                _("Saved as version %(version)d; %(count)d open applicants scored again.")
                % {"version": model.version, "count": rescored},
            )
            return redirect("recruitment:entry_model_edit", channel_model.pk)
    return render(
        request,
        "recruitment/entry_model_edit.html",
        {
            "title": _("Entry thresholds: %(model)s") % {"model": channel_model.name},
            "channel_model": channel_model,
            "current": current,
            "form": form,
            "versions": selectors.entry_model_versions(
                user=request.user, channel_model=channel_model
            ),
            "can_edit": can_change(request.user, EntryModel),
        },
    )


# --- pilots -------------------------------------------------------------------------------------


class PilotListView(ObjectListView):
    selector = staticmethod(selectors.pilot_list)
    filterset_class = PilotFilterSet
    table_class = PilotTable
    model = Pilot
    title = gettext_lazy("Pilots")
    add_url_name = "recruitment:pilot_add"
    empty_hint = gettext_lazy(
        "No pilots yet — try a channel, a model or a policy with a few partners first."
    )
    internal = True


class PilotEditView(ObjectEditView):
    model = Pilot
    form_class = PilotForm
    create_service = staticmethod(pilot_create)
    update_service = staticmethod(pilot_update)
    instance_kw = "pilot"


@login_required
@require_http_methods(["GET", "POST"])
def pilot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The pilot's evaluation: its partners against their goals and the control group,
    period by period; the control group chosen (or suggested); the decision recorded."""
    pilot = get_object_or_404(selectors.pilot_list(user=request.user), pk=pk)
    editable = can_change(request.user, Pilot)
    control_form = ControlForm(user=request.user)
    goal_form = GoalForm()
    decision_form = DecisionForm()
    if request.method == "POST":
        if not editable:
            refuse(request)
        action = request.POST.get("action")
        try:
            if action == "suggest":
                chosen = pilot_control_suggest(pilot=pilot)
                pilot_control_set(pilot=pilot, partners=chosen, actor=request.user)
                messages.success(
                    request,
                    _("Control group suggested: %(count)d comparable partners.")
                    % {"count": len(chosen)},
                )
                return redirect(pilot.get_absolute_url())
            if action == "control":
                control_form = ControlForm(request.POST, user=request.user)
                if control_form.is_valid():
                    pilot_control_set(
                        pilot=pilot,
                        partners=control_form.cleaned_data["partners"],
                        actor=request.user,
                    )
                    return redirect(pilot.get_absolute_url())
            elif action == "goal":
                goal_form = GoalForm(request.POST)
                if goal_form.is_valid():
                    pilot_goal_set(pilot=pilot, actor=request.user, **goal_form.cleaned_data)
                    return redirect(pilot.get_absolute_url())
            elif action == "decide":
                decision_form = DecisionForm(request.POST)
                if decision_form.is_valid():
                    pilot_decide(pilot=pilot, actor=request.user, **decision_form.cleaned_data)
                    messages.success(request, _("Decision recorded."))
                    return redirect(pilot.get_absolute_url())
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    evaluation = selectors.pilot_evaluation(pilot=pilot, user=request.user)
    control_form.fields["partners"].initial = [p.pk for p in evaluation["control_members"]]
    return render(
        request,
        "recruitment/pilot_detail.html",
        {
            "pilot": pilot,
            "title": str(pilot),
            **evaluation,
            "chart": pilot_chart(evaluation["results"][0], evaluation["periods"])
            if evaluation["results"] and evaluation["periods"]
            else None,
            "can_edit": editable,
            "control_form": control_form,
            "goal_form": goal_form,
            "decision_form": decision_form,
            "history": history_for(pilot),
        },
    )
