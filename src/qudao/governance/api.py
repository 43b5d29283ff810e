"""Violations over the API: list, detail with evidence, and the workflow's transitions —
the same selectors and services as the pages (partners see only their own side)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from qudao.core.api import Pagination, filtered
from qudao.core.models import User
from qudao.core.permissions import is_partner_user
from qudao.governance import selectors
from qudao.governance.filtersets import ViolationFilterSet
from qudao.governance.models import Penalty, Violation, ViolationComment, ViolationEvidence
from qudao.governance.services import (
    PenaltyOrder,
    violation_close,
    violation_comment_add,
    violation_confirm,
    violation_dismiss,
    violation_investigate,
)

router = Router(tags=["violations"])
# Evidence rows in one detail answer; the rest through the page's export.
EVIDENCE_LIMIT = 1000


class ViolationOut(Schema):
    id: int
    type: str
    partner_code: str
    # empty for the offender's own users: who was injured is the brand's to know
    injured_partner_code: str | None
    period: str
    quantity: Decimal
    value: Decimal | None
    evidence_count: int
    severity: str
    status: str
    assignee: str | None
    due_date: date | None
    decision_note: str
    created_at: datetime


class EvidenceOut(Schema):
    fact: str
    batch_id: int
    row: int
    day: date
    region: str
    product: str
    code: str
    time: str | None
    quantity: Decimal
    value: Decimal | None


class PenaltyOut(Schema):
    id: int
    kind: str
    amount: Decimal | None
    period: str
    status: str


class CommentOut(Schema):
    id: int
    author: str | None
    text: str
    appeal: bool
    internal: bool
    attachment_name: str
    created_at: datetime


class ViolationDetailOut(ViolationOut):
    evidence: list[EvidenceOut]
    penalties: list[PenaltyOut]
    comments: list[CommentOut]


class ViolationFilters(Schema):
    q: str | None = None
    type: str | None = None
    region: int | None = Field(None, description="a region id: the offender's home region")
    status: str | None = None
    period: str | None = None


class InvestigateIn(Schema):
    assignee: str = Field(description="the username of someone who may work on the partner")
    due_date: date | None = None


class PenaltyIn(Schema):
    kind: str = Field(description="warning, fine, rebate_deduction, grade_downgrade or suspension")
    amount: Decimal | None = Field(None, description="a fine's or rebate deduction's amount")
    period: str = Field("", description="a rebate deduction's period (default: the quarter)")


class ConfirmIn(Schema):
    note: str
    penalties: list[PenaltyIn] = []


class DismissIn(Schema):
    reason: str


class CloseIn(Schema):
    note: str = ""


class CommentIn(Schema):
    text: str
    internal: bool = False


def _out(violation: Violation, user: Any) -> dict[str, Any]:
    brand = not is_partner_user(user)
    injured = violation.injured_partner
    return {
        "id": violation.pk,
        "type": violation.type,
        "partner_code": violation.partner.code,
        "injured_partner_code": injured.code if injured and brand else None,
        "period": violation.period,
        "quantity": violation.quantity,
        "value": violation.value,
        "evidence_count": violation.evidence_count,
        "severity": violation.severity,
        "status": violation.status,
        "assignee": violation.assignee.username if violation.assignee and brand else None,
        "due_date": violation.due_date,
        "decision_note": violation.decision_note,
        "created_at": violation.created_at,
    }


def _evidence(row: ViolationEvidence) -> dict[str, Any]:
    return {
        **{name: getattr(row, name) for name in ("fact", "batch_id", "row", "day", "region")},
        **{name: getattr(row, name) for name in ("product", "code", "quantity", "value")},
        "time": row.time.isoformat() if row.time else None,
    }


def _penalty(penalty: Penalty) -> dict[str, Any]:
    return {
        "id": penalty.pk,
        "kind": penalty.kind,
        "amount": penalty.amount,
        "period": penalty.period,
        "status": penalty.status,
    }


def _comment(comment: ViolationComment) -> dict[str, Any]:
    return {
        "id": comment.pk,
        "author": comment.author.username if comment.author else None,
        "text": comment.text,
        "appeal": comment.appeal,
        "internal": comment.internal,
        "attachment_name": comment.attachment_name,
        "created_at": comment.created_at,
    }


def _violation(request: HttpRequest, violation_id: int) -> Violation:
    return get_object_or_404(
        selectors.violation_list(user=request.user).select_related("assignee"), pk=violation_id
    )


def _detail(violation: Violation, user: Any) -> dict[str, Any]:
    evidence = selectors.violation_evidence(violation=violation, user=user)[:EVIDENCE_LIMIT]
    return {
        **_out(violation, user),
        "evidence": [_evidence(e) for e in evidence],
        "penalties": [
            _penalty(p) for p in selectors.violation_penalties(violation=violation, user=user)
        ],
        "comments": [
            _comment(c) for c in selectors.violation_comments(violation=violation, user=user)
        ],
    }


@router.get("/", response=list[ViolationOut])
@paginate(Pagination)
def list_violations(request: HttpRequest, filters: Query[ViolationFilters]) -> Any:
    """The violations the caller may see (a partner: those against its own company)."""
    violations = selectors.violation_list(user=request.user).select_related("assignee")
    rows = filtered(ViolationFilterSet, filters.dict(), violations)
    return [_out(v, request.user) for v in rows]


@router.get("/{int:violation_id}", response=ViolationDetailOut)
def get_violation(request: HttpRequest, violation_id: int) -> Any:
    """One violation with its evidence (up to 1,000 rows), penalties and comments."""
    return _detail(_violation(request, violation_id), request.user)


@router.post("/{int:violation_id}/investigate", response=ViolationDetailOut)
def investigate(request: HttpRequest, violation_id: int, payload: InvestigateIn) -> Any:
    violation = _violation(request, violation_id)
    # a NUL cannot be looked up on PostgreSQL: no such user, as anywhere else
    known = "\x00" not in payload.assignee
    assignee = (
        User.objects.filter(username=payload.assignee, is_active=True).first() if known else None
    )
    if assignee is None:
        raise HttpError(422, f"No user {payload.assignee[:80]!r}.")
    done = violation_investigate(
        violation=violation, assignee=assignee, due_date=payload.due_date, actor=request.user
    )
    return _detail(done, request.user)


@router.post("/{int:violation_id}/confirm", response=ViolationDetailOut)
def confirm(request: HttpRequest, violation_id: int, payload: ConfirmIn) -> Any:
    """Confirm with penalties; a downgrade and a suspension become the director's proposals."""
    orders = [PenaltyOrder(p.kind, p.amount, p.period) for p in payload.penalties]
    done = violation_confirm(
        violation=_violation(request, violation_id),
        penalties=orders,
        note=payload.note,
        actor=request.user,
    )
    return _detail(done, request.user)


@router.post("/{int:violation_id}/dismiss", response=ViolationDetailOut)
def dismiss(request: HttpRequest, violation_id: int, payload: DismissIn) -> Any:
    done = violation_dismiss(
        violation=_violation(request, violation_id), reason=payload.reason, actor=request.user
    )
    return _detail(done, request.user)


@router.post("/{int:violation_id}/close", response=ViolationDetailOut)
def close(request: HttpRequest, violation_id: int, payload: CloseIn) -> Any:
    done = violation_close(
        violation=_violation(request, violation_id), note=payload.note, actor=request.user
    )
    return _detail(done, request.user)


@router.post("/{int:violation_id}/comments", response={201: CommentOut})
def comment(request: HttpRequest, violation_id: int, payload: CommentIn) -> Any:
    """A comment; from the offender's own users it is an appeal (申诉)."""
    added = violation_comment_add(
        violation=_violation(request, violation_id),
        text=payload.text,
        internal=payload.internal,
        actor=request.user,
    )
    return 201, _comment(added)
