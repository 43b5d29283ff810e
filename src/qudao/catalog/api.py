from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from qudao.catalog import selectors
from qudao.catalog.filtersets import PriceListFilterSet, ProductFilterSet
from qudao.catalog.models import Category, PriceListEntry, Product
from qudao.catalog.services import (
    price_entry_create,
    price_entry_update,
    product_create,
    product_update,
)
from qudao.core.api import Pagination, filtered, patch_values, resolve_code
from qudao.core.permissions import can_change, is_partner_user
from qudao.partners.models import ChannelModel, Grade
from qudao.territories.models import Region

router = Router(tags=["catalog"])


class ProductOut(Schema):
    id: int
    code: str
    name_en: str
    name_zh: str
    category: str | None
    unit: str
    standard_cost: Decimal | None
    is_active: bool

    @staticmethod
    def resolve_category(p: Product) -> str | None:
        return p.category.code if p.category else None

    @staticmethod
    def resolve_standard_cost(p: Product, context: dict[str, Any]) -> Decimal | None:
        # the brand's cost is not for partners' eyes (docs/access.md)
        return None if is_partner_user(context["request"].user) else p.standard_cost


class ProductIn(Schema):
    code: str
    name_en: str
    name_zh: str = ""
    category: str | None = None
    unit: str = "pcs"
    standard_cost: Decimal | None = None
    is_active: bool = True


class ProductPatch(Schema):
    name_en: str | None = None
    name_zh: str | None = None
    category: str | None = None
    unit: str | None = None
    standard_cost: Decimal | None = None
    is_active: bool | None = None


class ProductFilters(Schema):
    q: str | None = None
    category: str | None = Field(None, description="a category's code")
    is_active: bool | None = None


@router.get("/products", response=list[ProductOut])
@paginate(Pagination)
def list_products(request: HttpRequest, filters: Query[ProductFilters]) -> Any:
    return filtered(
        ProductFilterSet,
        filters.dict(),
        selectors.product_list(user=request.user),
        codes={"category": Category},
    )


@router.get("/products/{int:product_id}", response=ProductOut)
def get_product(request: HttpRequest, product_id: int) -> Any:
    return get_object_or_404(selectors.product_list(user=request.user), pk=product_id)


@router.post("/products", response={201: ProductOut})
def create_product(request: HttpRequest, payload: ProductIn) -> Any:
    if not can_change(request.user, Product):
        raise HttpError(403, "You may not create products.")
    data = payload.dict()
    data["category"] = resolve_code(Category, data["category"], user=request.user, field="category")
    return Status(201, product_create(actor=request.user, **data))


@router.patch("/products/{int:product_id}", response=ProductOut)
def update_product(request: HttpRequest, product_id: int, payload: ProductPatch) -> Any:
    product = get_object_or_404(Product.objects.restrict(request.user, "change"), pk=product_id)
    data = patch_values(payload, Product)
    if "category" in data:
        data["category"] = resolve_code(
            Category, data["category"], user=request.user, field="category"
        )
    return product_update(product=product, actor=request.user, **data)


class PriceOut(Schema):
    id: int
    product: str
    channel_model: str | None
    grade: str | None
    region: str | None
    currency: str
    list_price: Decimal
    partner_price: Decimal
    floor_price: Decimal
    valid_from: date
    valid_to: date | None

    @staticmethod
    def resolve_product(e: PriceListEntry) -> str:
        return e.product.code

    @staticmethod
    def resolve_channel_model(e: PriceListEntry) -> str | None:
        return e.channel_model.code if e.channel_model else None

    @staticmethod
    def resolve_grade(e: PriceListEntry) -> str | None:
        return e.grade.code if e.grade else None

    @staticmethod
    def resolve_region(e: PriceListEntry) -> str | None:
        return e.region.code if e.region else None


class PriceIn(Schema):
    product: str
    channel_model: str | None = None
    grade: str | None = None
    region: str | None = None
    currency: str = "CNY"
    list_price: Decimal
    partner_price: Decimal
    floor_price: Decimal
    valid_from: date
    valid_to: date | None = None


class PricePatch(Schema):
    list_price: Decimal | None = None
    partner_price: Decimal | None = None
    floor_price: Decimal | None = None
    valid_from: date | None = None
    valid_to: date | None = None


class PriceFilters(Schema):
    q: str | None = None
    channel_model: str | None = Field(None, description="a channel model's code")
    valid_on: date | None = None


_PRICE_REFS = {"product": Product, "channel_model": ChannelModel, "grade": Grade, "region": Region}


@router.get("/prices", response=list[PriceOut])
@paginate(Pagination)
def list_prices(request: HttpRequest, filters: Query[PriceFilters]) -> Any:
    return filtered(
        PriceListFilterSet,
        filters.dict(),
        selectors.price_list(user=request.user),
        codes={"channel_model": ChannelModel},
    )


@router.get("/prices/{int:entry_id}", response=PriceOut)
def get_price(request: HttpRequest, entry_id: int) -> Any:
    return get_object_or_404(selectors.price_list(user=request.user), pk=entry_id)


@router.post("/prices", response={201: PriceOut})
def create_price(request: HttpRequest, payload: PriceIn) -> Any:
    if not can_change(request.user, PriceListEntry):
        raise HttpError(403, "You may not change the price list.")
    data = payload.dict()
    for name, model in _PRICE_REFS.items():
        data[name] = resolve_code(model, data[name], user=request.user, field=name)
    return Status(201, price_entry_create(actor=request.user, **data))


@router.patch("/prices/{int:entry_id}", response=PriceOut)
def update_price(request: HttpRequest, entry_id: int, payload: PricePatch) -> Any:
    entry = get_object_or_404(PriceListEntry.objects.restrict(request.user, "change"), pk=entry_id)
    return price_entry_update(
        entry=entry, actor=request.user, **patch_values(payload, PriceListEntry)
    )
