"""Reads of rebate programs and statements, always through ``restrict``: a partner user sees
its own approved statements (drafts are the brand's until finance approves them)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.core.periods import Period
from qudao.core.permissions import is_partner_user, restrict
from qudao.facts.choices import BatchStatus
from qudao.facts.models import Batch
from qudao.facts.store import fact_table
from qudao.programs.figures import LINE_COLUMNS, counted_lines
from qudao.programs.models import (
    ExpenseClaim,
    Fund,
    JobStatus,
    MdfRequest,
    MdfStatus,
    Program,
    ProgramVersion,
    Settlement,
    SettlementJob,
    SettlementStatus,
    Statement,
    StatementLine,
)
from qudao.programs.rules import CENT, ZERO

EXPORT_COLUMNS = [
    "partner_code",
    "partner_name",
    "program",
    "version",
    "period",
    "through",
    "final",
    "base",
    "tier",
    "rate",
    "entitlement",
    "already_paid",
    "adjustment",
    "payable",
    "voided",
    "status",
    "document_no",
]


def statements_visible(user: Any | None) -> QuerySet[Statement]:
    """``user=None`` is the operator at the console (``qudao export`` without ``--user``)."""
    statements = (
        Statement.objects.all() if user is None else restrict(Statement.objects.all(), user)
    )
    if is_partner_user(user):
        statements = statements.filter(status=SettlementStatus.APPROVED)
    return statements.select_related("partner", "settlement")


def statement_lines_visible(user: Any | None) -> QuerySet[StatementLine]:
    lines = (
        StatementLine.objects.all() if user is None else restrict(StatementLine.objects.all(), user)
    )
    if is_partner_user(user):
        lines = lines.filter(statement__status=SettlementStatus.APPROVED)
    return lines


def latest_settlement(period: str) -> Settlement | None:
    """The latest settlement made for ``period`` (as given to settle: 2020-02, 2020Q1)."""
    return Settlement.objects.filter(period=Period.parse(period).key).order_by("-pk").first()


def _money(value: Decimal | None) -> str:
    return "" if value is None else str(value.quantize(CENT))


def _rate(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text


def statement_rows(lines: QuerySet[StatementLine]) -> list[dict[str, Any]]:
    """One row per partner, program and settlement period: the current line's figures, and
    on the program's last current line the prior-period adjustments, summed; payable = this
    period's payable + adjustment. A program with adjustments only gets a row of its own."""
    groups: dict[tuple[int, str], list[StatementLine]] = defaultdict(list)
    ordered = lines.select_related("statement__partner", "statement__settlement", "version")
    for line in ordered.order_by("statement__partner__code", "program_code", "period_start", "pk"):
        groups[(line.statement_id, line.program_code)].append(line)
    rows: list[dict[str, Any]] = []
    for group in groups.values():
        current = [line for line in group if line.kind == "current"]
        adjusted = [line for line in group if line.kind == "adjustment"]
        adjustment = sum((line.payable for line in adjusted), ZERO)
        if not current:
            row = _row(adjusted[-1], current=None)
            row["period"] = ", ".join(line.period for line in adjusted)
            row["adjustment"], row["payable"] = adjustment, adjustment
            rows.append(row)
            continue
        for index, line in enumerate(current):
            row = _row(line, current=line)
            row["adjustment"] = adjustment if index == len(current) - 1 else ZERO
            row["payable"] = line.payable + row["adjustment"]
            row["adjustments"] = adjusted if index == len(current) - 1 else []
            rows.append(row)
    return rows


def _row(line: StatementLine, *, current: StatementLine | None) -> dict[str, Any]:
    statement = line.statement
    return {
        "line": current,
        "statement": statement,
        "partner_code": statement.partner.code,
        "partner_name": statement.partner.name,
        "program": line.program_code,
        "version": line.version.number,
        "period": line.period,
        "through": current.through if current else None,
        "final": current.final if current else None,
        "base": current.base if current else None,
        "tier": current.tier if current else None,
        "rate": current.rate if current else None,
        "entitlement": current.entitlement if current else None,
        "already_paid": current.already_paid if current else None,
        "voided": current.voided if current else False,
        "status": statement.get_status_display(),
        "document_no": statement.document_no,
        "adjustments": [],
    }


def rebates_export(
    period: str | None, user: Any, *, settlement: Settlement | None = None
) -> tuple[list[str], list[list[Any]]]:
    """``qudao export rebates --period P``: the statement lines of the latest settlement
    made for P (or of ``settlement``), one row per partner and program (``user``: only what
    they may see)."""
    if not period:
        raise ValueError(_("Name the settled period: --period 2020Q1 (or 2020-02)."))
    settlement = settlement or latest_settlement(period)
    if settlement is None:
        raise ValueError(
            _("No settlement was made for %(period)s.") % {"period": Period.parse(period).key}
        )
    lines = statement_lines_visible(user).filter(statement__settlement=settlement)
    return EXPORT_COLUMNS, [_export_row(row) for row in statement_rows(lines)]


def _export_row(row: dict[str, Any]) -> list[Any]:
    """A statement row in the export contract's columns (money to 2 places, tier from 1)."""
    return [
        row["partner_code"],
        row["partner_name"],
        row["program"],
        row["version"],
        row["period"],
        row["through"].isoformat() if row["through"] else "",
        "" if row["final"] is None else ("yes" if row["final"] else "no"),
        _money(row["base"]),
        "" if row["tier"] is None else row["tier"],
        _rate(row["rate"]),
        _money(row["entitlement"]),
        _money(row["already_paid"]),
        _money(row["adjustment"]),
        _money(row["payable"]),
        "yes" if row["voided"] else "no",
        row["status"],
        row["document_no"],
    ]


def program_list(*, user: Any) -> QuerySet[Any]:
    """Programs with their latest version's kind, period and status."""
    latest = ProgramVersion.objects.filter(program=OuterRef("pk")).order_by("-number")
    return restrict(Program.objects.all(), user).annotate(
        latest_kind=Subquery(latest.values("kind")[:1]),
        latest_settlement=Subquery(latest.values("settlement")[:1]),
        latest_from=Subquery(latest.values("valid_from")[:1]),
        latest_to=Subquery(latest.values("valid_to")[:1]),
        latest_status=Subquery(latest.values("status")[:1]),
        version_count=Count("versions"),
    )


def settlement_list(*, user: Any) -> QuerySet[Settlement]:
    return (
        restrict(Settlement.objects.all(), user)
        .select_related("created_by")
        .annotate(statement_count=Count("statements"))
    )


def settlement_job_list(*, user: Any) -> QuerySet[SettlementJob]:
    return restrict(SettlementJob.objects.all(), user).select_related("settlement", "started_by")


def settlement_jobs_unfinished(*, user: Any) -> list[SettlementJob]:
    """Settlements queued or running, and the ones that failed in the last day (their
    reason must not vanish with the page that asked for them)."""
    since = timezone.now() - timedelta(days=1)
    return list(
        settlement_job_list(user=user).filter(
            Q(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
            | Q(status=JobStatus.FAILED, created_at__gte=since)
        )[:10]
    )


def statement_list(*, user: Any) -> QuerySet[Statement]:
    return statements_visible(user)


def payment_export(settlement: Settlement, user: Any) -> tuple[list[str], list[list[Any]]]:
    """The approved statements of a settlement for the ERP: one row per partner; a negative
    amount is a debit note."""
    headers = [
        "document_no",
        "partner_code",
        "partner_name",
        "period",
        "amount",
        "currency",
        "kind",
        "approved_at",
    ]
    currency = settings.QUDAO.get("BASE_CURRENCY", "CNY")
    rows = []
    for statement in (
        statements_visible(user)
        .filter(settlement=settlement, status=SettlementStatus.APPROVED)
        .order_by("partner__code")
    ):
        rows.append(
            [
                statement.document_no,
                statement.partner.code,
                statement.partner.name,
                settlement.period,
                _money(statement.payable),
                currency,
                "credit" if statement.payable >= 0 else "debit",
                statement.approved_at.isoformat(timespec="seconds")
                if statement.approved_at
                else "",
            ]
        )
    return headers, rows


def settlement_summary(settlement: Settlement) -> dict[str, Any]:
    """Totals of a settlement by status and by program, for its page."""
    statements = settlement.statements.all()
    by_status = {
        row["status"]: row
        for row in statements.values("status").annotate(count=Count("pk"), payable=Sum("payable"))
    }
    by_program = list(
        StatementLine.objects.filter(statement__settlement=settlement)
        .values("program_code", "kind")
        .annotate(
            lines=Count("pk"),
            base=Sum("base"),
            entitlement=Sum("entitlement"),
            payable=Sum("payable"),
        )
        .order_by("program_code", "kind")
    )
    return {"by_status": by_status, "by_program": by_program}


def statement_context(statement: Statement, user: Any) -> dict[str, Any]:
    """A statement's rows (as exported), each with the lines and rules that made it."""
    lines = statement_lines_visible(user).filter(statement=statement)
    rows = statement_rows(lines)
    deductions = list(statement.deduction_lines.select_related("penalty", "penalty__violation"))
    return {"statement": statement, "rows": rows, "deductions": deductions}


def statement_export(context: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    return EXPORT_COLUMNS, [_export_row(row) for row in context["rows"]]


def last_sales_day() -> date | None:
    """The last day of sell-in on record (committed batches)."""
    return Batch.objects.filter(fact="sell_in", status=BatchStatus.COMMITTED).aggregate(
        day=Max("last_date")
    )["day"]


def statement_line_facts(line: StatementLine) -> tuple[list[str], list[list[Any]]]:
    """The fact lines one statement line counted (its partner, its days, as known when it
    was settled): what an auditor asks for behind a base."""
    d = line.version.rules
    first = max(line.period_start, d.valid_from)
    last_day = line.through if line.kind == "current" else line.period_end
    last = min(last_day, d.valid_to or last_day)
    known_by = max(line.through, line.statement.settlement.period_end)  # as settled
    rows = counted_lines(d, line.statement.partner.code, first, last, known_by)
    return LINE_COLUMNS, rows


ROI_DAYS_AFTER = 30


@dataclass(frozen=True)
class Roi:
    """An MDF activity's return, by the written rule (docs/rebates.md): attributed revenue
    is the partner's sell-in from the activity's first day to ``ROI_DAYS_AFTER`` days after
    its last, less its sell-in over the same number of days just before; spend is what was
    paid for the claim. ROI = (attributed − spend) ÷ spend."""

    during: Decimal
    before: Decimal
    spend: Decimal
    first: date
    last: date

    @property
    def attributed(self) -> Decimal:
        return self.during - self.before

    @property
    def roi(self) -> Decimal | None:
        return None if not self.spend else (self.attributed - self.spend) / self.spend


def mdf_roi(request: MdfRequest) -> Roi:
    first, last = request.starts_on, request.ends_on + timedelta(days=ROI_DAYS_AFTER)
    days = (last - first).days + 1
    before_first, before_last = first - timedelta(days=days), first - timedelta(days=1)
    rows = fact_table("sell_in")
    mine = rows.filter(rows.partner == request.partner.code)
    during = mine.filter((mine.order_date >= first) & (mine.order_date <= last)).amount.sum()
    earlier = mine.filter(
        (mine.order_date >= before_first) & (mine.order_date <= before_last)
    ).amount.sum()
    spend = sum(
        (c.approved_amount or ZERO for c in request.claims.filter(status=MdfStatus.PAID)), ZERO
    )
    return Roi(
        during=Decimal(during.to_pyarrow().as_py() or 0),
        before=Decimal(earlier.to_pyarrow().as_py() or 0),
        spend=spend,
        first=first,
        last=last,
    )


def fund_list(*, user: Any) -> QuerySet[Fund]:
    return restrict(Fund.objects.all(), user).select_related("channel_model", "grade")


def mdf_request_list(*, user: Any) -> QuerySet[MdfRequest]:
    return restrict(MdfRequest.objects.all(), user).select_related("partner", "fund")


def expense_claim_list(*, user: Any) -> QuerySet[ExpenseClaim]:
    return restrict(ExpenseClaim.objects.all(), user).select_related("claimant", "partner")
