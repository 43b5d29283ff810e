"""Writes of rebate programs and settlements. Every one checks the actor first (programs:
channel directors; settlements and approvals: finance and channel directors), so the web
page, the API and the CLI share one rule, and a refused write changes nothing."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qudao.core.bulk import bulk_insert_prepared, db_json
from qudao.core.choices import INTERNAL_ROLES, Role
from qudao.core.i18n import job_language
from qudao.core.periods import Period
from qudao.core.permissions import ensure_may_change, is_partner_user, restrict
from qudao.core.services import ensure_storable_text, model_create, model_update
from qudao.core.templatetags.qudao import money
from qudao.core.uploads import attachment_name_checked
from qudao.governance.models import Penalty, PenaltyKind, PenaltyStatus
from qudao.notifications.models import Event
from qudao.notifications.services import Message, notify, partner_people
from qudao.partners.models import Partner
from qudao.programs.figures import document_prefix
from qudao.programs.models import (
    ExpenseClaim,
    ExpenseStatus,
    Fund,
    JobStatus,
    LineKind,
    MdfClaim,
    MdfProof,
    MdfRequest,
    MdfStatus,
    Program,
    ProgramVersion,
    Settlement,
    SettlementJob,
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


def settlement_job_enqueue(
    *, period: str, actor: Any | None = None, programs: list[str] | None = None
) -> SettlementJob:
    """Queue a settlement for the background worker (the web's way: a large one takes a
    while). Checked now — who may settle, the period — so a refused one queues nothing."""
    ensure_may_change(Settlement, actor)
    try:
        parsed = Period.parse(period)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    job = SettlementJob.objects.create(
        period=parsed.key,
        programs=sorted(programs or []),
        language=job_language(),
        started_by=actor,
    )
    # deferred: the task module imports these services
    from qudao.programs.tasks import settle_task

    transaction.on_commit(lambda: settle_task.enqueue(job.pk))
    return job


def settlement_job_run(*, job: SettlementJob) -> SettlementJob:
    """Run a queued job: progress as it computes, then the settlement, or the reason it
    failed — in the language of the person who asked for it."""
    SettlementJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, progress=0)

    def report(done: int, total: int) -> None:
        fraction = 0.9 * done / max(total, 1)  # writing the statements is the last tenth
        SettlementJob.objects.filter(pk=job.pk).update(progress=fraction)

    with translation.override(job.language or None):
        try:
            settlement = rebates_settle(
                period=job.period,
                actor=job.started_by,
                programs=job.programs or None,
                progress=report,
            )
        except (ValidationError, PermissionDenied) as exc:
            messages = getattr(exc, "messages", None) or [
                str(exc) or _("You may not settle rebates.")
            ]
            _job_finish(job, JobStatus.FAILED, message="; ".join(messages))
        except Exception as exc:
            _job_finish(
                job,
                JobStatus.FAILED,
                message=_("The settlement failed: %(error)s") % {"error": str(exc)[:500]},
            )
            raise
        else:
            _job_finish(job, JobStatus.DONE, settlement=settlement)
    job.refresh_from_db()
    return job


def _job_finish(
    job: SettlementJob, status: str, *, message: str = "", settlement: Settlement | None = None
) -> None:
    SettlementJob.objects.filter(pk=job.pk).update(
        status=status,
        progress=1 if status == JobStatus.DONE else F("progress"),
        message=message,
        settlement=settlement,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


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
    # Rows straight to the driver (core.bulk): Django's bulk_create spent as long preparing
    # 5,000 statements as the database spent storing 50,000 lines.
    statement_rows = [
        _statement_row(
            settlement.pk,
            pid,
            totals[pid],
            deductions.get(pid, []),
            carried.get(pid, ZERO),
            offset=offset,
        )
        for pid in sorted(partner_ids)
    ]
    bulk_insert_prepared(Statement, STATEMENT_COLUMNS, statement_rows)
    statement_ids = dict(
        Statement.objects.filter(settlement=settlement).values_list("partner_id", "pk")
    )
    partners = computed.partners
    rows = (_line_row(line, statement_ids[partners[line.partner]]) for line in computed.lines)
    bulk_insert_prepared(StatementLine, LINE_COLUMNS, rows)
    StatementDeduction.objects.bulk_create(
        StatementDeduction(statement_id=statement_ids[pid], penalty=p, amount=p.amount or ZERO)
        for pid, taken in deductions.items()
        for p in taken
    )
    _supersede(settlement, computed)
    settlement.total_payable = sum((row[_PAYABLE] for row in statement_rows), ZERO)
    settlement.timings = {
        "compute_s": round(computing, 3),
        "write_s": round(time.perf_counter() - started, 3),
    }
    settlement.save(update_fields=["total_payable", "timings", "updated_at"])
    return settlement


# A statement's columns, in the order ``_statement_row`` gives them.
STATEMENT_COLUMNS = (
    "settlement_id", "partner_id", "status", "lines_payable", "deductions", "carried_in",
    "payable", "carried_out",
)  # fmt: skip
_PAYABLE = STATEMENT_COLUMNS.index("payable")


def _statement_row(
    settlement_id: int,
    partner_id: int,
    lines_payable: Decimal,
    deductions: list[Penalty],
    carried_in: Decimal,
    *,
    offset: bool,
) -> tuple[Any, ...]:
    """A partner's statement: its lines' payables, less penalties, plus (offset) the negative
    balance carried in; a negative total is carried forward again when offsetting."""
    deducted = sum((p.amount or ZERO for p in deductions), ZERO)
    total = lines_payable - deducted + carried_in
    payable, carried_out = (ZERO, total) if offset and total < 0 else (total, ZERO)
    return (
        settlement_id,
        partner_id,
        SettlementStatus.DRAFT.value,
        lines_payable,
        deducted,
        carried_in,
        payable,
        carried_out,
    )


# A statement line's columns, in the order ``_line_row`` gives them.
LINE_COLUMNS = (
    "statement_id", "version_id", "program_code", "kind", "period", "period_start",
    "period_end", "through", "final", "base", "base_last_year", "tier", "rate",
    "entitlement", "already_paid", "payable", "voided", "line_count", "steps",
)  # fmt: skip


def _line_row(line: LineResult, statement_id: int) -> tuple[Any, ...]:
    o, period = line.outcome, line.period
    return (
        statement_id,
        line.task.version.pk,
        line.task.code,
        LineKind.CURRENT.value if line.current else LineKind.ADJUSTMENT.value,
        period.key,
        period.start,
        period.end,
        line.through,
        line.through >= period.end,
        o.base,
        line.figures.base_last_year,
        o.tier,
        o.rate,
        o.entitlement,
        line.already_paid,
        o.entitlement - line.already_paid,
        o.voided,
        line.figures.lines,
        db_json(o.steps),
    )


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
    others = Statement.objects.filter(status=SettlementStatus.DRAFT).exclude(settlement=settlement)
    if not pairs or not others.exists():
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
    partner = statement.partner
    notify(
        event=Event.STATEMENT_READY,
        recipients=partner_people(partner),
        title=Message(
            gettext_lazy("Rebate statement %(number)s is ready"), {"number": statement.document_no}
        ),
        body=Message(
            gettext_lazy("%(partner)s: %(amount)s for %(period)s, approved by finance."),
            {
                "partner": partner,
                "amount": lazy(money, str)(statement.payable),  # in the reader's language
                "period": statement.settlement.period,
            },
        ),
        url=statement.get_absolute_url(),
        partner=partner,
        data={
            "statement_id": statement.pk,
            "document_no": statement.document_no,
            "payable": statement.payable,
            "period": statement.settlement.period,
        },
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


# -- market development funds and expense claims ----------------------------------------


def fund_create(*, actor: Any | None = None, **data: Any) -> Fund:
    return model_create(model=Fund, data=_with_period(data), actor=actor)


def fund_update(*, fund: Fund, actor: Any | None = None, **data: Any) -> Fund:
    if "amount" in data and data["amount"] < fund.committed + fund.paid:
        raise ValidationError(
            {"amount": _("Already committed and paid: %(used)s. The fund cannot be smaller.")
             % {"used": fund.committed + fund.paid}}
        )  # fmt: skip
    updated, _changed = model_update(instance=fund, data=_with_period(data), actor=actor)
    return updated


def _with_period(data: dict[str, Any]) -> dict[str, Any]:
    if "period" not in data:
        return data
    try:
        period = Period.parse(data["period"])
    except ValueError as exc:
        raise ValidationError({"period": str(exc)}) from exc
    return {**data, "period": period.key, "period_start": period.start, "period_end": period.end}


def _ensure_may_ask_for(partner: Partner, actor: Any | None) -> None:
    """Who may ask for a partner's MDF or claim it: the partner's admins (for their company
    and its sub-partners) and the brand's reviewers within their scope."""
    if actor is None:
        return
    if is_partner_user(actor):
        if not actor.has_role(Role.PARTNER_ADMIN):
            raise PermissionDenied(_("Only a partner's admin asks for market development funds."))
        if not restrict(Partner.objects.filter(pk=partner.pk), actor).exists():
            raise PermissionDenied(_("You may not act for this partner."))
        return
    ensure_may_change(MdfRequest, actor)
    if not restrict(Partner.objects.filter(pk=partner.pk), actor, "change").exists():
        raise PermissionDenied(_("You may not act for this partner."))


@transaction.atomic
def mdf_request_submit(
    *,
    partner: Partner,
    fund: Fund,
    activity: str,
    plan: str,
    budget: Decimal,
    starts_on: date,
    ends_on: date,
    actor: Any | None = None,
) -> MdfRequest:
    _ensure_may_ask_for(partner, actor)
    problems: dict[str, str] = {}
    if budget <= 0:
        problems["budget"] = _("A budget above 0.")
    if ends_on < starts_on:
        problems["ends_on"] = _("The activity ends before it starts.")
    if not (fund.period_start <= starts_on and ends_on <= fund.period_end):
        problems["starts_on"] = _(
            "The activity must fall within the fund's period (%(period)s)."
        ) % {"period": fund.period}
    open_to = (fund.channel_model_id in (None, partner.channel_model_id)) and (
        fund.grade_id in (None, partner.grade_id)
    )
    if not open_to:
        problems["fund"] = _("This fund is not open to the partner's channel model or grade.")
    if problems:
        raise ValidationError(problems)
    request = MdfRequest(
        fund=fund,
        partner=partner,
        activity=activity.strip(),
        plan=plan.strip(),
        budget=budget,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=actor,
    )
    ensure_storable_text(request)
    request.full_clean()
    if actor is not None:
        request._history_user = actor  # type: ignore[attr-defined]
    request.save()
    return request


@transaction.atomic
def mdf_request_decide(
    *,
    request: MdfRequest,
    approve: bool,
    amount: Decimal | None = None,
    note: str = "",
    actor: Any | None = None,
) -> MdfRequest:
    """Approve (committing ``amount``, the budget by default, against the fund) or reject.
    The fund row is locked first: two approvals racing never commit more than it holds."""
    ensure_may_change(MdfRequest, actor)
    if (
        actor is not None
        and not restrict(MdfRequest.objects.filter(pk=request.pk), actor, "change").exists()
    ):
        raise PermissionDenied(_("You may not decide this request."))
    fund = Fund.objects.select_for_update().get(pk=request.fund_id)
    request = MdfRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != MdfStatus.SUBMITTED:
        raise ValidationError(_("This request was decided already."))
    if approve:
        amount = request.budget if amount is None else amount
        if amount <= 0 or amount > request.budget:
            raise ValidationError({"amount": _("Approve from 0.01 up to the budget asked for.")})
        if amount > fund.remaining:
            raise ValidationError(
                {"amount": _("The fund has %(left)s left: it is never overspent.")
                 % {"left": fund.remaining}}
            )  # fmt: skip
        Fund.objects.filter(pk=fund.pk).update(committed=F("committed") + amount)
        request.status, request.approved_amount = MdfStatus.APPROVED, amount
    else:
        request.status = MdfStatus.REJECTED
    request.decision_note, request.decided_by, request.decided_at = note, actor, timezone.now()
    if actor is not None:
        request._history_user = actor  # type: ignore[attr-defined]
    request.save()
    return request


@transaction.atomic
def mdf_claim_submit(
    *,
    request: MdfRequest,
    amount: Decimal,
    description: str,
    proofs: list[UploadedFile],
    actor: Any | None = None,
) -> MdfClaim:
    """Claim an approved activity, with proof of performance (at least one file)."""
    _ensure_may_ask_for(request.partner, actor)
    request = MdfRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != MdfStatus.APPROVED:
        raise ValidationError(_("Only an approved request, not yet claimed, can be claimed."))
    if amount <= 0 or amount > (request.approved_amount or ZERO):
        raise ValidationError(
            {"amount": _("Claim from 0.01 up to the approved %(amount)s.")
             % {"amount": request.approved_amount}}
        )  # fmt: skip
    if not proofs:
        raise ValidationError({"proofs": _("Attach proof of performance (photos, invoices).")})
    if len(proofs) > MAX_PROOFS:
        raise ValidationError({"proofs": _("At most %(n)d files.") % {"n": MAX_PROOFS}})
    names = [attachment_name_checked(f, "proofs") for f in proofs]
    claim = MdfClaim(
        request=request, amount=amount, description=description.strip(), created_by=actor
    )
    ensure_storable_text(claim)
    claim.full_clean()
    claim.save()
    for upload, name in zip(proofs, names, strict=True):
        proof = MdfProof(claim=claim, name=name, size=upload.size or 0)
        proof.file.save(name, upload, save=True)
    request.status = MdfStatus.CLAIMED
    request.save(update_fields=["status", "updated_at"])
    return claim


MAX_PROOFS = 10


@transaction.atomic
def mdf_claim_decide(
    *,
    claim: MdfClaim,
    approve: bool,
    amount: Decimal | None = None,
    actor: Any | None = None,
) -> MdfClaim:
    """Finance approves what was claimed (or less), or rejects it (the request can be
    claimed again)."""
    ensure_may_change(MdfClaim, actor)
    claim = MdfClaim.objects.select_for_update().select_related("request").get(pk=claim.pk)
    if claim.status != MdfStatus.SUBMITTED:
        raise ValidationError(_("This claim was decided already."))
    if approve:
        amount = claim.amount if amount is None else amount
        if amount <= 0 or amount > claim.amount:
            raise ValidationError({"amount": _("Approve from 0.01 up to the amount claimed.")})
        claim.status, claim.approved_amount = MdfStatus.APPROVED, amount
    else:
        claim.status = MdfStatus.REJECTED
        MdfRequest.objects.filter(pk=claim.request_id).update(status=MdfStatus.APPROVED)
    claim.decided_by, claim.decided_at = actor, timezone.now()
    if actor is not None:
        claim._history_user = actor  # type: ignore[attr-defined]
    claim.save()
    return claim


@transaction.atomic
def mdf_claim_pay(*, claim: MdfClaim, actor: Any | None = None) -> MdfClaim:
    """Paid: the fund's commitment for the request becomes spend (what was not claimed is
    released back to the fund)."""
    ensure_may_change(MdfClaim, actor)
    claim = MdfClaim.objects.select_for_update().select_related("request").get(pk=claim.pk)
    if claim.status != MdfStatus.APPROVED:
        raise ValidationError(_("Only an approved claim can be paid."))
    request = claim.request
    Fund.objects.filter(pk=request.fund_id).update(
        committed=F("committed") - (request.approved_amount or ZERO),
        paid=F("paid") + (claim.approved_amount or ZERO),
    )
    claim.status, claim.paid_at = MdfStatus.PAID, timezone.now()
    if actor is not None:
        claim._history_user = actor  # type: ignore[attr-defined]
    claim.save()
    MdfRequest.objects.filter(pk=request.pk).update(status=MdfStatus.PAID)
    return claim


def is_brand_staff(user: Any) -> bool:
    """The brand's own people (any internal role, or an administrator): they claim expenses."""
    if user is None or not user.is_authenticated or is_partner_user(user):
        return False
    return bool(user.is_superuser or user.has_role(*INTERNAL_ROLES))


@transaction.atomic
def expense_claim_submit(
    *,
    category: str,
    spent_on: date,
    amount: Decimal,
    description: str,
    partner: Partner | None = None,
    receipt: UploadedFile | None = None,
    actor: Any,
) -> ExpenseClaim:
    """A channel staff member's own expense; partners' users have none."""
    if not is_brand_staff(actor):
        raise PermissionDenied(_("Expense claims are the brand's staff's."))
    if amount <= 0:
        raise ValidationError({"amount": _("An amount above 0.")})
    claim = ExpenseClaim(
        claimant=actor,
        partner=partner,
        category=category,
        spent_on=spent_on,
        amount=amount,
        description=description.strip(),
    )
    ensure_storable_text(claim)
    claim.full_clean(exclude=["receipt"])
    if receipt is not None:
        claim.receipt_name = attachment_name_checked(receipt, "receipt")
        claim.receipt.save(claim.receipt_name, receipt, save=False)
    claim._history_user = actor  # type: ignore[attr-defined]
    claim.save()
    return claim


@transaction.atomic
def expense_claim_decide(
    *, claim: ExpenseClaim, approve: bool, note: str = "", actor: Any | None = None
) -> ExpenseClaim:
    """Finance or the channel director; never one's own claim."""
    ensure_may_change(ExpenseClaim, actor)
    claim = ExpenseClaim.objects.select_for_update().get(pk=claim.pk)
    if actor is not None and claim.claimant_id == actor.pk:
        raise PermissionDenied(_("Nobody approves their own expense claim."))
    if claim.status != ExpenseStatus.SUBMITTED:
        raise ValidationError(_("This claim was decided already."))
    claim.status = ExpenseStatus.APPROVED if approve else ExpenseStatus.REJECTED
    claim.decision_note, claim.decided_by, claim.decided_at = note, actor, timezone.now()
    if actor is not None:
        claim._history_user = actor  # type: ignore[attr-defined]
    claim.save()
    return claim


@transaction.atomic
def expense_claim_pay(*, claim: ExpenseClaim, actor: Any | None = None) -> ExpenseClaim:
    ensure_may_change(ExpenseClaim, actor)
    claim = ExpenseClaim.objects.select_for_update().get(pk=claim.pk)
    if claim.status != ExpenseStatus.APPROVED:
        raise ValidationError(_("Only an approved claim can be paid."))
    claim.status, claim.paid_at = ExpenseStatus.PAID, timezone.now()
    if actor is not None:
        claim._history_user = actor  # type: ignore[attr-defined]
    claim.save()
    return claim
