"""Writes of rebate programs and settlements. Every one checks the actor first (programs:
channel directors; settlements and approvals: finance and channel directors), so the web
page, the API and the CLI share one rule, and a refused write changes nothing."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.core.bulk import bulk_insert
from qudao.core.periods import Period
from qudao.core.permissions import ensure_may_change
from qudao.governance.models import Penalty, PenaltyKind, PenaltyStatus
from qudao.programs.figures import document_prefix
from qudao.programs.models import (
    Program,
    ProgramVersion,
    Settlement,
    SettlementStatus,
    Statement,
    StatementDeduction,
    StatementLine,
    VersionStatus,
)
from qudao.programs.rules import ZERO, Definition, parse_definition, parse_toml
from qudao.programs.settling import Computed, LineResult, approved_paid, compute, plan

# -- programs ----------------------------------------------------------------------------


@transaction.atomic
def program_version_create(
    *, definition: Definition, source: str = "", actor: Any | None = None, publish: bool = True
) -> ProgramVersion:
    """The program ``definition.code`` (created when new) gets a new version; published at
    once unless ``publish`` is false (a draft to simulate first)."""
    ensure_may_change(ProgramVersion, actor)
    program, created = Program.objects.select_for_update().get_or_create(
        code=definition.code,
        defaults={
            "name_en": definition.name_en or definition.name_zh,
            "name_zh": definition.name_zh,
        },
    )
    if not created and (program.name_en, program.name_zh) != (
        definition.name_en,
        definition.name_zh,
    ):
        program.name_en = definition.name_en or definition.name_zh
        program.name_zh = definition.name_zh
        if actor is not None:
            program._history_user = actor  # type: ignore[attr-defined]
        program.save(update_fields=["name_en", "name_zh", "updated_at"])
    number = (program.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ProgramVersion(
        program=program,
        number=number,
        status=VersionStatus.PUBLISHED if publish else VersionStatus.DRAFT,
        kind=definition.kind,
        settlement=definition.settlement,
        valid_from=definition.valid_from,
        valid_to=definition.valid_to,
        definition=definition.as_json(),
        source=source or definition.as_toml(),
        created_by=actor,
        published_at=timezone.now() if publish else None,
    )
    if actor is not None:
        version._history_user = actor  # type: ignore[attr-defined]
    version.save()
    return version


def program_load(*, text: str, actor: Any | None = None, publish: bool = True) -> ProgramVersion:
    """``qudao programs load FILE.toml``: the file's program, or a new version of it."""
    ensure_may_change(ProgramVersion, actor)
    return program_version_create(
        definition=parse_toml(text), source=text, actor=actor, publish=publish
    )


@transaction.atomic
def program_version_publish(*, version: ProgramVersion, actor: Any | None = None) -> ProgramVersion:
    ensure_may_change(ProgramVersion, actor)
    version = ProgramVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise ValidationError(_("Only a draft can be published."))
    version.status, version.published_at = VersionStatus.PUBLISHED, timezone.now()
    if actor is not None:
        version._history_user = actor  # type: ignore[attr-defined]
    version.save(update_fields=["status", "published_at", "updated_at"])
    return version


@transaction.atomic
def program_version_withdraw(
    *, version: ProgramVersion, actor: Any | None = None
) -> ProgramVersion:
    """No longer settled from now on (what it paid stays paid)."""
    ensure_may_change(ProgramVersion, actor)
    version = ProgramVersion.objects.select_for_update().get(pk=version.pk)
    version.status = VersionStatus.WITHDRAWN
    if actor is not None:
        version._history_user = actor  # type: ignore[attr-defined]
    version.save(update_fields=["status", "updated_at"])
    return version


def definition_from_data(data: dict[str, Any]) -> Definition:
    """The same checks a TOML file gets, for what the web form built."""
    return parse_definition(data)


# -- settlements -------------------------------------------------------------------------


def negative_handling() -> str:
    """What a negative payable becomes: ``debit`` (a debit note to the partner, the default)
    or ``offset`` (carried forward against the partner's next payout)."""
    from django.conf import settings  # deferred: read at call time, tests override it

    return str(getattr(settings, "QUDAO", {}).get("REBATE_NEGATIVE_PAYABLE", "debit"))


class PaidMeanwhile(ValidationError):
    pass


def rebates_settle(
    *,
    period: str,
    actor: Any | None = None,
    approve: bool = False,
    programs: list[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Settlement:
    """Settle every program in effect for ``period`` (2020-02, 2020Q1, 2020): a statement per
    enrolled partner, drafts until approved (``approve``: at once, by the same actor).
    Drafts of earlier settlements for the same (partner, program, period) are superseded."""
    ensure_may_change(Settlement, actor)
    if approve:
        ensure_may_change(Statement, actor)
    settled = Period.parse(period)
    started = time.perf_counter()
    work = plan(settled, program_codes=programs)
    computed = compute(work, progress=progress)
    computing = time.perf_counter() - started
    settlement = _write_settlement(settled, work.skipped, computed, actor, computing)
    if approve:
        settlement_approve(settlement=settlement, actor=actor)
        settlement.refresh_from_db()
    return settlement


@transaction.atomic
def _write_settlement(
    settled: Period, skipped: list[str], computed: Computed, actor: Any | None, computing: float
) -> Settlement:
    started = time.perf_counter()
    codes = {line.task.code for line in computed.lines}
    # What was paid must not have moved while we computed (an approval racing us).
    partner_ids = set(computed.partners.values())
    now_paid = approved_paid(codes, partner_ids)
    then_paid = {k: v for k, v in computed.paid_snapshot.items() if k[0] in partner_ids}
    if now_paid != then_paid:
        raise PaidMeanwhile(
            _("A statement was approved while this settlement was computed: settle again.")
        )
    settlement = Settlement(
        period=settled.key,
        period_start=settled.start,
        period_end=settled.end,
        created_by=actor,
        engine="duckdb",
        parameters={
            "period": settled.key,
            "negative_payable": negative_handling(),
            "document_prefix": document_prefix(),
            "versions": sorted(
                {f"{line.task.code} v{line.task.version.number}" for line in computed.lines}
            ),
            "skipped": skipped,
        },
        row_counts={
            **computed.counts,
            "partners": len(computed.partners),
            "lines": len(computed.lines),
        },
    )
    if actor is not None:
        settlement._history_user = actor  # type: ignore[attr-defined]
    settlement.save()
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for line in computed.lines:
        totals[computed.partners[line.partner]] += line.payable
    deductions = _deductions(settled, partner_ids)
    offset = negative_handling() == "offset"
    carried = _carried_in(partner_ids) if offset else {}
    Statement.objects.bulk_create(
        _statement(
            settlement,
            pid,
            totals[pid],
            deductions.get(pid, []),
            carried.get(pid, ZERO),
            offset=offset,
        )
        for pid in sorted(partner_ids)
    )
    statements = {s.partner_id: s for s in Statement.objects.filter(settlement=settlement)}
    rows = [
        _line_row(line, statements[computed.partners[line.partner]].pk) for line in computed.lines
    ]
    bulk_insert(StatementLine, rows)
    StatementDeduction.objects.bulk_create(
        StatementDeduction(statement=statements[pid], penalty=p, amount=p.amount or ZERO)
        for pid, taken in deductions.items()
        for p in taken
    )
    _supersede(settlement, computed)
    settlement.total_payable = sum((s.payable for s in statements.values()), ZERO)
    settlement.timings = {
        "compute_s": round(computing, 3),
        "write_s": round(time.perf_counter() - started, 3),
    }
    settlement.save(update_fields=["total_payable", "timings", "updated_at"])
    return settlement


def _statement(
    settlement: Settlement,
    partner_id: int,
    lines_payable: Decimal,
    deductions: list[Penalty],
    carried_in: Decimal,
    *,
    offset: bool,
) -> Statement:
    """A partner's statement: its lines' payables, less penalties, plus (offset) the negative
    balance carried in; a negative total is carried forward again when offsetting."""
    deducted = sum((p.amount or ZERO for p in deductions), ZERO)
    total = lines_payable - deducted + carried_in
    payable, carried_out = (ZERO, total) if offset and total < 0 else (total, ZERO)
    return Statement(
        settlement=settlement,
        partner_id=partner_id,
        lines_payable=lines_payable,
        deductions=deducted,
        carried_in=carried_in,
        payable=payable,
        carried_out=carried_out,
    )


def _line_row(line: LineResult, statement_id: int) -> dict[str, Any]:
    o = line.outcome
    return {
        "statement_id": statement_id,
        "version_id": line.task.version.pk,
        "program_code": line.task.code,
        "kind": "current" if line.current else "adjustment",
        "period": line.period.key,
        "period_start": line.period.start,
        "period_end": line.period.end,
        "through": line.through,
        "final": line.through >= line.period.end,
        "base": o.base,
        "base_last_year": line.figures.base_last_year,
        "tier": o.tier,
        "rate": o.rate,
        "entitlement": o.entitlement,
        "already_paid": line.already_paid,
        "payable": line.payable,
        "voided": o.voided,
        "line_count": line.figures.lines,
        "steps": o.steps,
    }


def _deductions(settled: Period, partner_ids: set[int]) -> dict[int, list[Penalty]]:
    """Rebate deductions applied to these partners for a period up to this one, and not yet
    taken by an approved statement."""
    taken = StatementDeduction.objects.filter(
        statement__status=SettlementStatus.APPROVED
    ).values_list("penalty_id", flat=True)
    found: dict[int, list[Penalty]] = defaultdict(list)
    penalties = Penalty.objects.filter(
        kind=PenaltyKind.REBATE_DEDUCTION,
        status__in=(PenaltyStatus.APPLIED, PenaltyStatus.APPROVED),
        partner_id__in=partner_ids,
        amount__gt=0,
    ).exclude(pk__in=taken)
    for penalty in penalties:
        try:
            due = Period.parse(penalty.period).start if penalty.period else settled.start
        except ValueError:
            due = settled.start
        if due <= settled.end:
            found[penalty.partner_id].append(penalty)
    return found


def _carried_in(partner_ids: set[int]) -> dict[int, Decimal]:
    """Each partner's negative balance carried forward by its latest approved statement."""
    found: dict[int, Decimal] = {}
    for partner_id, carried in (
        Statement.objects.filter(partner_id__in=partner_ids, status=SettlementStatus.APPROVED)
        .order_by("partner_id", "approved_at", "pk")
        .values_list("partner_id", "carried_out")
    ):
        found[partner_id] = carried
    return found


def _supersede(settlement: Settlement, computed: Computed) -> None:
    """Drafts of earlier settlements covering the same (partner, program, period) are
    superseded: approving them after this one would pay twice."""
    pairs = {
        (computed.partners[line.partner], line.task.code, line.period.key)
        for line in computed.lines
    }
    if not pairs:
        return
    candidates = StatementLine.objects.filter(
        statement__status=SettlementStatus.DRAFT,
        statement__partner_id__in={p for p, _c, _k in pairs},
        program_code__in={c for _p, c, _k in pairs},
        period__in={k for _p, _c, k in pairs},
    ).exclude(statement__settlement=settlement)
    stale = {
        statement_id
        for statement_id, partner_id, code, key in candidates.values_list(
            "statement_id", "statement__partner_id", "program_code", "period"
        )
        if (partner_id, code, key) in pairs
    }
    if stale:
        Statement.objects.filter(pk__in=stale).update(status=SettlementStatus.SUPERSEDED)
        for earlier in Settlement.objects.filter(statements__pk__in=stale).distinct():
            _refresh_status(earlier)


def _refresh_status(settlement: Settlement) -> None:
    statuses = set(settlement.statements.values_list("status", flat=True))
    if SettlementStatus.DRAFT in statuses:
        status = SettlementStatus.DRAFT
    elif SettlementStatus.APPROVED in statuses:
        status = SettlementStatus.APPROVED
    else:
        status = SettlementStatus.SUPERSEDED
    if settlement.status != status:
        settlement.status = status
        settlement.save(update_fields=["status", "updated_at"])


@transaction.atomic
def statement_approve(*, statement: Statement, actor: Any | None = None) -> Statement:
    """Finance approves: the statement's payouts now count as paid; it gets its document
    number (the ERP's credit note carries it, which keeps credit notes out of any base)."""
    ensure_may_change(Statement, actor)
    locked = Statement.objects.select_for_update().get(pk=statement.pk)
    _approve(locked, actor)
    _refresh_status(locked.settlement)
    return locked


def _approve(statement: Statement, actor: Any | None) -> None:
    if statement.status != SettlementStatus.DRAFT:
        raise ValidationError(
            _("Only a draft statement can be approved; this one is %(status)s.")
            % {"status": statement.get_status_display()}
        )
    if negative_handling() == "offset" and statement.carried_in != _carried_in(
        {statement.partner_id}
    ).get(statement.partner_id, ZERO):
        raise ValidationError(
            _("The balance carried forward changed since this settlement: settle again.")
        )
    statement.status = SettlementStatus.APPROVED
    statement.approved_by = actor
    statement.approved_at = timezone.now()
    statement.document_no = f"{document_prefix()}{statement.settlement_id}-{statement.pk}"
    if actor is not None:
        statement._history_user = actor  # type: ignore[attr-defined]
    statement.save(
        update_fields=["status", "approved_by", "approved_at", "document_no", "updated_at"]
    )


@transaction.atomic
def settlement_approve(*, settlement: Settlement, actor: Any | None = None) -> int:
    """Approve every draft statement of ``settlement``; how many were approved."""
    ensure_may_change(Statement, actor)
    drafts = list(
        Statement.objects.select_for_update().filter(
            settlement=settlement, status=SettlementStatus.DRAFT
        )
    )
    if not drafts and settlement.status != SettlementStatus.DRAFT:
        raise ValidationError(_("This settlement has no draft statements left to approve."))
    for statement in drafts:
        _approve(statement, actor)
    _refresh_status(settlement)
    return len(drafts)
