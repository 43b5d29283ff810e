"""Deal registrations over the API: list, detail (with the conflicts found, for the brand's
staff), register, correct, decide, extend, close — the same selectors and services as the
pages."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from qudao.catalog.models import Product
from qudao.core.api import Pagination, filtered, patch_values, resolve_code
from qudao.core.models import User
from qudao.core.permissions import can_change, is_partner_user
from qudao.deals import selectors
from qudao.deals.filtersets import DealFilterSet
from qudao.deals.models import ConflictKind, DealRegistration, DealStatus, MatchBasis, RealisedFact
from qudao.deals.services import (
    deal_approve,
    deal_close,
    deal_extend,
    deal_registration_create,
    deal_registration_update,
    deal_reject,
    deal_route,
)
from qudao.partners.models import Partner
from qudao.territories.models import Region

router = Router(tags=["deals"])
CENT = Decimal("0.01")


class ConflictOut(Schema):
    kind: ConflictKind
    matches: str = Field(description="the direct account's or the other registration's customer")
    other_registration: int | None
    basis: MatchBasis
    score: Decimal = Field(description="0–100; 100 = same tax id or the same normalised name")
    held_by: str = Field(description="the account's sales owner, or the other partner's code")

    @staticmethod
    def resolve_matches(c: Any) -> str:
        return c.matched_name

    @staticmethod
    def resolve_other_registration(c: Any) -> int | None:
        return c.other_deal_id

    @staticmethod
    def resolve_held_by(c: Any) -> str:
        if c.account is not None:
            return c.account.owner.username if c.account.owner else ""
        return c.other_deal.partner.code if c.other_deal else ""


class DealOut(Schema):
    id: int
    number: str
    partner: str
    customer_name: str
    customer_tax_id: str
    customer_region: str | None
    products: list[str]
    value: Decimal
    expected_close: date
    description: str
    status: DealStatus
    registered_at: datetime
    decided_at: datetime | None
    decision_note: str
    protected_until: date | None
    extensions: int
    routed_to: str | None
    closed_on: date | None
    realised_fact: str
    realised_document: str
    realised_amount: Decimal | None

    @staticmethod
    def resolve_partner(d: DealRegistration) -> str:
        return d.partner.code

    @staticmethod
    def resolve_customer_region(d: DealRegistration) -> str | None:
        return d.customer_region.code if d.customer_region else None

    @staticmethod
    def resolve_products(d: DealRegistration) -> list[str]:
        return [p.code for p in d.products.all()]

    @staticmethod
    def resolve_registered_at(d: DealRegistration) -> datetime:
        return d.created_at

    @staticmethod
    def resolve_routed_to(d: DealRegistration) -> str | None:
        return d.routed_to.username if d.routed_to else None

    @staticmethod
    def resolve_value(d: DealRegistration) -> Decimal:
        return d.value.quantize(CENT)


class DealDetailOut(DealOut):
    conflicts: list[ConflictOut] | None = Field(None, description="null for partners' staff")

    @staticmethod
    def resolve_conflicts(d: DealRegistration, context: dict[str, Any]) -> list[Any] | None:
        user = context["request"].user
        if is_partner_user(user):
            return None
        return list(selectors.deal_conflicts(deal=d, user=user))


class DealIn(Schema):
    partner: str = Field(description="the registering partner's code")
    customer_name: str
    customer_tax_id: str = ""
    customer_region: str | None = Field(None, description="a region's code")
    products: list[str] = Field([], description="product codes")
    value: Decimal
    expected_close: date
    description: str = ""


class DealPatch(Schema):
    customer_name: str | None = None
    customer_tax_id: str | None = None
    value: Decimal | None = None
    expected_close: date | None = None
    description: str | None = None


class DealFilters(Schema):
    q: str | None = None
    status: DealStatus | None = None
    in_conflict: bool | None = None


class DecisionIn(Schema):
    action: Literal["approve", "reject", "route"]
    note: str = ""
    days: int | None = Field(None, description="protection window (default: the setting)")
    owner: str | None = Field(None, description="routing: the sales owner's user name")


class ExtensionIn(Schema):
    days: int | None = None
    note: str = ""


class OutcomeIn(Schema):
    won: bool
    fact: RealisedFact | None = None
    document: str = Field("", description="sell-in order id or sell-through document id")
    note: str = ""


def _deal(request: HttpRequest, deal_id: int) -> DealRegistration:
    return get_object_or_404(selectors.deal_list(user=request.user), pk=deal_id)


def _products(codes: list[str], user: Any) -> list[Product]:
    return [resolve_code(Product, c, user=user, field="products") for c in codes]


@router.get("", response=list[DealOut])
@paginate(Pagination)
def list_deals(request: HttpRequest, filters: Query[DealFilters]) -> Any:
    rows = selectors.deal_list(user=request.user).prefetch_related("products")
    return filtered(DealFilterSet, filters.dict(), rows)


@router.get("/{int:deal_id}", response=DealDetailOut)
def get_deal(request: HttpRequest, deal_id: int) -> Any:
    return _deal(request, deal_id)


@router.post("", response={201: DealDetailOut})
def create_deal(request: HttpRequest, payload: DealIn) -> Any:
    """Register an opportunity: a partner's admin for its own tree, the channel team for
    the partners in its scope. The conflicts are looked for at once."""
    if not can_change(request.user, DealRegistration):  # before codes are looked up as the user
        raise HttpError(403, "You may not register deals.")
    data = payload.dict()
    data["partner"] = resolve_code(Partner, data["partner"], user=request.user, field="partner")
    data["customer_region"] = resolve_code(
        Region, data["customer_region"], user=request.user, field="customer_region"
    )
    data["products"] = _products(data["products"], request.user)
    return Status(201, deal_registration_create(actor=request.user, **data))


@router.patch("/{int:deal_id}", response=DealDetailOut)
def update_deal(request: HttpRequest, deal_id: int, payload: DealPatch) -> Any:
    deal = _deal(request, deal_id)
    values = patch_values(payload, DealRegistration)
    return deal_registration_update(deal=deal, actor=request.user, **values)


@router.post("/{int:deal_id}/decision", response=DealDetailOut)
def decide_deal(request: HttpRequest, deal_id: int, payload: DecisionIn) -> Any:
    """Approve (the customer is protected for the window), reject (a note is required) or
    route to the direct-sales owner — the channel team only."""
    deal = _deal(request, deal_id)
    if payload.action == "approve":
        return deal_approve(deal=deal, actor=request.user, note=payload.note, days=payload.days)
    if payload.action == "reject":
        return deal_reject(deal=deal, actor=request.user, note=payload.note)
    owner = None
    if payload.owner:
        owner = User.objects.filter(username=payload.owner.replace("\x00", "")).first()
        if owner is None:
            raise ValidationError({"owner": [f"No user named {payload.owner[:100]}."]})
    return deal_route(deal=deal, actor=request.user, owner=owner, note=payload.note)


@router.post("/{int:deal_id}/extension", response=DealDetailOut)
def extend_deal(request: HttpRequest, deal_id: int, payload: ExtensionIn) -> Any:
    deal = _deal(request, deal_id)
    return deal_extend(deal=deal, actor=request.user, days=payload.days, note=payload.note)


@router.post("/{int:deal_id}/outcome", response=DealDetailOut)
def close_deal(request: HttpRequest, deal_id: int, payload: OutcomeIn) -> Any:
    """Won — with the sell-in order or sell-through document that realised it — or lost."""
    deal = _deal(request, deal_id)
    return deal_close(
        deal=deal,
        actor=request.user,
        won=payload.won,
        fact=payload.fact.value if payload.fact else "",
        document=payload.document,
        note=payload.note,
    )
