"""Rebate pages: programs (define, load, simulate, publish), settlements (settle, approve,
export for the ERP) and statements (explained line by line, as PDF). Thin: the services
decide who may do what; a partner user reaches only its own approved statements."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tables2 import RequestConfig

from qudao.core.choices import Role
from qudao.core.periods import Period
from qudao.core.permissions import can_change, is_partner_user, restrict
from qudao.core.views import (
    ObjectEditView,
    ObjectListView,
    attachment_response,
    export_response,
    refuse,
)
from qudao.marketing.models import Campaign
from qudao.partners.models import Partner
from qudao.programs import selectors
from qudao.programs.filtersets import (
    ExpenseClaimFilterSet,
    FundFilterSet,
    MdfRequestFilterSet,
    ProgramFilterSet,
    SettlementFilterSet,
    StatementFilterSet,
)
from qudao.programs.forms import (
    ExpenseClaimForm,
    FundForm,
    MdfClaimForm,
    MdfDecisionForm,
    MdfRequestForm,
    PeriodForm,
    ProgramFileForm,
    ProgramForm,
)
from qudao.programs.models import (
    ExpenseClaim,
    Fund,
    JobStatus,
    MdfClaim,
    MdfProof,
    MdfRequest,
    MdfStatus,
    Program,
    ProgramVersion,
    Settlement,
    Statement,
)
from qudao.programs.pdf import statement_pdf
from qudao.programs.rules import DefinitionError, round_money
from qudao.programs.services import (
    expense_claim_decide,
    expense_claim_pay,
    expense_claim_submit,
    fund_create,
    fund_update,
    is_brand_staff,
    mdf_claim_decide,
    mdf_claim_pay,
    mdf_claim_submit,
    mdf_request_decide,
    mdf_request_submit,
    program_version_create,
    program_version_publish,
    program_version_withdraw,
    settlement_approve,
    settlement_job_enqueue,
    statement_approve,
)
from qudao.programs.simulation import partner_progress, simulate
from qudao.programs.tables import (
    ExpenseClaimTable,
    FundTable,
    MdfRequestTable,
    ProgramTable,
    SettlementTable,
    StatementTable,
)


class ProgramListView(ObjectListView):
    selector = selectors.program_list
    filterset_class = ProgramFilterSet
    table_class = ProgramTable
    model = Program
    title = gettext_lazy("Rebate programs")
    add_url_name = "programs:program_add"
    empty_hint = gettext_lazy("No rebate programs yet: add one, or load a program file.")

    def extra_context(self, request: HttpRequest) -> dict[str, Any]:
        if not can_change(request.user, ProgramVersion):
            return {}
        return {
            "extra_actions": [
                {"url": reverse("programs:program_load"), "label": _("Load a program file")}
            ]
        }


def _version_or_404(request: HttpRequest, pk: int) -> ProgramVersion:
    versions = restrict(
        ProgramVersion.objects.select_related("program", "created_by"), request.user
    )
    return get_object_or_404(versions, pk=pk)


@login_required
@require_GET
def program_detail(request: HttpRequest, pk: int) -> HttpResponse:
    program = get_object_or_404(restrict(Program.objects.all(), request.user), pk=pk)
    latest = program.versions.aggregate(n=Max("number"))["n"]
    version = program.versions.filter(number=latest).first()
    if version is None:
        raise Http404
    return redirect("programs:version", version.pk)


@login_required
@require_GET
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version_or_404(request, pk)
    if request.GET.get("format") == "toml":
        response = HttpResponse(version.source, content_type="application/toml; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{version.program.code}-v{version.number}.toml"'
        )
        return response
    return render(
        request,
        "programs/version_detail.html",
        {
            "version": version,
            "rules": version.rules,
            "title": f"{version.program.code} · {version.program.name}",
            "versions": version.program.versions.all(),
            "can_edit": can_change(request.user, ProgramVersion),
            "period_form": PeriodForm(initial={"period": _default_period()}),
            "history": version.history.select_related("history_user")[:20],
        },
    )


def _default_period() -> str:
    """The quarter of the last sales on record (what people most likely settle or simulate)."""
    return Period.quarter_of(selectors.last_sales_day() or timezone.localdate()).key


@login_required
@require_POST
def version_action(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version_or_404(request, pk)
    action = request.POST.get("action")
    try:
        if action == "publish":
            program_version_publish(version=version, actor=request.user)
            messages.success(request, _("Published: settlements use this version from now on."))
        elif action == "withdraw":
            program_version_withdraw(version=version, actor=request.user)
            messages.success(request, _("Withdrawn: no longer settled."))
    except PermissionDenied:
        refuse(request)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return redirect("programs:version", version.pk)


@login_required
@require_http_methods(["GET", "POST"])
def program_add(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """A new program, or (``pk``) a new version of one, started from that version."""
    if not can_change(request.user, ProgramVersion):
        refuse(request)
    base = _version_or_404(request, pk) if pk else None
    if request.method == "POST":
        form = ProgramForm(request.POST)
        if form.is_valid():
            version = program_version_create(
                definition=form.definition, actor=request.user, publish=form.cleaned_data["publish"]
            )
            messages.success(request, _("Saved %(name)s.") % {"name": version})
            return redirect("programs:version", version.pk)
    else:
        form = ProgramForm(
            initial=ProgramForm.initial_from(base.definition)
            if base
            else {"valid_from": timezone.localdate().replace(month=1, day=1)}
        )
    title = (
        _("New version of %(code)s") % {"code": base.program.code}
        if base
        else _("New rebate program")
    )
    return render(
        request, "programs/program_form.html", {"form": form, "title": title, "base": base}
    )


@login_required
@require_http_methods(["GET", "POST"])
def program_load(request: HttpRequest) -> HttpResponse:
    if not can_change(request.user, ProgramVersion):
        refuse(request)
    form = ProgramFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        version = program_version_create(
            definition=form.definition,
            source=form.source,
            actor=request.user,
            publish=form.cleaned_data["publish"],
        )
        messages.success(request, _("Saved %(name)s.") % {"name": version})
        return redirect("programs:version", version.pk)
    return render(
        request, "programs/program_load.html", {"form": form, "title": _("Load a program file")}
    )


@login_required
@require_GET
def version_simulate(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version_or_404(request, pk)
    form = PeriodForm(request.GET or None)
    if not form.is_valid():
        messages.error(
            request, "; ".join(str(e) for errors in form.errors.values() for e in errors)
        )
        return redirect("programs:version", version.pk)
    period = Period.parse(form.cleaned_data["period"])
    try:
        result = simulate(version, period)
    except DefinitionError as exc:
        messages.error(request, "; ".join(exc.problems))
        return redirect("programs:version", version.pk)
    if request.GET.get("export") in ("csv", "xlsx"):
        headers = [
            "partner_code",
            "partner_name",
            "grade",
            "base",
            "tier",
            "rate",
            "cost",
            "current_cost",
            "difference",
            "next_tier",
            "distance",
            "worth",
        ]
        rows = [
            [
                p.code,
                p.name,
                p.grade,
                p.base,
                p.tier,
                p.rate,
                p.cost,
                p.current_cost,
                p.difference,
                p.next.tier if p.next else None,
                round_money(p.next.distance) if p.next else None,
                p.next.worth if p.next else None,
            ]
            for p in result.partners
        ]
        return export_response(
            headers=headers,
            rows=rows,
            fmt=request.GET["export"],
            filename="-".join([_("simulation"), version.program.code, period.key]),
        )
    return render(
        request,
        "programs/simulation.html",
        {
            "sim": result,
            "version": version,
            "title": _("Simulation of %(version)s over %(period)s")
            % {"version": version, "period": period.label},
        },
    )


class SettlementListView(ObjectListView):
    selector = selectors.settlement_list
    filterset_class = SettlementFilterSet
    table_class = SettlementTable
    model = Settlement
    title = gettext_lazy("Rebate settlements")
    empty_hint = gettext_lazy("No settlement yet: settle a period above.")

    def extra_context(self, request: HttpRequest) -> dict[str, Any]:
        if not can_change(request.user, Settlement):
            return {}
        return {
            "list_intro": "programs/_settle_form.html",
            "settle_form": PeriodForm(initial={"period": _default_period()}),
            "jobs": selectors.settlement_jobs_unfinished(user=request.user),
        }


@login_required
@require_POST
def settlement_create(request: HttpRequest) -> HttpResponse:
    """Queue the settlement for the background worker and follow it on its job page."""
    form = PeriodForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "; ".join(str(e) for errors in form.errors.values() for e in errors)
        )
        return redirect("programs:settlement_list")
    try:
        job = settlement_job_enqueue(period=form.cleaned_data["period"], actor=request.user)
    except PermissionDenied:
        refuse(request)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return redirect("programs:settlement_list")
    return redirect(job.get_absolute_url())


@login_required
@require_GET
def settlement_job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A queued settlement: its progress while it runs (polled), then the settlement."""
    job = get_object_or_404(selectors.settlement_job_list(user=request.user), pk=pk)
    htmx = getattr(request, "htmx", None)
    partial = htmx is not None and htmx.target == "job-status"
    if job.status == JobStatus.DONE and job.settlement_id:
        target = reverse("programs:settlement", args=[job.settlement_id])
        if not job.settlement.row_counts.get("lines"):  # type: ignore[union-attr]
            messages.warning(
                request,
                _("No program was in effect for %(period)s: nothing to settle.")
                % {"period": job.period},
            )
        else:
            messages.success(
                request,
                _("Settled %(period)s: review the statements, then approve them.")
                % {"period": job.period},
            )
        if partial:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)
    return render(
        request,
        "programs/_job_status.html" if partial else "programs/job_detail.html",
        {
            "job": job,
            "title": _("Settling %(period)s") % {"period": job.period},
        },
    )


@login_required
@require_GET
def settlement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    settlement = get_object_or_404(selectors.settlement_list(user=request.user), pk=pk)
    export = request.GET.get("export")
    if export in ("csv", "xlsx"):
        headers, rows = selectors.rebates_export(
            settlement.period, request.user, settlement=settlement
        )
        return export_response(
            headers=headers,
            rows=rows,
            fmt=export,
            filename="-".join([_("rebates"), settlement.period, str(settlement.pk)]),
        )
    payments = request.GET.get("payments")
    if payments in ("csv", "xlsx"):
        headers, rows = selectors.payment_export(settlement, request.user)
        return export_response(
            headers=headers,
            rows=rows,
            fmt=payments,
            filename="-".join([_("rebate-payments"), settlement.period, str(settlement.pk)]),
        )
    statements = (
        selectors.statements_visible(request.user)
        .filter(settlement=settlement)
        .order_by("partner__code")
    )
    table = StatementTable(statements, request=request, exclude=("period", "settlement"))
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    return render(
        request,
        "programs/settlement_detail.html",
        {
            "settlement": settlement,
            "table": table,
            "title": _("Settlement %(id)s · %(period)s")
            % {"id": settlement.pk, "period": settlement.period},
            "can_approve": can_change(request.user, Statement) and settlement.status == "draft",
            "summary": selectors.settlement_summary(settlement),
        },
    )


@login_required
@require_POST
def settlement_approve_view(request: HttpRequest, pk: int) -> HttpResponse:
    settlement = get_object_or_404(selectors.settlement_list(user=request.user), pk=pk)
    try:
        count = settlement_approve(settlement=settlement, actor=request.user)
    except PermissionDenied:
        refuse(request)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, _("%(count)s statements approved.") % {"count": count})
    return redirect(settlement.get_absolute_url())


class StatementListView(ObjectListView):
    selector = selectors.statement_list
    filterset_class = StatementFilterSet
    table_class = StatementTable
    model = Statement
    title = gettext_lazy("Rebate statements")
    empty_hint = gettext_lazy(
        "No statements yet: they appear once a period is settled (partners see them once approved)."
    )


@login_required
@require_http_methods(["GET", "POST"])
def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_object_or_404(selectors.statements_visible(request.user), pk=pk)
    if request.method == "POST":
        try:
            statement_approve(statement=statement, actor=request.user)
        except PermissionDenied:
            refuse(request)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, _("Statement approved."))
        return redirect(statement.get_absolute_url())
    if request.GET.get("format") == "pdf":
        language = request.GET.get("language") or None
        data = statement_pdf(statement, user=request.user, language=language)
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = (
            "attachment; filename="
            f'"rebate-statement-{statement.settlement.period}-{statement.partner.code}.pdf"'
        )
        return response
    context = selectors.statement_context(statement, request.user)
    if request.GET.get("export") in ("csv", "xlsx"):
        headers, rows = selectors.statement_export(context)
        return export_response(
            headers=headers,
            rows=rows,
            fmt=request.GET["export"],
            filename=f"rebate-statement-{statement.settlement.period}-{statement.partner.code}",
        )
    return render(
        request,
        "programs/statement_detail.html",
        {
            **context,
            "title": _("Rebate statement · %(partner)s · %(period)s")
            % {"partner": statement.partner.code, "period": statement.settlement.period},
            "can_approve": can_change(request.user, Statement) and statement.status == "draft",
            "partner_side": is_partner_user(request.user),
            "history": statement.history.select_related("history_user")[:20],
        },
    )


@login_required
@require_GET
def statement_line_lines(request: HttpRequest, pk: int, line_pk: int, fmt: str) -> HttpResponse:
    """The fact lines behind one statement line's base, as CSV or Excel."""
    statement = get_object_or_404(selectors.statements_visible(request.user), pk=pk)
    line = get_object_or_404(
        selectors.statement_lines_visible(request.user).select_related("version"),
        pk=line_pk,
        statement=statement,
    )
    if fmt not in ("csv", "xlsx"):
        raise Http404
    headers, rows = selectors.statement_line_facts(line)
    name = f"rebate-lines-{statement.partner.code}-{line.program_code}-{line.period}"
    return export_response(headers=headers, rows=rows, fmt=fmt, filename=name)


@login_required
@require_GET
def partner_rebates(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """A partner's standing in its programs (the distance to the next tier) and its
    statements: a partner user's own page; the brand's staff open any partner in scope."""
    partners = restrict(Partner.objects.all(), request.user)
    if pk is None:
        if not getattr(request.user, "partner_id", None):
            return redirect("programs:statement_list")
        pk = request.user.partner_id  # type: ignore[union-attr]
    partner = get_object_or_404(partners, pk=pk)
    as_of = selectors.last_sales_day() or timezone.localdate()
    if request.GET.get("as_of"):
        try:
            as_of = date.fromisoformat(request.GET["as_of"])
        except ValueError:
            messages.error(
                request, _("Not a date: %(value)s") % {"value": request.GET["as_of"][:20]}
            )
    return render(
        request,
        "programs/partner_rebates.html",
        {
            "partner": partner,
            "as_of": as_of,
            "progress": partner_progress(partner, as_of),
            "statements": selectors.statements_visible(request.user)
            .filter(partner=partner)
            .order_by("-settlement_id")[:24],
            "title": _("Rebates of %(partner)s") % {"partner": partner.name},
        },
    )


# --- market development funds and expense claims ------------------------------------------


class FundListView(ObjectListView):
    selector = selectors.fund_list
    filterset_class = FundFilterSet
    table_class = FundTable
    model = Fund
    title = gettext_lazy("Market development funds")
    add_url_name = "programs:fund_add"
    empty_hint = gettext_lazy("No funds yet: add one per period, channel model or grade.")


class FundEditView(ObjectEditView):
    model = Fund
    form_class = FundForm
    create_service = staticmethod(fund_create)
    update_service = staticmethod(fund_update)
    instance_kw = "fund"


@login_required
@require_GET
def fund_detail(request: HttpRequest, pk: int) -> HttpResponse:
    fund = get_object_or_404(selectors.fund_list(user=request.user), pk=pk)
    requests = selectors.mdf_request_list(user=request.user).filter(fund=fund)
    table = MdfRequestTable(requests, request=request, exclude=("fund",))
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    return render(
        request,
        "programs/fund_detail.html",
        {
            "fund": fund,
            "table": table,
            "title": str(fund),
            "can_edit": can_change(request.user, Fund),
            "used_percent": (fund.committed + fund.paid) * 100 / fund.amount if fund.amount else 0,
            # joint-marketing campaigns draw on funds too (as the user may see them)
            "campaigns": restrict(Campaign.objects.filter(fund=fund), request.user),
            "history": fund.history.select_related("history_user")[:20],
        },
    )


class MdfRequestListView(ObjectListView):
    selector = selectors.mdf_request_list
    filterset_class = MdfRequestFilterSet
    table_class = MdfRequestTable
    model = MdfRequest
    title = gettext_lazy("MDF requests")
    empty_hint = gettext_lazy("No requests yet.")

    def extra_context(self, request: HttpRequest) -> dict[str, Any]:
        if not _may_ask_for_funds(request.user):
            return {}
        return {
            "extra_actions": [{"url": reverse("programs:mdf_add"), "label": _("Ask for funds")}]
        }


def _may_ask_for_funds(user: Any) -> bool:
    return bool(user.has_role(Role.PARTNER_ADMIN) or can_change(user, MdfRequest))


@login_required
@require_http_methods(["GET", "POST"])
def mdf_request_add(request: HttpRequest) -> HttpResponse:
    if not _may_ask_for_funds(request.user):
        refuse(request)
    form = MdfRequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            created = mdf_request_submit(actor=request.user, **form.cleaned_data)
        except PermissionDenied:
            refuse(request)
        except ValidationError as exc:
            _errors_on(form, exc)
        else:
            messages.success(request, _("Request sent: the channel team decides."))
            return redirect(created.get_absolute_url())
    return render(
        request,
        "core/object_edit.html",
        {"form": form, "model": MdfRequest, "title": _("Ask for market development funds")},
    )


def _errors_on(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@login_required
@require_http_methods(["GET", "POST"])
def mdf_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    mdf = get_object_or_404(selectors.mdf_request_list(user=request.user), pk=pk)
    decision, claim_form = MdfDecisionForm(), MdfClaimForm()
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action in ("approve", "reject"):
                decision = MdfDecisionForm(request.POST)
                if decision.is_valid():
                    mdf_request_decide(
                        request=mdf,
                        approve=action == "approve",
                        amount=decision.cleaned_data["amount"],
                        note=decision.cleaned_data["note"],
                        actor=request.user,
                    )
                    return redirect(mdf.get_absolute_url())
            elif action == "claim":
                claim_form = MdfClaimForm(request.POST, request.FILES)
                if claim_form.is_valid():
                    mdf_claim_submit(
                        request=mdf,
                        amount=claim_form.cleaned_data["amount"],
                        description=claim_form.cleaned_data["description"],
                        proofs=request.FILES.getlist("proofs"),
                        actor=request.user,
                    )
                    messages.success(request, _("Claim sent: finance reviews it."))
                    return redirect(mdf.get_absolute_url())
            elif action in ("approve_claim", "reject_claim", "pay_claim"):
                claim = get_object_or_404(mdf.claims.all(), pk=request.POST.get("claim") or 0)
                if action == "pay_claim":
                    mdf_claim_pay(claim=claim, actor=request.user)
                else:
                    mdf_claim_decide(
                        claim=claim, approve=action == "approve_claim", actor=request.user
                    )
                return redirect(mdf.get_absolute_url())
            else:
                raise Http404
        except PermissionDenied:
            refuse(request)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
            if action == "claim":
                _errors_on(claim_form, exc)
    claims = list(mdf.claims.prefetch_related("proofs"))
    partner_side = is_partner_user(request.user)
    return render(
        request,
        "programs/mdf_request_detail.html",
        {
            "mdf": mdf,
            "title": _("MDF request %(id)s · %(activity)s")
            % {"id": mdf.pk, "activity": mdf.activity},
            "claims": claims,
            "can_decide": mdf.status == MdfStatus.SUBMITTED
            and can_change(request.user, MdfRequest),
            "can_claim": mdf.status == MdfStatus.APPROVED and _may_ask_for_funds(request.user),
            "can_settle_claims": can_change(request.user, MdfClaim),
            "decision": decision,
            "claim_form": claim_form,
            "roi": selectors.mdf_roi(mdf) if mdf.status == MdfStatus.PAID else None,
            "roi_days_after": selectors.ROI_DAYS_AFTER,
            "partner_side": partner_side,
            "history": [] if partner_side else mdf.history.select_related("history_user")[:20],
        },
    )


@login_required
@require_GET
def mdf_proof(request: HttpRequest, pk: int, proof_pk: int) -> FileResponse:
    mdf = get_object_or_404(selectors.mdf_request_list(user=request.user), pk=pk)
    proof = get_object_or_404(MdfProof.objects.filter(claim__request=mdf), pk=proof_pk)
    return attachment_response(proof.file, proof.name)


class ExpenseClaimListView(ObjectListView):
    selector = selectors.expense_claim_list
    filterset_class = ExpenseClaimFilterSet
    table_class = ExpenseClaimTable
    model = ExpenseClaim
    title = gettext_lazy("Expense claims")
    empty_hint = gettext_lazy("No expense claims yet.")

    def extra_context(self, request: HttpRequest) -> dict[str, Any]:
        if not is_brand_staff(request.user):
            return {}
        return {
            "extra_actions": [
                {"url": reverse("programs:expense_add"), "label": _("Claim an expense")}
            ]
        }


@login_required
@require_http_methods(["GET", "POST"])
def expense_add(request: HttpRequest) -> HttpResponse:
    if not is_brand_staff(request.user):
        refuse(request)
    form = ExpenseClaimForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            claim = expense_claim_submit(actor=request.user, **data)
        except ValidationError as exc:
            _errors_on(form, exc)
        else:
            messages.success(request, _("Expense claim sent: finance reviews it."))
            return redirect(claim.get_absolute_url())
    return render(
        request, "programs/expense_form.html", {"form": form, "title": _("Claim an expense")}
    )


@login_required
@require_http_methods(["GET", "POST"])
def expense_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    claim = get_object_or_404(selectors.expense_claim_list(user=request.user), pk=pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action in ("approve", "reject"):
                expense_claim_decide(
                    claim=claim,
                    approve=action == "approve",
                    note=request.POST.get("note", "")[:2000],
                    actor=request.user,
                )
            elif action == "pay":
                expense_claim_pay(claim=claim, actor=request.user)
            else:
                raise Http404
        except PermissionDenied:
            refuse(request)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        return redirect(claim.get_absolute_url())
    if request.GET.get("receipt") and claim.receipt:
        return attachment_response(claim.receipt, claim.receipt_name)
    return render(
        request,
        "programs/expense_detail.html",
        {
            "claim": claim,
            "title": _("Expense claim %(id)s") % {"id": claim.pk},
            "can_decide": can_change(request.user, ExpenseClaim)
            and claim.claimant_id != request.user.pk,
            "history": claim.history.select_related("history_user")[:20],
        },
    )
