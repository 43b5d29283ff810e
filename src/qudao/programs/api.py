"""Rebates and marketing funds over the API: programs (the brand's), statements with their
lines (a partner: its own, once approved), settling a period and approving a statement; MDF
funds, requests (a partner asks, the brand decides), their claims (decided and paid here;
proof files are uploaded on the request's page) and staff expense claims — the same
selectors and services as the pages, so the same people may do the same things."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from qudao.core.api import Pagination, filtered
from qudao.core.periods import Period
from qudao.partners.models import Partner
from qudao.programs import selectors
from qudao.programs.filtersets import (
    ExpenseClaimFilterSet,
    FundFilterSet,
    MdfRequestFilterSet,
    StatementFilterSet,
)
from qudao.programs.models import (
    ExpenseClaim,
    Fund,
    MdfClaim,
    MdfRequest,
    ProgramVersion,
    Statement,
)
from qudao.programs.services import (
    expense_claim_decide,
    expense_claim_pay,
    expense_claim_submit,
    mdf_claim_decide,
    mdf_claim_pay,
    mdf_request_decide,
    mdf_request_submit,
    rebates_settle,
    statement_approve,
)

programs_router = Router(tags=["rebates"])
statements_router = Router(tags=["rebates"])
settlements_router = Router(tags=["rebates"])
funds_router = Router(tags=["marketing funds"])
mdf_router = Router(tags=["marketing funds"])
expenses_router = Router(tags=["expenses"])


class ProgramVersionOut(Schema):
    id: int
    code: str
    name: str
    number: int
    status: str
    kind: str
    settlement: str
    valid_from: date
    valid_to: date | None
    definition: dict[str, Any]

    @staticmethod
    def resolve_code(version: ProgramVersion) -> str:
        return version.program.code

    @staticmethod
    def resolve_name(version: ProgramVersion) -> str:
        return version.program.name


class StatementLineOut(Schema):
    program: str
    kind: str
    period: str
    through: date
    final: bool
    base: Decimal
    tier: int | None
    rate: Decimal | None
    entitlement: Decimal
    already_paid: Decimal
    payable: Decimal
    voided: bool
    steps: list[dict[str, str]]

    @staticmethod
    def resolve_program(line: Any) -> str:
        return str(line.program_code)


class StatementOut(Schema):
    id: int
    partner: str
    period: str
    settlement_id: int
    status: str
    lines_payable: Decimal
    deductions: Decimal
    carried_in: Decimal
    payable: Decimal
    carried_out: Decimal
    document_no: str
    approved_at: datetime | None

    @staticmethod
    def resolve_partner(statement: Statement) -> str:
        return statement.partner.code

    @staticmethod
    def resolve_period(statement: Statement) -> str:
        return statement.settlement.period


class StatementDetailOut(StatementOut):
    lines: list[StatementLineOut]

    @staticmethod
    def resolve_lines(statement: Statement, context: Any) -> Any:
        user = context["request"].user
        return selectors.statement_lines_visible(user).filter(statement=statement)


class StatementFilters(Schema):
    q: str | None = None
    period: str | None = None
    status: str | None = None


class SettleIn(Schema):
    period: str
    approve: bool = False


class SettlementOut(Schema):
    id: int
    period: str
    status: str
    total_payable: Decimal
    row_counts: dict[str, Any]


@programs_router.get("", response=list[ProgramVersionOut])
@paginate(Pagination)
def list_program_versions(request: HttpRequest) -> Any:
    """Every version of every rebate program (the brand's staff; partners see none)."""
    return ProgramVersion.objects.restrict(request.user).select_related("program")


@statements_router.get("", response=list[StatementOut])
@paginate(Pagination)
def list_statements(request: HttpRequest, filters: Query[StatementFilters]) -> Any:
    """Rebate statements the caller may see (a partner: its own, once approved)."""
    statements = selectors.statement_list(user=request.user)
    statements = statements.order_by("-settlement_id", "partner__code")
    return filtered(StatementFilterSet, filters.dict(), statements)


@statements_router.get("/{int:statement_id}", response=StatementDetailOut)
def get_statement(request: HttpRequest, statement_id: int) -> Any:
    return get_object_or_404(selectors.statement_list(user=request.user), pk=statement_id)


@statements_router.post("/{int:statement_id}/approve", response=StatementOut)
def approve_statement(request: HttpRequest, statement_id: int) -> Any:
    statement = get_object_or_404(selectors.statement_list(user=request.user), pk=statement_id)
    return statement_approve(statement=statement, actor=request.user)


@settlements_router.post("", response={201: SettlementOut})
def settle(request: HttpRequest, payload: SettleIn) -> Any:
    """Settle every program in effect for ``period`` (drafts unless ``approve``)."""
    try:
        period = Period.parse(payload.period).key
    except ValueError as exc:
        raise HttpError(422, str(exc)) from exc
    settlement = rebates_settle(period=period, actor=request.user, approve=payload.approve)
    return Status(201, settlement)


# -- marketing funds and expenses ---------------------------------------------------------


class FundOut(Schema):
    id: int
    code: str
    name: str
    period: str
    channel_model: str | None
    grade: str | None
    amount: Decimal
    committed: Decimal
    paid: Decimal
    remaining: Decimal

    @staticmethod
    def resolve_channel_model(fund: Fund) -> str | None:
        return fund.channel_model.code if fund.channel_model else None

    @staticmethod
    def resolve_grade(fund: Fund) -> str | None:
        return fund.grade.code if fund.grade else None


class MdfClaimOut(Schema):
    id: int
    amount: Decimal
    description: str
    status: str
    approved_amount: Decimal | None
    decided_at: datetime | None
    paid_at: datetime | None


class MdfRequestOut(Schema):
    id: int
    fund: str
    partner: str
    activity: str
    plan: str
    budget: Decimal
    starts_on: date
    ends_on: date
    status: str
    approved_amount: Decimal | None
    decision_note: str
    decided_at: datetime | None
    claims: list[MdfClaimOut]

    @staticmethod
    def resolve_fund(request: MdfRequest) -> str:
        return request.fund.code

    @staticmethod
    def resolve_partner(request: MdfRequest) -> str:
        return request.partner.code

    @staticmethod
    def resolve_claims(request: MdfRequest) -> Any:
        return request.claims.order_by("pk")


class MdfRequestIn(Schema):
    partner: str
    fund: str
    activity: str
    plan: str
    budget: Decimal
    starts_on: date
    ends_on: date


class DecisionIn(Schema):
    approve: bool
    amount: Decimal | None = None  # approve less than asked (MDF)
    note: str = ""


class MdfFilters(Schema):
    q: str | None = None
    status: str | None = None


class ExpenseClaimOut(Schema):
    id: int
    claimant: str
    partner: str | None
    category: str
    spent_on: date
    amount: Decimal
    description: str
    status: str
    decision_note: str
    decided_at: datetime | None
    paid_at: datetime | None

    @staticmethod
    def resolve_claimant(claim: ExpenseClaim) -> str:
        return claim.claimant.get_username()

    @staticmethod
    def resolve_partner(claim: ExpenseClaim) -> str | None:
        return claim.partner.code if claim.partner else None


class ExpenseClaimIn(Schema):
    category: str
    spent_on: date
    amount: Decimal
    description: str
    partner: str | None = None


class ExpenseFilters(Schema):
    q: str | None = None
    status: str | None = None
    category: str | None = None


def _seen(rows: Any, code: str) -> Any:
    """The row with ``code`` as the caller sees it (404 otherwise): whether they may act on
    it is the service's rule."""
    if "\x00" in code:  # no such code, and PostgreSQL refuses to look one up
        raise HttpError(404, "Not Found")
    return get_object_or_404(rows, code=code)


def _mdf_request(request: HttpRequest, request_id: int) -> MdfRequest:
    found = selectors.mdf_request_list(user=request.user).select_related("fund", "partner")
    return get_object_or_404(found, pk=request_id)


def _claim_of(mdf: MdfRequest) -> MdfClaim:
    claim = mdf.claims.order_by("-pk").first()
    if claim is None:
        raise HttpError(404, "No claim on this request yet.")
    return claim


@funds_router.get("", response=list[FundOut])
@paginate(Pagination)
def list_funds(request: HttpRequest, q: str | None = None) -> Any:
    """Marketing funds with what is committed, paid and left (partners: none)."""
    funds = selectors.fund_list(user=request.user).select_related("channel_model", "grade")
    return filtered(FundFilterSet, {"q": q}, funds.order_by("-period_start", "code"))


@mdf_router.get("", response=list[MdfRequestOut])
@paginate(Pagination)
def list_mdf_requests(request: HttpRequest, filters: Query[MdfFilters]) -> Any:
    """MDF requests the caller may see (a partner: its own)."""
    found = selectors.mdf_request_list(user=request.user).select_related("fund", "partner")
    return filtered(MdfRequestFilterSet, filters.dict(), found.order_by("-pk"))


@mdf_router.get("/{int:request_id}", response=MdfRequestOut)
def get_mdf_request(request: HttpRequest, request_id: int) -> Any:
    return _mdf_request(request, request_id)


@mdf_router.post("", response={201: MdfRequestOut})
def submit_mdf_request(request: HttpRequest, payload: MdfRequestIn) -> Any:
    """A partner (or the brand for it) asks for money from a fund for an activity."""
    partner = _seen(Partner.objects.restrict(request.user), payload.partner)
    fund = _seen(selectors.fund_list(user=request.user), payload.fund)
    data = payload.dict(exclude={"partner", "fund"})
    created = mdf_request_submit(partner=partner, fund=fund, actor=request.user, **data)
    return Status(201, _mdf_request(request, created.pk))  # as stored: money to the cent


@mdf_router.post("/{int:request_id}/decide", response=MdfRequestOut)
def decide_mdf_request(request: HttpRequest, request_id: int, payload: DecisionIn) -> Any:
    """Approve (the amount, at most what is left in the fund) or reject a request."""
    mdf = _mdf_request(request, request_id)
    mdf_request_decide(
        request=mdf,
        approve=payload.approve,
        amount=payload.amount,
        note=payload.note,
        actor=request.user,
    )
    return _mdf_request(request, request_id)


@mdf_router.post("/{int:request_id}/claim/decide", response=MdfRequestOut)
def decide_mdf_claim(request: HttpRequest, request_id: int, payload: DecisionIn) -> Any:
    """Approve (the amount, at most what was approved) or reject the request's claim."""
    mdf = _mdf_request(request, request_id)
    mdf_claim_decide(
        claim=_claim_of(mdf), approve=payload.approve, amount=payload.amount, actor=request.user
    )
    return _mdf_request(request, request_id)


@mdf_router.post("/{int:request_id}/claim/pay", response=MdfRequestOut)
def pay_mdf_claim(request: HttpRequest, request_id: int) -> Any:
    """Record the approved claim as paid (finance, after the ERP paid it)."""
    mdf = _mdf_request(request, request_id)
    mdf_claim_pay(claim=_claim_of(mdf), actor=request.user)
    return _mdf_request(request, request_id)


@expenses_router.get("", response=list[ExpenseClaimOut])
@paginate(Pagination)
def list_expense_claims(request: HttpRequest, filters: Query[ExpenseFilters]) -> Any:
    """Expense claims the caller may see (the brand's staff; partners: none)."""
    found = selectors.expense_claim_list(user=request.user).select_related("claimant", "partner")
    return filtered(ExpenseClaimFilterSet, filters.dict(), found.order_by("-pk"))


@expenses_router.get("/{int:claim_id}", response=ExpenseClaimOut)
def get_expense_claim(request: HttpRequest, claim_id: int) -> Any:
    return get_object_or_404(selectors.expense_claim_list(user=request.user), pk=claim_id)


@expenses_router.post("", response={201: ExpenseClaimOut})
def submit_expense_claim(request: HttpRequest, payload: ExpenseClaimIn) -> Any:
    """A staff member claims an expense (the receipt is attached on the claim's page)."""
    partner = (
        _seen(Partner.objects.restrict(request.user), payload.partner) if payload.partner else None
    )
    data = payload.dict(exclude={"partner"})
    created = expense_claim_submit(partner=partner, actor=request.user, **data)
    created.refresh_from_db()  # as stored: money to the cent
    return Status(201, created)


@expenses_router.post("/{int:claim_id}/decide", response=ExpenseClaimOut)
def decide_expense_claim(request: HttpRequest, claim_id: int, payload: DecisionIn) -> Any:
    claim = get_object_or_404(selectors.expense_claim_list(user=request.user), pk=claim_id)
    return expense_claim_decide(
        claim=claim, approve=payload.approve, note=payload.note, actor=request.user
    )


@expenses_router.post("/{int:claim_id}/pay", response=ExpenseClaimOut)
def pay_expense_claim(request: HttpRequest, claim_id: int) -> Any:
    claim = get_object_or_404(selectors.expense_claim_list(user=request.user), pk=claim_id)
    return expense_claim_pay(claim=claim, actor=request.user)
