"""Rebates over the API: programs (the brand's), statements with their lines (a partner:
its own, once approved), settling a period and approving a statement — the same selectors
and services as the pages."""

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
from qudao.programs import selectors
from qudao.programs.filtersets import StatementFilterSet
from qudao.programs.models import ProgramVersion, Statement
from qudao.programs.services import rebates_settle, statement_approve

programs_router = Router(tags=["rebates"])
statements_router = Router(tags=["rebates"])
settlements_router = Router(tags=["rebates"])


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
    partner_code: str
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
    def resolve_partner_code(statement: Statement) -> str:
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


@programs_router.get("/", response=list[ProgramVersionOut])
@paginate(Pagination)
def list_program_versions(request: HttpRequest) -> Any:
    """Every version of every rebate program (the brand's staff; partners see none)."""
    return ProgramVersion.objects.restrict(request.user).select_related("program")


@statements_router.get("/", response=list[StatementOut])
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


@settlements_router.post("/", response={201: SettlementOut})
def settle(request: HttpRequest, payload: SettleIn) -> Any:
    """Settle every program in effect for ``period`` (drafts unless ``approve``)."""
    try:
        period = Period.parse(payload.period).key
    except ValueError as exc:
        raise HttpError(422, str(exc)) from exc
    settlement = rebates_settle(period=period, actor=request.user, approve=payload.approve)
    return Status(201, settlement)
