"""Reads of rebate programs and statements, always through ``restrict``: a partner user sees
its own approved statements (drafts are the brand's until finance approves them)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from qudao.core.periods import Period
from qudao.core.permissions import is_partner_user, restrict
from qudao.programs.models import Settlement, SettlementStatus, Statement, StatementLine
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
    statements = Statement.objects.all() if user is None else restrict(Statement.objects.all(), user)
    if is_partner_user(user):
        statements = statements.filter(status=SettlementStatus.APPROVED)
    return statements.select_related("partner", "settlement")


def statement_lines_visible(user: Any | None) -> QuerySet[StatementLine]:
    lines = StatementLine.objects.all() if user is None else restrict(StatementLine.objects.all(), user)
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


def rebates_export(period: str | None, user: Any) -> tuple[list[str], list[list[Any]]]:
    """``qudao export rebates --period P``: the statement lines of the latest settlement
    made for P, one row per partner and program (``user``: only what they may see)."""
    if not period:
        raise ValueError(_("Name the settled period: --period 2020Q1 (or 2020-02)."))
    settlement = latest_settlement(period)
    if settlement is None:
        raise ValueError(_("No settlement was made for %(period)s.") % {"period": Period.parse(period).key})
    lines = statement_lines_visible(user).filter(statement__settlement=settlement)
    rows = []
    for row in statement_rows(lines):
        rows.append(
            [
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
        )
    return EXPORT_COLUMNS, rows
