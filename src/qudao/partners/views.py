from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from qudao.analytics.selectors import partner_scorecard
from qudao.core.charts import sparkline
from qudao.core.permissions import restrict
from qudao.core.selectors import history_for
from qudao.core.views import ObjectEditView, ObjectListView
from qudao.governance.selectors import partner_governance
from qudao.partners import selectors
from qudao.partners.filtersets import PartnerFilterSet, TargetFilterSet
from qudao.partners.forms import (
    ContactForm,
    PartnerForm,
    PartnerStatusForm,
    PartnerTerritoryForm,
    TargetForm,
)
from qudao.partners.models import Contact, Partner, PartnerTerritory, Target
from qudao.partners.services import (
    contact_create,
    contact_update,
    partner_change_status,
    partner_create,
    partner_territory_create,
    partner_territory_update,
    partner_update,
    target_create,
    target_update,
)
from qudao.partners.tables import PartnerTable, TargetTable

TABS = (
    ("profile", gettext_lazy("Profile")),
    ("hierarchy", gettext_lazy("Hierarchy")),
    ("territories", gettext_lazy("Territories")),
    ("contacts", gettext_lazy("Contacts")),
    ("targets", gettext_lazy("Targets")),
    ("governance", gettext_lazy("Governance")),
    ("history", gettext_lazy("History")),
)


class PartnerListView(ObjectListView):
    selector = staticmethod(selectors.partner_list)
    filterset_class = PartnerFilterSet
    table_class = PartnerTable
    model = Partner
    title = gettext_lazy("Partners")
    add_url_name = "partners:partner_add"
    empty_hint = gettext_lazy("No partners yet — add one with “Add” above.")
    empty_command = "qudao import partners FILE"


@login_required
@require_safe
def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        partner = selectors.partner_get(user=request.user, pk=pk)
    except Partner.DoesNotExist:
        raise Http404 from None
    tab = request.GET.get("tab", "profile")
    if tab not in dict(TABS):
        tab = "profile"
    context = {
        "partner": partner,
        "tabs": TABS,
        "tab": tab,
        "title": partner.name,
        "can_edit": restrict(Partner.objects.filter(pk=pk), request.user, "change").exists(),
    }
    if tab == "profile":
        context["performance"] = _performance(partner, request.user)
        context["segments"] = partner.segments.all()
        context["parent"] = selectors.partner_parent_visible(partner=partner, user=request.user)
    elif tab == "hierarchy":
        context["ancestors"] = selectors.partner_ancestors(partner=partner, user=request.user)
        context["children"] = selectors.partner_children(user=request.user, partner=partner)
    elif tab == "territories":
        context["territories"] = selectors.partner_territories(user=request.user, partner=partner)
    elif tab == "contacts":
        context["contacts"] = selectors.partner_contacts(user=request.user, partner=partner)
    elif tab == "targets":
        context["targets"] = selectors.target_list(user=request.user).filter(partner=partner)
    elif tab == "governance":
        context.update(partner_governance(partner=partner, user=request.user))
    elif tab == "history":
        context["history"] = history_for(partner)
    if context["can_edit"]:
        context["status_form"] = PartnerStatusForm(partner=partner)
    return render(request, "partners/partner_detail.html", context)


def _performance(partner: Partner, user: Any) -> dict[str, Any] | None:
    """The partner's latest scorecard at a glance — sell-in with its change, target
    attainment, sell-through rate, the quarters' revenue as a sparkline — and its standing
    flags (none for partner users: they are the brand's internals)."""
    data = partner_scorecard(user=user, partner=partner)
    cards = data["cards"]
    if not cards:
        return None
    return {
        "card": cards[-1],
        "trend": sparkline([c.revenue for c in cards]),
        "flags": data["flags"],
    }


class PartnerEditView(ObjectEditView):
    model = Partner
    form_class = PartnerForm
    create_service = staticmethod(partner_create)
    update_service = staticmethod(partner_update)
    instance_kw = "partner"


@login_required
@require_POST
def partner_status(request: HttpRequest, pk: int) -> HttpResponse:
    partner = get_object_or_404(Partner.objects.restrict(request.user, "change"), pk=pk)
    form = PartnerStatusForm(request.POST, partner=partner)
    if form.is_valid():
        try:
            partner_change_status(
                partner=partner, status=form.cleaned_data["status"], actor=request.user
            )
            messages.success(
                request,
                _("Status changed to %(status)s.") % {"status": partner.get_status_display()},
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("This status change is not allowed."))
    return redirect(partner.get_absolute_url())


class TargetListView(ObjectListView):
    selector = staticmethod(selectors.target_list)
    filterset_class = TargetFilterSet
    table_class = TargetTable
    model = Target
    title = gettext_lazy("Targets")
    add_url_name = "partners:target_add"
    empty_hint = gettext_lazy("No targets yet — add one with “Add” above.")
    empty_command = "qudao import targets FILE"


class TargetEditView(ObjectEditView):
    model = Target
    form_class = TargetForm
    create_service = staticmethod(target_create)
    update_service = staticmethod(target_update)
    instance_kw = "target"


class PartnerChildEditView(ObjectEditView):
    """Add or edit something that belongs to one partner (a contact, a territory).

    Adding needs the right to change that partner: a partner outside the user's scope
    answers 404, like everything else out of scope.
    """

    partner: Partner | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        partner_pk = kwargs.pop("partner_pk", None)
        if partner_pk is not None and request.user.is_authenticated:
            self.partner = get_object_or_404(
                restrict(Partner.objects.all(), request.user, "change"), pk=partner_pk
            )
        return super().dispatch(request, *args, **kwargs)

    def create_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"partner": self.partner}


class ContactEditView(PartnerChildEditView):
    model = Contact
    form_class = ContactForm
    create_service = staticmethod(contact_create)
    update_service = staticmethod(contact_update)
    instance_kw = "contact"


class PartnerTerritoryEditView(PartnerChildEditView):
    model = PartnerTerritory
    form_class = PartnerTerritoryForm
    create_service = staticmethod(partner_territory_create)
    update_service = staticmethod(partner_territory_update)
    instance_kw = "territory"
