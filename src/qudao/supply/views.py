from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from qudao.core.permissions import can_change, is_partner_user, restrict
from qudao.core.views import ObjectEditView, ObjectListView, act_on, refuse
from qudao.partners.models import Partner
from qudao.supply import selectors
from qudao.supply.charts import error_chart, history_chart, positions_chart
from qudao.supply.filtersets import (
    SupplyAlertFilterSet,
    SupplyCheckFilterSet,
    SupplyPositionFilterSet,
    SupplyThresholdFilterSet,
)
from qudao.supply.forms import SupplyThresholdForm
from qudao.supply.models import (
    SUPPLY_EDITORS,
    SupplyAlert,
    SupplyCheck,
    SupplyPosition,
    SupplyThreshold,
)
from qudao.supply.services import (
    default_thresholds,
    supply_alert_acknowledge,
    supply_check_request,
    threshold_create,
    threshold_delete,
    threshold_update,
)
from qudao.supply.tables import (
    SupplyAlertTable,
    SupplyCheckTable,
    SupplyPositionTable,
    SupplyThresholdTable,
)


def _runs_checks(user: Any) -> bool:
    return bool(user.is_superuser or user.has_role(*SUPPLY_EDITORS))


def _pages(user: Any) -> list[dict[str, Any]]:
    """The other supply pages, as buttons (the brand's pages only for the brand)."""
    pages = [{"url": reverse("supply:position_list"), "label": _("Days of supply")}]
    if not is_partner_user(user):
        pages += [
            {"url": reverse("supply:check_list"), "label": _("Checks and forecast error")},
            {"url": reverse("supply:threshold_list"), "label": _("Thresholds")},
        ]
    return pages


def _check_context(request: HttpRequest) -> dict[str, Any]:
    check = selectors.latest_check(user=request.user)
    return {
        "list_intro": "supply/_check_summary.html",
        "check": check,
        "backtest": (check.forecast.get("backtest") if check else None),
        "internal": not is_partner_user(request.user),
        "runs_checks": _runs_checks(request.user),
        "extra_actions": _pages(request.user),
        "show_worker_health": _runs_checks(request.user),
    }


class SupplyAlertListView(ObjectListView):
    selector = selectors.alert_list
    filterset_class = SupplyAlertFilterSet
    table_class = SupplyAlertTable
    model = SupplyAlert
    title = gettext_lazy("Supply alerts")
    empty_hint = gettext_lazy(
        "No supply alerts. A check judges every partner's latest inventory count against "
        "its sell-through; it runs after every inventory or sell-through file and with "
        "every review."
    )
    empty_command = "qudao supply check"

    def get(self, request: HttpRequest) -> HttpResponse:
        if "open" not in request.GET:  # open alerts first; "All" shows the cleared too
            query = request.GET.copy()
            query["open"] = "true"
            request.GET = query  # type: ignore[assignment]
        return super().get(request)

    def may_add(self, request: HttpRequest) -> bool:
        return False

    def extra_context(self, request: HttpRequest) -> dict[str, Any]:
        return _check_context(request)


class SupplyPositionListView(ObjectListView):
    selector = selectors.position_list
    filterset_class = SupplyPositionFilterSet
    table_class = SupplyPositionTable
    model = SupplyPosition
    title = gettext_lazy("Days of supply")
    empty_hint = gettext_lazy(
        "No positions yet: a check needs inventory counts (the inventory import) and the "
        "sell-through of the 90 days before them."
    )
    empty_command = "qudao supply check"

    def may_add(self, request: HttpRequest) -> bool:
        return False

    def extra_context(self, request: HttpRequest) -> dict[str, Any]:
        context = _check_context(request)
        context["extra_actions"] = [
            {"url": reverse("supply:alert_list"), "label": _("Supply alerts")},
            *context["extra_actions"][1:],
        ]
        context["chart"] = positions_chart(self.rows)
        return context


class SupplyCheckListView(ObjectListView):
    selector = selectors.check_list
    filterset_class = SupplyCheckFilterSet
    table_class = SupplyCheckTable
    model = SupplyCheck
    title = gettext_lazy("Supply checks")
    internal = True
    empty_hint = gettext_lazy("No check has run yet.")
    empty_command = "qudao supply check"

    def may_add(self, request: HttpRequest) -> bool:
        return False


class SupplyThresholdListView(ObjectListView):
    selector = selectors.threshold_list
    filterset_class = SupplyThresholdFilterSet
    table_class = SupplyThresholdTable
    model = SupplyThreshold
    title = gettext_lazy("Supply thresholds")
    add_url_name = "supply:threshold_add"
    internal = True

    @property
    def empty_hint(self) -> str:  # type: ignore[override]
        d = default_thresholds()
        return _(
            "No category has thresholds of its own: every family is judged by the defaults — "
            "a stock-out below %(stock_out)s days of supply, overstock above %(overstock)s, "
            "replenishment to %(cover)s days."
        ) % {
            "stock_out": d["stock_out_days"],
            "overstock": d["overstock_days"],
            "cover": d["cover_days"],
        }


class SupplyThresholdEditView(ObjectEditView):
    model = SupplyThreshold
    form_class = SupplyThresholdForm
    create_service = threshold_create
    update_service = threshold_update
    instance_kw = "threshold"


@login_required
@require_POST
def threshold_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    rows = restrict(SupplyThreshold.objects.all(), request.user, "change")
    threshold = get_object_or_404(rows, pk=pk)
    try:
        threshold_delete(threshold=threshold, actor=request.user)
    except PermissionDenied:
        return refuse(request)
    messages.success(request, _("Deleted %(name)s.") % {"name": threshold})
    return redirect("supply:threshold_list")


def _alert(request: HttpRequest, pk: int) -> SupplyAlert:
    return get_object_or_404(selectors.alert_list(user=request.user), pk=pk)


@login_required
@require_safe
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _alert(request, pk)
    history, forecast_month = selectors.family_history(alert=alert)
    chart = history_chart(history, forecast_month, alert.forecast)
    changes = restrict(SupplyAlert.objects.filter(pk=pk), request.user, "change").exists()
    return render(
        request,
        "supply/alert_detail.html",
        {
            "alert": alert,
            "title": f"{alert.partner.code} · {alert.category.name}",
            "chart": chart,
            "can_acknowledge": changes and alert.acknowledged_at is None,
            "partner_visible": restrict(
                Partner.objects.filter(pk=alert.partner_id), request.user
            ).exists(),
            "internal": not is_partner_user(request.user),
        },
    )


@login_required
@require_POST
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _alert(request, pk)
    return act_on(
        request,
        alert,
        lambda: supply_alert_acknowledge(alert=alert, actor=request.user),
        _("Acknowledged."),
    )


@login_required
@require_POST
def check_run(request: HttpRequest) -> HttpResponse:
    try:
        supply_check_request(actor=request.user)
    except PermissionDenied:
        return refuse(request)
    messages.success(
        request,
        _("A check is queued; it takes seconds. Reload this page to see its alerts."),
    )
    return redirect("supply:alert_list")


@login_required
@require_safe
def check_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if is_partner_user(request.user):
        raise Http404
    check = get_object_or_404(selectors.check_list(user=request.user), pk=pk)
    forecast = check.forecast
    families = [
        {"code": code, **forecast.get("alphas", {}).get(code, {}), **figures}
        for code, figures in sorted(forecast.get("backtest_by_family", {}).items())
    ]
    return render(
        request,
        "supply/check_detail.html",
        {
            "check": check,
            "title": _("Supply check %(check)s") % {"check": check},
            "backtest": forecast.get("backtest"),
            "families": families,
            "chart": error_chart(forecast.get("backtest_by_family", {})),
            "thresholds": sorted(check.parameters.get("categories", {}).items()),
            "defaults": check.parameters.get("defaults", {}),
            "can_change_thresholds": can_change(request.user, SupplyThreshold),
        },
    )
