from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from qudao.core.choices import Role
from qudao.core.permissions import can_change, is_partner_user, restrict
from qudao.core.views import ObjectEditView, ObjectListView, attachment_response, export_response
from qudao.governance import selectors
from qudao.governance.charts import receivable_ageing, violation_trend
from qudao.governance.filtersets import (
    ComplaintFilterSet,
    ComplianceItemFilterSet,
    ImprovementPlanFilterSet,
    RiskFlagFilterSet,
    RiskProfileFilterSet,
    ViolationFilterSet,
)
from qudao.governance.forms import (
    UNIT_WORDS,
    ComplaintForm,
    ComplianceItemForm,
    PlanForm,
    RuleSettingForm,
    ViolationCommentForm,
    ViolationConfirmForm,
    ViolationInvestigateForm,
)
from qudao.governance.models import (
    Complaint,
    ComplianceItem,
    FlagStatus,
    ImprovementPlan,
    PlanStatus,
    RiskFlag,
    RiskLevel,
    RiskProfile,
    RiskRuleSetting,
    Violation,
    ViolationStatus,
    ViolationType,
)
from qudao.governance.risk import COMPONENTS
from qudao.governance.rules import RULE_BY_ID, RULES_WAITING_FOR_DATA, DetectorSetting, Rule
from qudao.governance.services import (
    complaint_create,
    complaint_update,
    compliance_item_create,
    compliance_item_update,
    parameter_problem,
    penalty_decide,
    plan_close,
    plan_create,
    plan_decide_termination,
    risk_alert_acknowledge,
    risk_profiles_refresh,
    rule_setting_save,
    violation_assignee_may_take,
    violation_close,
    violation_comment_add,
    violation_confirm,
    violation_dismiss,
    violation_investigate,
)
from qudao.governance.tables import (
    ComplaintTable,
    ComplianceItemTable,
    ImprovementPlanTable,
    RiskFlagTable,
    RiskProfileTable,
    ViolationTable,
)
from qudao.partners.models import Partner


def _is_director(user: Any) -> bool:
    """Ending a partnership is the channel director's decision (the manager proposes)."""
    return bool(user.is_superuser or user.has_role(Role.CHANNEL_DIRECTOR))


class RiskFlagListView(ObjectListView):
    selector = staticmethod(selectors.risk_flag_list)
    filterset_class = RiskFlagFilterSet
    table_class = RiskFlagTable
    model = RiskFlag
    title = gettext_lazy("At-risk partners")
    empty_hint = gettext_lazy(
        "No flags for these filters — the review raises them when a rule's condition holds."
    )


class ImprovementPlanListView(ObjectListView):
    selector = staticmethod(selectors.plan_list)
    filterset_class = ImprovementPlanFilterSet
    table_class = ImprovementPlanTable
    model = ImprovementPlan
    title = gettext_lazy("Improvement plans")
    empty_hint = gettext_lazy("No improvement plans — start one from a flag on the at-risk list.")


@login_required
def plan_add(request: HttpRequest) -> HttpResponse:
    partner = get_object_or_404(
        restrict(Partner.objects.all(), request.user, "view"), pk=request.GET.get("partner") or 0
    )
    if not can_change(request.user, ImprovementPlan):
        raise PermissionDenied
    today = timezone.localdate()
    open_flags = RiskFlag.objects.filter(partner=partner, status=FlagStatus.OPEN)
    rules = {f.rule: RULE_BY_ID[f.rule] for f in open_flags if f.rule in RULE_BY_ID}
    suggested = "\n".join(f"- {rule.suggested_actions()}" for rule in rules.values())
    form = PlanForm(
        request.POST or None,
        partner=partner,
        user=request.user,
        initial={
            "flags": list(open_flags),
            "owner": partner.owner or request.user,
            "actions": suggested,
            "due_date": today + timedelta(days=90),
            "follow_up_date": today + timedelta(days=30),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            plan = plan_create(partner=partner, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return redirect(plan.get_absolute_url())
    return render(
        request,
        "governance/plan_form.html",
        {
            "form": form,
            "partner": partner,
            "title": _("Improvement plan for %(code)s") % {"code": partner.code},
        },
    )


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(selectors.plan_list(user=request.user), pk=pk)
    if request.method == "POST":
        editable = restrict(ImprovementPlan.objects.filter(pk=pk), request.user, "change").exists()
        action = request.POST.get("action", "")
        director = _is_director(request.user)
        if not editable or (action in ("terminate", "keep") and not director):
            raise PermissionDenied
        try:
            if action in ("succeeded", "failed"):
                plan_close(
                    plan=plan,
                    succeeded=action == "succeeded",
                    outcome=request.POST.get("outcome", ""),
                    actor=request.user,
                )
            elif action in ("terminate", "keep"):
                plan_decide_termination(
                    plan=plan,
                    terminate=action == "terminate",
                    actor=request.user,
                    note=request.POST.get("outcome", ""),
                )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(plan.get_absolute_url())
    flags = plan.flags.all()
    return render(
        request,
        "governance/plan_detail.html",
        {
            "plan": plan,
            "title": str(_("Improvement plan %(id)d") % {"id": plan.pk}),
            "flags": [(f, f.rule_definition, selectors.evidence_text(f)) for f in flags],
            "can_close": plan.status == PlanStatus.ACTIVE
            and can_change(request.user, ImprovementPlan),
            "can_decide": plan.status == PlanStatus.TERMINATION_PROPOSED
            and _is_director(request.user),
            "history": plan.history.select_related("history_user")[:20],
        },
    )


@login_required
@require_safe
def rule_list(request: HttpRequest) -> HttpResponse:
    """The rules, their parameters and whether they run; directors open each to change it.
    Partners never see the thresholds (404)."""
    if is_partner_user(request.user):
        raise Http404
    rows = [
        {
            "rule": rule,
            "enabled": enabled,
            "explained": rule.explain(params),
            "parameters": _parameters_shown(rule, params),
        }
        for rule, params, enabled in selectors.rule_states(user=request.user)
    ]
    return render(
        request,
        "governance/rule_list.html",
        {
            "title": _("At-risk and exit rules"),
            "rows": rows,
            "editable": can_change(request.user, RiskRuleSetting),
            "waiting": RULES_WAITING_FOR_DATA,
            "detectors": [
                {
                    "setting": setting,
                    "explained": setting.explain(params),
                    "parameters": _parameters_shown(setting, params),
                }
                for setting, params in selectors.detector_states(user=request.user)
            ],
        },
    )


def _parameters_shown(definition: Rule | DetectorSetting, params: dict[str, Any]) -> list[Any]:
    """Each parameter as a person reads it: its name, and its value with its unit."""
    shown = []
    for name, spec in definition.parameters.items():
        value = params.get(name, definition.defaults[name])
        text = f"{value * 100:g} %" if spec.unit == "rate" else f"{value:g} {UNIT_WORDS[spec.unit]}"
        shown.append((spec.label, text.strip()))
    return shown


def _rule_setting(
    request: HttpRequest, rule_id: str
) -> tuple[Rule | DetectorSetting, dict[str, Any], bool]:
    """The rule or detector named in the URL with its parameters in force — for those who
    change rules (others: 403; partners: 404, they never see the rules)."""
    if is_partner_user(request.user):
        raise Http404
    if not can_change(request.user, RiskRuleSetting):
        raise PermissionDenied
    for rule, params, enabled in selectors.rule_states(user=request.user):
        if rule.id == rule_id:
            return rule, params, enabled
    for setting, params in selectors.detector_states(user=request.user):
        if setting.id == rule_id:
            return setting, params, True
    raise Http404


@login_required
def rule_edit(request: HttpRequest, rule_id: str) -> HttpResponse:
    definition, params, enabled = _rule_setting(request, rule_id)
    form = RuleSettingForm(
        request.POST or None, definition=definition, parameters=params, enabled=enabled
    )
    if request.method == "POST" and form.is_valid():
        try:
            rule_setting_save(
                rule=definition.id,
                enabled=form.is_enabled(),
                parameters=form.parameters(),
                actor=request.user,
            )
        except ValidationError as exc:
            for errors in exc.message_dict.values():
                form.add_error(None, errors)
        else:
            messages.success(request, _("Rule saved; the next review uses it."))
            return redirect("governance:rule_list")
    return render(
        request,
        "governance/rule_edit.html",
        {
            "title": definition.name,
            "definition": definition,
            "explained": definition.explain(params),
            "form": form,
            "previewable": isinstance(definition, Rule),
        },
    )


@login_required
@require_POST
def rule_preview(request: HttpRequest, rule_id: str) -> HttpResponse:
    """What the parameters typed so far would flag in the latest reviewed period, against
    the parameters in force — nothing saved (htmx partial)."""
    definition, params, enabled = _rule_setting(request, rule_id)
    if not isinstance(definition, Rule):
        raise Http404
    form = RuleSettingForm(request.POST, definition=definition, parameters=params, enabled=enabled)
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        proposed = form.parameters()
        problem = parameter_problem(proposed, definition)
        if problem:
            context["problem"] = problem
        else:
            context["preview"] = selectors.rule_preview(
                rule=definition, current=params, proposed=proposed, user=request.user
            )
            context["explained"] = definition.explain(proposed)
    return render(request, "governance/_rule_preview.html", context)


class ViolationListView(ObjectListView):
    selector = staticmethod(selectors.violation_list)
    filterset_class = ViolationFilterSet
    table_class = ViolationTable
    model = Violation
    title = gettext_lazy("Violations")
    template_name = "governance/violation_list.html"
    # the offender never learns who was injured (only that its territory was entered)
    internal_columns = ("injured_partner", "assignee")
    empty_hint = gettext_lazy("No violations yet — the detectors run with every review.")
    empty_command = "qudao governance detect PERIOD"

    def extra_context(self, request: HttpRequest) -> dict[str, Any]:
        cases = [
            {
                **case,
                "type_label": ViolationType(case["type"]).label,
                "status_label": ViolationStatus(case["status"]).label,
            }
            for case in selectors.violation_cases_in_my_territory(user=request.user)
        ]
        return {"cases": cases}


@login_required
@require_safe
def violation_breakdown(request: HttpRequest) -> HttpResponse:
    """Violations by region and type, and per quarter: the filters of the list apply."""
    violations = selectors.violation_list(user=request.user)
    filterset = ViolationFilterSet(request.GET or None, queryset=violations, request=request)
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else violations
    try:
        level = min(max(int(request.GET.get("level", "1")), 1), 9)
    except ValueError:
        level = 1
    breakdown = selectors.violation_breakdown(violations=rows, level=level)
    labels = {t.value: t.label for t in ViolationType}
    headers = [_("Region"), *[str(labels[t]) for t in breakdown.types], _("Total"), _("Value")]
    table = [
        [r["region"], *[r.get(t, 0) for t in breakdown.types], r["total"], r["value"]]
        for r in breakdown.rows
    ]
    export = request.GET.get("export")
    if export in ("csv", "xlsx"):
        return export_response(
            headers=[str(h) for h in headers],
            rows=table,
            fmt=export,
            filename=_("violations-by-region"),
        )
    chart = (
        violation_trend(breakdown.trend, title=_("Violations per quarter"))
        if breakdown.trend
        else None
    )
    return render(
        request,
        "governance/violation_breakdown.html",
        {
            "title": _("Violations by region and type"),
            "filter": filterset,
            "headers": headers,
            "rows": table,
            "chart": chart,
            "level": level,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def violation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        violation = selectors.violation_get(user=request.user, pk=pk)
    except Violation.DoesNotExist:
        raise Http404 from None
    if request.method == "POST":
        return _violation_act(request, violation)
    reviewer = violation_assignee_may_take(user=request.user, violation=violation)
    offender_side = is_partner_user(request.user)
    evidence = selectors.violation_evidence(violation=violation, user=request.user)
    if request.GET.get("export") in ("csv", "xlsx"):
        return _evidence_export(violation, evidence, request.GET["export"])
    return render(
        request,
        "governance/violation_detail.html",
        {
            "violation": violation,
            "title": str(_("Violation %(id)d") % {"id": violation.pk}),
            "offender_side": offender_side,
            "evidence": evidence[:EVIDENCE_SHOWN],
            "evidence_more": max(violation.evidence_count - EVIDENCE_SHOWN, 0),
            "penalties": selectors.violation_penalties(violation=violation, user=request.user),
            "comments": selectors.violation_comments(violation=violation, user=request.user),
            "can_work": reviewer,
            "can_decide_penalties": _is_director(request.user),
            "can_comment": reviewer or offender_side,
            "investigate_form": ViolationInvestigateForm(
                violation=violation,
                initial={"assignee": violation.assignee or request.user},
            )
            if reviewer and violation.is_undecided
            else None,
            "confirm_form": ViolationConfirmForm(initial={"rebate_period": violation.period})
            if reviewer and violation.is_undecided
            else None,
            "comment_form": ViolationCommentForm(),
            "history": violation.history.select_related("history_user")[:30],
        },
    )


EVIDENCE_SHOWN = 200
EVIDENCE_COLUMNS = (
    "fact",
    "batch",
    "row",
    "day",
    "region",
    "product",
    "code",
    "time",
    "quantity",
    "value",
)


def _evidence_export(violation: Violation, evidence: Any, fmt: str) -> HttpResponse:
    rows = [
        [e.fact, e.batch_id, e.row, e.day, e.region, e.product, e.code, e.time, e.quantity, e.value]
        for e in evidence
    ]
    return export_response(
        headers=list(EVIDENCE_COLUMNS),
        rows=rows,
        fmt=fmt,
        filename="-".join([_("violation"), str(violation.pk), _("evidence")]),
    )


def _violation_act(request: HttpRequest, violation: Violation) -> HttpResponse:
    """One step of the workflow; the services decide who may take it (403 otherwise)."""
    action = request.POST.get("action", "")
    user = request.user
    try:
        if action == "investigate":
            form: Any = ViolationInvestigateForm(request.POST, violation=violation)
            if not violation_assignee_may_take(user=user, violation=violation):
                raise PermissionDenied
            _valid(form)
            violation_investigate(violation=violation, actor=user, **form.cleaned_data)
            messages.success(request, _("Investigation started."))
        elif action == "confirm":
            form = ViolationConfirmForm(request.POST)
            _valid(form)
            violation_confirm(
                violation=violation,
                penalties=form.penalty_orders(),
                note=form.cleaned_data["note"],
                actor=user,
            )
            messages.success(request, _("Violation confirmed."))
        elif action == "dismiss":
            violation_dismiss(
                violation=violation, reason=request.POST.get("reason", ""), actor=user
            )
            messages.success(request, _("Violation dismissed."))
        elif action == "close":
            violation_close(violation=violation, note=request.POST.get("note", ""), actor=user)
            messages.success(request, _("Violation closed."))
        elif action == "comment":
            form = ViolationCommentForm(request.POST, request.FILES)
            _valid(form)
            violation_comment_add(violation=violation, actor=user, **form.cleaned_data)
            messages.success(request, _("Comment added."))
        elif action in ("approve_penalty", "reject_penalty"):
            penalty = get_object_or_404(
                selectors.violation_penalties(violation=violation, user=user),
                pk=request.POST.get("penalty") or 0,
            )
            penalty_decide(
                penalty=penalty,
                approve=action == "approve_penalty",
                actor=user,
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("Penalty decided."))
        else:
            raise PermissionDenied
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(violation.get_absolute_url())


def _valid(form: Any) -> None:
    if not form.is_valid():
        raise ValidationError([e for errors in form.errors.values() for e in errors])


@login_required
@require_safe
def violation_attachment(request: HttpRequest, pk: int, comment_pk: int) -> FileResponse:
    """A comment's file, for those who may read the comment; always as a download."""
    try:
        violation = selectors.violation_get(user=request.user, pk=pk)
    except Violation.DoesNotExist:
        raise Http404 from None
    comments = selectors.violation_comments(violation=violation, user=request.user)
    comment = next((c for c in comments if c.pk == comment_pk and c.attachment), None)
    if comment is None:
        raise Http404
    return attachment_response(comment.attachment, comment.attachment_name)


# --- partner risk -----------------------------------------------------------------------


class RiskDashboardView(ObjectListView):
    """Partner risk: tiles, receivables by age, the alerts that stand and every profile."""

    selector = staticmethod(selectors.risk_profile_list)
    filterset_class = RiskProfileFilterSet
    table_class = RiskProfileTable
    model = RiskProfile
    title = gettext_lazy("Partner risk")
    template_name = "governance/risk_dashboard.html"
    empty_hint = gettext_lazy("No risk profiles yet — refresh them with “Refresh now”.")
    empty_command = "qudao governance risk"

    def get(self, request: HttpRequest) -> HttpResponse:
        if is_partner_user(request.user):  # the brand's internal view
            raise Http404
        return super().get(request)

    def extra_context(self, request: HttpRequest) -> dict[str, Any]:
        profiles = self.rows
        alerts = selectors.risk_alert_list(user=request.user).filter(
            partner__in=profiles.values("partner")
        )
        summary = selectors.risk_summary(profiles=profiles, alerts=alerts)
        labels = {f.name: str(f.verbose_name) for f in RiskProfile._meta.fields}
        chart = (
            receivable_ageing(
                [(labels[name], amount) for name, amount in summary.ageing],
                title=_("Receivables by age"),
            )
            if summary.exposure
            else None
        )
        return {
            "summary": summary,
            "levels": [(level, summary.by_level[level.value]) for level in RiskLevel],
            "chart": chart,
            "alerts": [
                (alert, selectors.alert_text(alert), selectors.alert_link(alert))
                for alert in alerts[:50]
            ],
            "components": COMPONENTS,
            "can_refresh": can_change(request.user, RiskProfile),
        }


@login_required
@require_http_methods(["POST"])
def risk_refresh(request: HttpRequest) -> HttpResponse:
    if is_partner_user(request.user):
        raise Http404
    done = risk_profiles_refresh(actor=request.user)
    messages.success(
        request,
        _(
            "Risk of %(n)d partners computed as of %(day)s: %(raised)d alerts raised, "
            "%(cleared)d cleared."
        )
        % {
            "n": done.profiles,
            "day": done.as_of.isoformat(),
            "raised": done.alerts_raised,
            "cleared": done.alerts_cleared,
        },
    )
    return redirect("governance:risk_dashboard")


@login_required
@require_http_methods(["POST"])
def risk_alert_seen(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(selectors.risk_alert_list(user=request.user), pk=pk)
    risk_alert_acknowledge(alert=alert, actor=request.user)
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        return redirect(back)
    return redirect("governance:risk_dashboard")


class ComplaintListView(ObjectListView):
    selector = staticmethod(selectors.complaint_list)
    filterset_class = ComplaintFilterSet
    table_class = ComplaintTable
    model = Complaint
    title = gettext_lazy("Complaints")
    add_url_name = "governance:complaint_add"
    empty_hint = gettext_lazy("No complaints for these filters.")


class _PartnerFromQuery:
    """On a new record, the partner named by ``?partner=`` (the partner page's link)."""

    def get_form(self, request: HttpRequest, instance: Any, data: Any = None) -> Any:
        form = super().get_form(request, instance, data)  # type: ignore[misc]
        if instance is None and data is None and request.GET.get("partner", "").isdigit():
            form.initial["partner"] = int(request.GET["partner"])
        return form


class ComplaintEditView(_PartnerFromQuery, ObjectEditView):
    model = Complaint
    form_class = ComplaintForm
    create_service = staticmethod(complaint_create)
    update_service = staticmethod(complaint_update)
    instance_kw = "complaint"


class ComplianceItemListView(ObjectListView):
    selector = staticmethod(selectors.compliance_item_list)
    filterset_class = ComplianceItemFilterSet
    table_class = ComplianceItemTable
    model = ComplianceItem
    title = gettext_lazy("Licences and agreements")
    add_url_name = "governance:compliance_add"
    empty_hint = gettext_lazy("No licences or agreements for these filters.")


class ComplianceItemEditView(_PartnerFromQuery, ObjectEditView):
    model = ComplianceItem
    form_class = ComplianceItemForm
    create_service = staticmethod(compliance_item_create)
    update_service = staticmethod(compliance_item_update)
    instance_kw = "item"
