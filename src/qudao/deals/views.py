from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from qudao.core.permissions import is_partner_user, restrict
from qudao.core.selectors import history_for
from qudao.core.views import (
    ObjectEditView,
    ObjectListView,
    form_action,
)
from qudao.deals import selectors
from qudao.deals.charts import registrations_chart
from qudao.deals.filtersets import ConflictFilterSet, DealFilterSet, DirectAccountFilterSet
from qudao.deals.forms import (
    DealCloseForm,
    DealDecisionForm,
    DealExtendForm,
    DealRegistrationForm,
    DecisionAction,
    DirectAccountForm,
)
from qudao.deals.models import DealConflict, DealRegistration, DealStatus, DirectAccount
from qudao.deals.services import (
    deal_approve,
    deal_close,
    deal_extend,
    deal_registration_create,
    deal_registration_update,
    deal_reject,
    deal_route,
    direct_account_create,
    direct_account_update,
    max_extensions,
    protection_days,
)
from qudao.deals.tables import ConflictTable, DealTable, DirectAccountTable, holder_of
from qudao.partners.models import DIRECTOR_AND_MANAGER


class DealListView(ObjectListView):
    selector = selectors.deal_list
    filterset_class = DealFilterSet
    table_class = DealTable
    model = DealRegistration
    title = gettext_lazy("Deal registrations")
    add_url_name = "deals:deal_add"
    empty_hint = gettext_lazy(
        "No deal registrations yet. A partner registers an opportunity before it closes, "
        "so that no one else chases the same customer."
    )
    internal_columns = ("conflict_count", "best_score")

    def extra_context(self, request: HttpRequest) -> dict[str, Any]:
        return {
            "list_intro": "deals/_figures.html",
            "figures": selectors.deal_figures(self.rows),
            "chart": registrations_chart(self.rows),
            "shows_conflicts": not is_partner_user(request.user),
        }


class DealEditView(ObjectEditView):
    model = DealRegistration
    form_class = DealRegistrationForm
    create_service = deal_registration_create
    update_service = deal_registration_update
    instance_kw = "deal"

    def get_object(self, request: HttpRequest, pk: int | None) -> DealRegistration | None:
        deal = super().get_object(request, pk)
        if isinstance(deal, DealRegistration) and deal.status != DealStatus.SUBMITTED:
            raise Http404  # decided: nothing left to edit
        return deal  # type: ignore[return-value]


def _deal(request: HttpRequest, pk: int) -> DealRegistration:
    return get_object_or_404(selectors.deal_list(user=request.user), pk=pk)


def _decides(request: HttpRequest, deal: DealRegistration) -> bool:
    user = request.user
    team = user.is_superuser or user.has_role(*DIRECTOR_AND_MANAGER)  # type: ignore[union-attr]
    return team and _changes(request, deal)


def _changes(request: HttpRequest, deal: DealRegistration) -> bool:
    rows = DealRegistration.objects.filter(pk=deal.pk)
    return restrict(rows, request.user, "change").exists()


@login_required
@require_safe
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    deal = _deal(request, pk)
    decides = _decides(request, deal)
    changes = _changes(request, deal)
    internal = not is_partner_user(request.user)
    conflicts = list(selectors.deal_conflicts(deal=deal, user=request.user)) if internal else []
    context: dict[str, Any] = {
        "deal": deal,
        "title": str(deal),
        "products": deal.products.all(),
        "conflicts": [(c, holder_of(c)) for c in conflicts],
        "internal": internal,
        "history": history_for(deal) if internal else [],
        "can_edit": changes and deal.status == DealStatus.SUBMITTED,
        "can_decide": decides and deal.status == DealStatus.SUBMITTED,
        "can_extend": decides
        and deal.status in (DealStatus.APPROVED, DealStatus.EXPIRED)
        and deal.extensions < max_extensions(),
        "can_close": changes and deal.status in (DealStatus.APPROVED, DealStatus.EXPIRED),
    }
    if context["can_decide"]:
        context["decision_form"] = DealDecisionForm(initial={"days": protection_days()})
    if context["can_extend"]:
        context["extend_form"] = DealExtendForm(initial={"days": protection_days()})
    if context["can_close"]:
        context["close_form"] = DealCloseForm()
    return render(request, "deals/deal_detail.html", context)


# what the page says once a decision is made
DECIDED = {
    DecisionAction.APPROVE: gettext_lazy("Approved: the customer is protected for the partner."),
    DecisionAction.REJECT: gettext_lazy("Rejected."),
    DecisionAction.ROUTE: gettext_lazy("Routed to the direct-sales owner."),
}


def _decide(deal: DealRegistration, actor: Any, data: dict[str, Any]) -> DealRegistration:
    """The decision the form names, through its service."""
    if data["action"] == DecisionAction.APPROVE:
        return deal_approve(deal=deal, actor=actor, note=data["note"], days=data["days"])
    if data["action"] == DecisionAction.REJECT:
        return deal_reject(deal=deal, actor=actor, note=data["note"])
    return deal_route(deal=deal, actor=actor, owner=data["owner"], note=data["note"])


@login_required
@require_POST
def deal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    deal = _deal(request, pk)
    done = DECIDED.get(request.POST.get("action", ""), DECIDED[DecisionAction.ROUTE])
    return form_action(
        request, deal, DealDecisionForm, lambda data: _decide(deal, request.user, data), str(done)
    )


@login_required
@require_POST
def deal_extend_view(request: HttpRequest, pk: int) -> HttpResponse:
    deal = _deal(request, pk)
    return form_action(
        request,
        deal,
        DealExtendForm,
        lambda data: deal_extend(
            deal=deal, actor=request.user, days=data["days"], note=data["note"]
        ),
        _("Protection extended."),
    )


@login_required
@require_POST
def deal_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    deal = _deal(request, pk)
    return form_action(
        request,
        deal,
        DealCloseForm,
        lambda data: deal_close(
            deal=deal,
            actor=request.user,
            won=data["outcome"] == "won",
            fact=data["fact"],
            document=data["document"],
            note=data["note"],
        ),
        _("Outcome recorded."),
    )


class ConflictListView(ObjectListView):
    selector = selectors.conflict_list
    filterset_class = ConflictFilterSet
    table_class = ConflictTable
    model = DealConflict
    title = gettext_lazy("Deal conflicts")
    internal = True
    empty_hint = gettext_lazy(
        "No open registration collides with a direct account or with another partner's."
    )


class DirectAccountListView(ObjectListView):
    selector = selectors.direct_account_list
    filterset_class = DirectAccountFilterSet
    table_class = DirectAccountTable
    model = DirectAccount
    title = gettext_lazy("Direct accounts")
    add_url_name = "deals:account_add"
    internal = True
    empty_hint = gettext_lazy(
        "No direct accounts yet: sales imports its customers so partners' registrations are "
        "checked against them."
    )
    empty_command = "qudao import direct_accounts accounts.xlsx"


@login_required
@require_safe
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if is_partner_user(request.user):
        raise Http404
    account = get_object_or_404(selectors.direct_account_list(user=request.user), pk=pk)
    return render(
        request,
        "deals/account_detail.html",
        {
            "account": account,
            "title": account.customer_name,
            "conflicts": selectors.account_conflicts(account=account, user=request.user),
            "can_edit": restrict(
                DirectAccount.objects.filter(pk=pk), request.user, "change"
            ).exists(),
            "history": history_for(account),
        },
    )


class DirectAccountEditView(ObjectEditView):
    model = DirectAccount
    form_class = DirectAccountForm
    create_service = direct_account_create
    update_service = direct_account_update
    instance_kw = "account"
