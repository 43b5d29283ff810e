from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from qudao.catalog.models import Category
from qudao.core.api import Pagination, filtered, patch_values, resolve_code
from qudao.core.permissions import can_change, is_partner_user
from qudao.partners import selectors
from qudao.partners.choices import PartnerStatus
from qudao.partners.filtersets import PartnerFilterSet, TargetFilterSet
from qudao.partners.models import ChannelModel, Grade, Partner, Target
from qudao.partners.services import partner_create, partner_update, target_create, target_update
from qudao.territories.models import Region

router = Router(tags=["partners"])


class PartnerOut(Schema):
    id: int
    code: str
    name_en: str
    name_zh: str
    channel_model: str
    parent: str | None
    grade: str | None
    status: PartnerStatus
    home_region: str
    level: int
    credit_limit: Decimal
    joined_on: date | None
    terminated_on: date | None

    @staticmethod
    def resolve_channel_model(p: Partner) -> str:
        return p.channel_model.code

    @staticmethod
    def resolve_parent(p: Partner, context: dict[str, Any]) -> str | None:
        # a sub-partner's staff do not see the code of the partner above them
        request = context["request"]
        if p.parent is None or not is_partner_user(request.user):
            return p.parent.code if p.parent else None
        # the partners this user sees, once per request (a list would ask for each row)
        if not hasattr(request, "_visible_partners"):
            request._visible_partners = set(
                selectors.partner_list(user=request.user).values_list("pk", flat=True)
            )
        return p.parent.code if p.parent_id in request._visible_partners else None

    @staticmethod
    def resolve_grade(p: Partner) -> str | None:
        return p.grade.code if p.grade else None

    @staticmethod
    def resolve_home_region(p: Partner) -> str:
        return p.home_region.code

    @staticmethod
    def resolve_level(p: Partner) -> int:
        return p.depth


class PartnerIn(Schema):
    code: str
    name_en: str
    name_zh: str = ""
    channel_model: str
    parent: str | None = None
    grade: str | None = None
    home_region: str
    credit_limit: Decimal = Decimal("0")
    joined_on: date | None = None
    notes: str = ""


class PartnerPatch(Schema):
    name_en: str | None = None
    name_zh: str | None = None
    channel_model: str | None = None
    parent: str | None = None
    grade: str | None = None
    status: PartnerStatus | None = None
    home_region: str | None = None
    credit_limit: Decimal | None = None
    notes: str | None = None


class PartnerFilters(Schema):
    q: str | None = None
    status: PartnerStatus | None = None
    channel_model: str | None = Field(None, description="a channel model's code")
    grade: str | None = Field(None, description="a grade's code")
    region: str | None = Field(None, description="a region's code: partners at home in it")
    level: int | None = None


_REFS = {"channel_model": ChannelModel, "grade": Grade, "home_region": Region, "parent": Partner}


def _resolve(data: dict[str, Any], user: Any) -> dict[str, Any]:
    for name, model in _REFS.items():
        if name in data:
            data[name] = resolve_code(model, data[name], user=user, field=name)
    return data


@router.get("", response=list[PartnerOut])
@paginate(Pagination)
def list_partners(request: HttpRequest, filters: Query[PartnerFilters]) -> Any:
    return filtered(
        PartnerFilterSet,
        filters.dict(),
        selectors.partner_list(user=request.user),
        codes={"channel_model": ChannelModel, "grade": Grade, "region": Region},
    )


@router.get("/{int:partner_id}", response=PartnerOut)
def get_partner(request: HttpRequest, partner_id: int) -> Any:
    return get_object_or_404(selectors.partner_list(user=request.user), pk=partner_id)


@router.post("", response={201: PartnerOut})
def create_partner(request: HttpRequest, payload: PartnerIn) -> Any:
    if not can_change(request.user, Partner):
        raise HttpError(403, "You may not create partners.")
    partner = partner_create(actor=request.user, **_resolve(payload.dict(), request.user))
    return Status(201, partner)


@router.patch("/{int:partner_id}", response=PartnerOut)
def update_partner(request: HttpRequest, partner_id: int, payload: PartnerPatch) -> Any:
    partner = get_object_or_404(Partner.objects.restrict(request.user, "change"), pk=partner_id)
    data = _resolve(patch_values(payload, Partner), request.user)
    return partner_update(partner=partner, actor=request.user, **data)


class TargetOut(Schema):
    id: int
    partner: str
    period: str
    category: str | None
    amount: Decimal | None
    quantity: Decimal | None

    @staticmethod
    def resolve_partner(t: Target) -> str:
        return t.partner.code

    @staticmethod
    def resolve_category(t: Target) -> str | None:
        return t.category.code if t.category else None


class TargetIn(Schema):
    partner: str
    period: str
    category: str | None = None
    amount: Decimal | None = None
    quantity: Decimal | None = None


class TargetPatch(Schema):
    period: str | None = None
    amount: Decimal | None = None
    quantity: Decimal | None = None


class TargetFilters(Schema):
    q: str | None = None
    period: str | None = None


@router.get("/targets", response=list[TargetOut])
@paginate(Pagination)
def list_targets(request: HttpRequest, filters: Query[TargetFilters]) -> Any:
    return filtered(TargetFilterSet, filters.dict(), selectors.target_list(user=request.user))


@router.get("/targets/{int:target_id}", response=TargetOut)
def get_target(request: HttpRequest, target_id: int) -> Any:
    return get_object_or_404(selectors.target_list(user=request.user), pk=target_id)


@router.post("/targets", response={201: TargetOut})
def create_target(request: HttpRequest, payload: TargetIn) -> Any:
    data = payload.dict()
    # The partner as the user sees it; whether they may set its targets is the service's rule.
    partner = get_object_or_404(Partner.objects.restrict(request.user), code=data.pop("partner"))
    data["category"] = resolve_code(Category, data["category"], user=request.user, field="category")
    return Status(201, target_create(actor=request.user, partner=partner, **data))


@router.patch("/targets/{int:target_id}", response=TargetOut)
def update_target(request: HttpRequest, target_id: int, payload: TargetPatch) -> Any:
    target = get_object_or_404(Target.objects.restrict(request.user, "change"), pk=target_id)
    return target_update(target=target, actor=request.user, **patch_values(payload, Target))
