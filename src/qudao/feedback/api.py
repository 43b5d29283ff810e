"""Product feedback over the API: list, get, submit, route or decline (the channel team),
answer (the product team) — the same selectors and services as the pages."""

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from qudao.catalog.models import Category, Product
from qudao.core.api import Pagination, filtered, resolve_code
from qudao.core.models import User
from qudao.feedback import selectors
from qudao.feedback.filtersets import FeedbackFilterSet
from qudao.feedback.models import FeedbackKind, FeedbackSeverity, FeedbackStatus
from qudao.feedback.services import (
    feedback_answer,
    feedback_decline,
    feedback_route,
    feedback_submit,
)
from qudao.feedback.views import _may_submit
from qudao.partners.models import Partner

router = Router(tags=["feedback"])


class FeedbackOut(Schema):
    id: int
    partner: str | None
    product: str | None
    category: str | None
    kind: FeedbackKind
    severity: FeedbackSeverity
    title: str
    text: str
    status: FeedbackStatus
    submitted_at: datetime
    routed_to: str | None
    answer: str
    answered_at: datetime | None

    @staticmethod
    def resolve_partner(f: Any) -> str | None:
        return f.partner.code if f.partner else None

    @staticmethod
    def resolve_product(f: Any) -> str | None:
        return f.product.code if f.product else None

    @staticmethod
    def resolve_category(f: Any) -> str | None:
        return f.category.code if f.category else None

    @staticmethod
    def resolve_submitted_at(f: Any) -> datetime:
        return f.created_at

    @staticmethod
    def resolve_routed_to(f: Any) -> str | None:
        return f.routed_to.username if f.routed_to else None


class FeedbackIn(Schema):
    partner: str | None = Field(None, description="a partner's code (a partner's staff: theirs)")
    product: str | None = Field(None, description="a product's code")
    category: str | None = Field(None, description="a category's code, if not one product")
    kind: FeedbackKind
    severity: FeedbackSeverity = FeedbackSeverity.MEDIUM
    title: str
    text: str


class FeedbackFilters(Schema):
    q: str | None = None
    kind: FeedbackKind | None = None
    severity: FeedbackSeverity | None = None
    status: FeedbackStatus | None = None


class TriageIn(Schema):
    action: Literal["route", "decline"]
    owner: str | None = Field(None, description="routing: a product team member's user name")
    severity: FeedbackSeverity | None = None
    note: str = ""


class AnswerIn(Schema):
    answer: str


@router.get("", response=list[FeedbackOut])
@paginate(Pagination)
def list_feedback(request: HttpRequest, filters: Query[FeedbackFilters]) -> Any:
    return filtered(FeedbackFilterSet, filters.dict(), selectors.feedback_list(user=request.user))


@router.get("/{int:feedback_id}", response=FeedbackOut)
def get_feedback(request: HttpRequest, feedback_id: int) -> Any:
    return get_object_or_404(selectors.feedback_list(user=request.user), pk=feedback_id)


@router.post("", response={201: FeedbackOut})
def submit_feedback(request: HttpRequest, payload: FeedbackIn) -> Any:
    if not _may_submit(request.user):  # before codes are looked up as the user
        raise HttpError(403, "You may not submit feedback.")
    data = payload.dict()
    user = request.user
    data["partner"] = resolve_code(Partner, data["partner"], user=user, field="partner")
    data["product"] = resolve_code(Product, data["product"], user=user, field="product")
    data["category"] = resolve_code(Category, data["category"], user=user, field="category")
    return Status(201, feedback_submit(actor=user, **data))


@router.post("/{int:feedback_id}/triage", response=FeedbackOut)
def triage_feedback(request: HttpRequest, feedback_id: int, payload: TriageIn) -> Any:
    feedback = get_object_or_404(selectors.feedback_list(user=request.user), pk=feedback_id)
    if payload.action == "decline":
        return feedback_decline(feedback=feedback, note=payload.note, actor=request.user)
    owner = User.objects.filter(username=(payload.owner or "").replace("\\x00", "")).first()
    return feedback_route(
        feedback=feedback,
        owner=owner,
        severity=payload.severity,
        note=payload.note,
        actor=request.user,
    )


@router.post("/{int:feedback_id}/answer", response=FeedbackOut)
def answer_feedback(request: HttpRequest, feedback_id: int, payload: AnswerIn) -> Any:
    feedback = get_object_or_404(selectors.feedback_list(user=request.user), pk=feedback_id)
    return feedback_answer(feedback=feedback, answer=payload.answer, actor=request.user)
