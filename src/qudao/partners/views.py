from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from qudao.analytics.selectors import partner_scorecard
from qudao.collaboration.selectors import (
    partner_activities,
    partner_competitor_notes,
    partner_training,
)
from qudao.core.charts import sparkline
from qudao.core.models import User
from qudao.core.permissions import can_change, is_partner_user, restrict
from qudao.core.selectors import history_for
from qudao.core.views import (
    ObjectEditView,
    ObjectListView,
    act_on,
    attachment_response,
    refuse,
)
from qudao.governance.selectors import partner_governance
from qudao.partners import selectors
from qudao.partners.choices import AgreementState
from qudao.partners.filtersets import AgreementFilterSet, PartnerFilterSet, TargetFilterSet
from qudao.partners.forms import (
    AgreementForm,
    AgreementRenewForm,
    ContactForm,
    InviteForm,
    PartnerForm,
    PartnerStatusForm,
    PartnerTerritoryForm,
    TargetForm,
)
from qudao.partners.models import Agreement, Contact, Partner, PartnerTerritory, Target
from qudao.partners.services import (
    agreement_create,
    agreement_renew,
    agreement_update,
    contact_create,
    contact_update,
    may_invite_for,
    partner_change_status,
    partner_create,
    partner_territory_create,
    partner_territory_update,
    partner_update,
    partner_user_deactivate,
    partner_user_invite,
    target_create,
    target_update,
)
from qudao.partners.tables import AgreementTable, PartnerTable, TargetTable
from qudao.supply.selectors import partner_supply

TABS = (
    ("profile", gettext_lazy("Profile")),
    ("hierarchy", gettext_lazy("Hierarchy")),
    ("territories", gettext_lazy("Territories")),
    ("contacts", gettext_lazy("Contacts")),
    ("targets", gettext_lazy("Targets")),
    ("agreements", gettext_lazy("Agreements")),
    ("activities", gettext_lazy("Activities")),
    ("training", gettext_lazy("Training")),
    ("governance", gettext_lazy("Governance")),
    ("supply", gettext_lazy("Stock")),
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
        context["competitor_notes"] = partner_competitor_notes(partner=partner, user=request.user)
    elif tab == "hierarchy":
        context["ancestors"] = selectors.partner_ancestors(partner=partner, user=request.user)
        context["children"] = selectors.partner_children(user=request.user, partner=partner)
    elif tab == "territories":
        context["territories"] = selectors.partner_territories(user=request.user, partner=partner)
    elif tab == "contacts":
        context["contacts"] = selectors.partner_contacts(user=request.user, partner=partner)
        context["keeps_contacts"] = can_change(request.user, Contact) and (
            context["can_edit"] or may_invite_for(request.user, partner)
        )
        context["people"] = selectors.partner_people(user=request.user, partner=partner)
        context["invites"] = may_invite_for(request.user, partner)
    elif tab == "targets":
        context["targets"] = selectors.target_list(user=request.user).filter(partner=partner)
    elif tab == "agreements":
        today = timezone.localdate()
        context["agreements"] = [
            (a, AgreementState(a.state_on(today)))
            for a in selectors.agreement_list(user=request.user).filter(partner=partner)
        ]
    elif tab == "activities":
        context["activities"] = partner_activities(partner=partner, user=request.user)
    elif tab == "training":
        context["training"] = partner_training(partner=partner, user=request.user)
    elif tab == "governance":
        context.update(partner_governance(partner=partner, user=request.user))
    elif tab == "supply":
        context.update(partner_supply(partner=partner, user=request.user))
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
            self.partner = get_object_or_404(self._partners_to_add_to(request.user), pk=partner_pk)
        return super().dispatch(request, *args, **kwargs)

    def _partners_to_add_to(self, user: Any) -> Any:
        """The partners the user may add a child to: those it may change — and, where the
        child model lets a partner's admin keep its own (contacts), the admin's own tree."""
        policy = self.model.access_policy  # type: ignore[attr-defined]
        if is_partner_user(user) and user.has_role(*policy.partner_editor_roles):
            return Partner.objects.filter(path__startswith=user.partner.path)
        return restrict(Partner.objects.all(), user, "change")

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


class AgreementListView(ObjectListView):
    selector = staticmethod(selectors.agreement_list)
    filterset_class = AgreementFilterSet
    table_class = AgreementTable
    model = Agreement
    title = gettext_lazy("Agreements")
    add_url_name = "partners:agreement_add"
    empty_hint = gettext_lazy("No agreements yet — add one with “Add” above.")


class AgreementEditView(ObjectEditView):
    model = Agreement
    form_class = AgreementForm
    create_service = staticmethod(agreement_create)
    update_service = staticmethod(agreement_update)
    instance_kw = "agreement"


@login_required
@require_http_methods(["GET", "POST"])
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An agreement: its terms, state, signed copies, every version, history — and, for
    those who change it, renewal into the next version."""
    agreement = get_object_or_404(selectors.agreement_list(user=request.user), pk=pk)
    editable = restrict(Agreement.objects.filter(pk=pk), request.user, "change").exists()
    renewable = editable and getattr(agreement, "renewal", None) is None
    form = AgreementRenewForm(
        request.POST or None,
        request.FILES or None,
        initial={
            "starts_on": agreement.ends_on + timedelta(days=1),
            "ends_on": agreement.ends_on.replace(year=agreement.ends_on.year + 1)
            if not (agreement.ends_on.month == 2 and agreement.ends_on.day == 29)
            else agreement.ends_on + timedelta(days=365),
            "yearly_target": agreement.yearly_target,
            "payment_terms": agreement.payment_terms,
        },
    )
    if request.method == "POST":
        if not renewable:
            refuse(request)
        if form.is_valid():
            try:
                renewed = agreement_renew(
                    agreement=agreement, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Renewed as %(agreement)s.") % {"agreement": renewed})
                return redirect(renewed.get_absolute_url())
    today = timezone.localdate()
    return render(
        request,
        "partners/agreement_detail.html",
        {
            "agreement": agreement,
            "title": _("Agreement %(agreement)s") % {"agreement": agreement},
            "state": AgreementState(agreement.state_on(today)),
            "versions": selectors.agreement_versions(agreement=agreement, user=request.user),
            "files": agreement.files.all(),
            "territories": agreement.territories.all(),
            "history": history_for(agreement),
            "can_edit": editable,
            "renew_form": form if renewable else None,
        },
    )


@login_required
@require_safe
def agreement_file(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    agreement = get_object_or_404(selectors.agreement_list(user=request.user), pk=pk)
    stored = get_object_or_404(agreement.files.all(), pk=file_pk)
    return attachment_response(stored.file, stored.name)


@login_required
def partner_user_invite_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Give one of the partner's people a sign-in: the invitation is mailed, or its link
    shown here once for the inviter to pass on."""
    partner = get_object_or_404(Partner.objects.restrict(request.user), pk=pk)
    if not may_invite_for(request.user, partner):
        refuse(request)
    form = InviteForm(request.POST or None, initial={"language": request.LANGUAGE_CODE})
    invitation = None
    if request.method == "POST" and form.is_valid():
        try:
            invitation = partner_user_invite(
                partner=partner, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            if invitation.mailed:
                messages.success(
                    request,
                    _("Invitation mailed to %(email)s.") % {"email": invitation.user.email},
                )
                return redirect(f"{partner.get_absolute_url()}?tab=contacts")
    return render(
        request,
        "partners/user_invite.html",
        {
            "partner": partner,
            "form": form,
            "invitation": invitation,
            "title": _("Invite a colleague of %(partner)s") % {"partner": partner.name},
        },
    )


@login_required
@require_POST
def partner_user_deactivate_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User.objects.filter(partner__isnull=False), pk=pk)
    if not Partner.objects.restrict(request.user).filter(pk=person.partner_id).exists():
        raise Http404
    return act_on(
        request,
        person.partner,
        lambda: partner_user_deactivate(user=person, actor=request.user),
        _("%(user)s can no longer sign in.") % {"user": person},
    )
