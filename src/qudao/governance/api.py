"""Violations over the API: list, detail with evidence, and the workflow's transitions;
complaints, licences and agreements, risk profiles — the same selectors and services as
the pages (partners see only their own side)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from qudao.core.api import Pagination, filtered, patch_values
from qudao.core.models import User
from qudao.core.permissions import is_partner_user, restrict
from qudao.governance import selectors
from qudao.governance.filtersets import (
    ComplaintFilterSet,
    ComplianceItemFilterSet,
    RiskProfileFilterSet,
    ViolationFilterSet,
)
from qudao.governance.models import (
    Complaint,
    ComplaintSource,
    ComplaintStatus,
    ComplianceItem,
    ComplianceKind,
    ComplianceState,
    Penalty,
    RiskLevel,
    Severity,
    Violation,
    ViolationComment,
    ViolationEvidence,
)
from qudao.governance.services import (
    PenaltyOrder,
    complaint_create,
    complaint_update,
    compliance_item_create,
    compliance_item_update,
    violation_close,
    violation_comment_add,
    violation_confirm,
    violation_dismiss,
    violation_investigate,
)
from qudao.partners.models import Partner
from qudao.territories.models import Region

router = Router(tags=["violations"])
# Evidence rows in one detail answer; the rest through the page's export.
EVIDENCE_LIMIT = 1000


class ViolationOut(Schema):
    id: int
    type: str
    partner: str
    # empty for the offender's own users: who was injured is the brand's to know
    injured_partner: str | None
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
    region: str | None = Field(None, description="a region's code: the offender's home region")
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
        "partner": violation.partner.code,
        "injured_partner": injured.code if injured and brand else None,
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


@router.get("", response=list[ViolationOut])
@paginate(Pagination)
def list_violations(request: HttpRequest, filters: Query[ViolationFilters]) -> Any:
    """The violations the caller may see (a partner: those against its own company)."""
    violations = selectors.violation_list(user=request.user).select_related("assignee")
    rows = filtered(ViolationFilterSet, filters.dict(), violations, codes={"region": Region})
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


# --- partner risk: complaints, compliance items, risk profiles --------------------------

complaints_router = Router(tags=["complaints"])
compliance_router = Router(tags=["compliance items"])
risk_router = Router(tags=["partner risk"])


class ComplaintOut(Schema):
    id: int
    partner: str = Field(alias="partner.code")
    source: ComplaintSource
    received_on: date
    severity: Severity
    text: str
    status: ComplaintStatus
    resolution: str


class ComplaintIn(Schema):
    partner: str
    source: ComplaintSource
    received_on: date
    severity: Severity
    text: str
    status: ComplaintStatus = ComplaintStatus.OPEN
    resolution: str = ""


class ComplaintPatch(Schema):
    source: ComplaintSource | None = None
    received_on: date | None = None
    severity: Severity | None = None
    text: str | None = None
    status: ComplaintStatus | None = None
    resolution: str | None = None


class ComplaintFilters(Schema):
    q: str | None = None
    status: ComplaintStatus | None = None
    severity: Severity | None = None
    source: ComplaintSource | None = None


class ComplianceItemOut(Schema):
    id: int
    partner: str = Field(alias="partner.code")
    kind: ComplianceKind
    name: str
    reference: str
    valid_from: date | None
    expires_on: date | None
    remind_days: int
    note: str
    state: ComplianceState

    @staticmethod
    def resolve_state(item: ComplianceItem) -> str:
        return item.state_on(timezone.localdate()).value


class ComplianceItemIn(Schema):
    partner: str
    kind: ComplianceKind
    name: str
    reference: str = ""
    valid_from: date | None = None
    expires_on: date | None = None
    remind_days: int = Field(30, ge=0, le=366)
    note: str = ""


class ComplianceItemPatch(Schema):
    kind: ComplianceKind | None = None
    name: str | None = None
    reference: str | None = None
    valid_from: date | None = None
    expires_on: date | None = None
    remind_days: int | None = Field(None, ge=0, le=366)
    note: str | None = None


class ComplianceFilters(Schema):
    q: str | None = None
    kind: ComplianceKind | None = None
    expires_by: date | None = None


class RiskProfileOut(Schema):
    partner: str = Field(alias="partner.code")
    as_of: date
    computed_at: datetime
    receivables_as_of: date | None
    credit_limit: Decimal
    exposure: Decimal | None
    current: Decimal | None
    overdue_1_30: Decimal | None
    overdue_31_60: Decimal | None
    overdue_61_90: Decimal | None
    overdue_over_90: Decimal | None
    complaints: int
    compliance_expiring: int
    compliance_expired: int
    confirmed_violations: int
    components: dict[str, Decimal | None]
    score: Decimal
    level: RiskLevel


class RiskFilters(Schema):
    q: str | None = None
    level: RiskLevel | None = None


def _partner_seen(request: HttpRequest, code: str) -> Partner:
    """The partner as the caller sees it (404 otherwise); whether they may write about it
    is the service's rule."""
    if "\x00" in code:  # no such code, and PostgreSQL refuses to look one up
        raise HttpError(404, "Not Found")
    return get_object_or_404(Partner.objects.restrict(request.user), code=code)


@complaints_router.get("", response=list[ComplaintOut])
@paginate(Pagination)
def list_complaints(request: HttpRequest, filters: Query[ComplaintFilters]) -> Any:
    """Complaints the caller may see (a partner: those about its own company)."""
    return filtered(ComplaintFilterSet, filters.dict(), selectors.complaint_list(user=request.user))


@complaints_router.get("/{int:complaint_id}", response=ComplaintOut)
def get_complaint(request: HttpRequest, complaint_id: int) -> Any:
    return get_object_or_404(selectors.complaint_list(user=request.user), pk=complaint_id)


@complaints_router.post("", response={201: ComplaintOut})
def create_complaint(request: HttpRequest, payload: ComplaintIn) -> Any:
    data = payload.dict()
    partner = _partner_seen(request, data.pop("partner"))
    return 201, complaint_create(actor=request.user, partner=partner, **data)


@complaints_router.patch("/{int:complaint_id}", response=ComplaintOut)
def update_complaint(request: HttpRequest, complaint_id: int, payload: ComplaintPatch) -> Any:
    complaint = get_object_or_404(
        restrict(Complaint.objects.all(), request.user, "change"), pk=complaint_id
    )
    return complaint_update(
        complaint=complaint, actor=request.user, **patch_values(payload, Complaint)
    )


@compliance_router.get("", response=list[ComplianceItemOut])
@paginate(Pagination)
def list_compliance_items(request: HttpRequest, filters: Query[ComplianceFilters]) -> Any:
    """Licences and agreements the caller may see (a partner: its own)."""
    items = selectors.compliance_item_list(user=request.user)
    return filtered(ComplianceItemFilterSet, filters.dict(), items)


@compliance_router.get("/{int:item_id}", response=ComplianceItemOut)
def get_compliance_item(request: HttpRequest, item_id: int) -> Any:
    return get_object_or_404(selectors.compliance_item_list(user=request.user), pk=item_id)


@compliance_router.post("", response={201: ComplianceItemOut})
def create_compliance_item(request: HttpRequest, payload: ComplianceItemIn) -> Any:
    data = payload.dict()
    partner = _partner_seen(request, data.pop("partner"))
    return 201, compliance_item_create(actor=request.user, partner=partner, **data)


@compliance_router.patch("/{int:item_id}", response=ComplianceItemOut)
def update_compliance_item(request: HttpRequest, item_id: int, payload: ComplianceItemPatch) -> Any:
    item = get_object_or_404(
        restrict(ComplianceItem.objects.all(), request.user, "change"), pk=item_id
    )
    return compliance_item_update(
        item=item, actor=request.user, **patch_values(payload, ComplianceItem)
    )


@risk_router.get("", response=list[RiskProfileOut])
@paginate(Pagination)
def list_risk_profiles(request: HttpRequest, filters: Query[RiskFilters]) -> Any:
    """Each partner's risk profile, highest score first (the brand's internal view: the
    list is empty for partner users)."""
    profiles = selectors.risk_profile_list(user=request.user)
    return filtered(RiskProfileFilterSet, filters.dict(), profiles)
