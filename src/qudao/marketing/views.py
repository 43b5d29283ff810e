from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from qudao.core.permissions import is_partner_user, restrict
from qudao.core.selectors import history_for
from qudao.core.views import (
    ObjectEditView,
    ObjectListView,
    act_on,
    export_response,
    form_action,
    form_error_text,
)
from qudao.marketing import selectors
from qudao.marketing.filtersets import CampaignFilterSet
from qudao.marketing.forms import CampaignForm, CloseForm, ResultsForm
from qudao.marketing.models import Campaign, CampaignStatus
from qudao.marketing.services import (
    campaign_close,
    campaign_create,
    campaign_results_record,
    campaign_update,
)
from qudao.marketing.tables import CampaignTable


class CampaignListView(ObjectListView):
    selector = selectors.campaign_list
    filterset_class = CampaignFilterSet
    table_class = CampaignTable
    model = Campaign
    title = gettext_lazy("Joint marketing campaigns")
    add_url_name = "marketing:campaign_add"
    empty_hint = gettext_lazy(
        "No campaigns yet. Run one with partners: its budget is drawn from a market "
        "development fund, and its return is read from the sales it brought."
    )


class CampaignEditView(ObjectEditView):
    model = Campaign
    form_class = CampaignForm
    create_service = campaign_create
    update_service = campaign_update
    instance_kw = "campaign"


def _campaign(request: HttpRequest, pk: int) -> Campaign:
    return get_object_or_404(selectors.campaign_list(user=request.user), pk=pk)


@login_required
@require_safe
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    participants = list(selectors.campaign_participants(campaign=campaign, user=request.user))
    returned = selectors.campaign_return(campaign, participants)
    if request.GET.get("export") in ("csv", "xlsx"):
        return export_response(
            headers=[
                _("Partner"),
                _("Leads"),
                _("Sales during"),
                _("Sales before"),
                _("Attributed"),
            ],
            rows=[
                [r.participant.partner.code, r.participant.leads, r.during, r.before, r.attributed]
                for r in returned.rows
            ],
            fmt=request.GET["export"],
            filename=campaign.code,
        )
    changes = restrict(Campaign.objects.filter(pk=pk), request.user, "change").exists()
    is_open = campaign.status == CampaignStatus.OPEN
    return render(
        request,
        "marketing/campaign_detail.html",
        {
            "campaign": campaign,
            "title": str(campaign),
            "returned": returned,
            "after_days": selectors.attribution_days(),
            "regions": campaign.regions.all(),
            "can_edit": changes and is_open,
            "results_form": ResultsForm(
                initial={"results": campaign.results}, participants=participants
            )
            if changes
            else None,
            "close_form": CloseForm(initial={"spend": campaign.budget})
            if changes and is_open
            else None,
            "history": [] if is_partner_user(request.user) else history_for(campaign),
        },
    )


@login_required
@require_POST
def campaign_results_view(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    participants = list(campaign.participants.select_related("partner"))
    form = ResultsForm(request.POST, participants=participants)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect(campaign.get_absolute_url())
    return act_on(
        request,
        campaign,
        lambda: campaign_results_record(
            campaign=campaign,
            leads=form.leads(),
            results=form.cleaned_data["results"],
            actor=request.user,
        ),
        _("Results recorded."),
    )


@login_required
@require_POST
def campaign_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    return form_action(
        request,
        campaign,
        CloseForm,
        lambda data: campaign_close(campaign=campaign, spend=data["spend"], actor=request.user),
        _("Closed: its cost is paid from the fund, the rest released."),
    )
