from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qudao.core.choices import Role
from qudao.core.permissions import can_change, is_partner_user, restrict
from qudao.core.views import ObjectListView
from qudao.governance import selectors
from qudao.governance.filtersets import ImprovementPlanFilterSet, RiskFlagFilterSet
from qudao.governance.forms import PlanForm, RuleSettingForm
from qudao.governance.models import (
    FlagStatus,
    ImprovementPlan,
    PlanStatus,
    RiskFlag,
    RiskRuleSetting,
)
from qudao.governance.rules import DETECTOR_SETTING_BY_ID, RULE_BY_ID, RULES_WAITING_FOR_DATA
from qudao.governance.services import (
    plan_close,
    plan_create,
    plan_decide_termination,
    rule_setting_save,
)
from qudao.governance.tables import ImprovementPlanTable, RiskFlagTable
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
def rule_list(request: HttpRequest) -> HttpResponse:
    """The rules, their parameters and whether they run; directors may change them.
    Partners never see the thresholds (404)."""
    if is_partner_user(request.user):
        raise Http404
    editable = can_change(request.user, RiskRuleSetting)
    if request.method == "POST":
        rule = RULE_BY_ID.get(request.POST.get("rule", "")) or DETECTOR_SETTING_BY_ID.get(
            request.POST.get("rule", "")
        )
        if not editable or rule is None:
            raise PermissionDenied
        form = RuleSettingForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            rule_setting_save(rule=rule.id, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(str(m) for m in exc.messages))
        else:
            messages.success(request, _("Rule saved; the next review uses it."))
        return redirect("governance:rule_list")
    rows = [
        {
            "rule": rule,
            "enabled": enabled,
            "parameters": params,
            "explained": rule.explain(params),
            "parameters_json": json.dumps(params),
        }
        for rule, params, enabled in selectors.rule_states(user=request.user)
    ]
    return render(
        request,
        "governance/rule_list.html",
        {
            "title": _("At-risk and exit rules"),
            "rows": rows,
            "editable": editable,
            "waiting": RULES_WAITING_FOR_DATA,
            "detectors": [
                {
                    "setting": setting,
                    "explained": setting.explain(params),
                    "parameters_json": json.dumps(params),
                }
                for setting, params in selectors.detector_states(user=request.user)
            ],
        },
    )
