"""Import and export definitions for categories, products and the price list."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from qudao.catalog.models import Category, PriceListEntry, Product
from qudao.catalog.services import (
    category_create,
    category_update,
    price_entry_create,
    price_entry_update,
    product_create,
    product_update,
)
from qudao.core.importing.fields import as_bool, as_decimal, as_text
from qudao.core.importing.master import Field, MasterTarget
from qudao.core.importing.upsert import upsert_by
from qudao.partners.models import ChannelModel, Grade
from qudao.territories.models import Region

CATEGORIES = MasterTarget(
    name="categories",
    label=_("Product categories"),
    model=Category,
    key=("code",),
    fields=[
        Field("code", as_text(50), required=True),
        Field("name_en", as_text(), required=True),
        Field("name_zh", as_text()),
        Field("parent", reference=Category),
    ],
    upsert=upsert_by(
        model=Category,
        key=("code",),
        create=category_create,
        update=category_update,
        instance_kw="category",
    ),
    export_queryset=lambda: Category.objects.select_related("parent"),
    export_row=lambda c: {
        "code": c.code,
        "name_en": c.name_en,
        "name_zh": c.name_zh,
        "parent": c.parent.code if c.parent else "",
    },
)

PRODUCTS = MasterTarget(
    name="products",
    label=_("Products"),
    model=Product,
    key=("code",),
    fields=[
        Field("code", as_text(50), required=True),
        Field("name_en", as_text(), required=True),
        Field("name_zh", as_text()),
        Field("category", reference=Category),
        Field("unit", as_text(20)),
        Field("standard_cost", as_decimal(places=4, minimum=Decimal(0))),
        Field("is_active", as_bool),
    ],
    upsert=upsert_by(
        model=Product,
        key=("code",),
        create=product_create,
        update=product_update,
        instance_kw="product",
    ),
    export_queryset=lambda: Product.objects.select_related("category"),
    export_row=lambda p: {
        "code": p.code,
        "name_en": p.name_en,
        "name_zh": p.name_zh,
        "category": p.category.code if p.category else "",
        "unit": p.unit,
        "standard_cost": p.standard_cost,
        "is_active": "yes" if p.is_active else "no",
    },
)

_price = as_decimal(places=4, minimum=Decimal(0))

PRICE_LIST = MasterTarget(
    name="price_list",
    label=_("Price list"),
    model=PriceListEntry,
    key=("product", "channel_model", "grade", "region", "valid_from"),
    fields=[
        Field("product", reference=Product, required=True),
        Field("channel_model", reference=ChannelModel),
        Field("grade", reference=Grade),
        Field("region", reference=Region),
        Field("currency", as_text(3)),
        Field("list_price", _price, required=True),
        Field("partner_price", _price, required=True),
        Field("floor_price", _price, required=True),
        Field("valid_from", required=True),
        Field("valid_to"),
    ],
    upsert=upsert_by(
        model=PriceListEntry,
        key=("product", "channel_model", "grade", "region", "valid_from"),
        create=price_entry_create,
        update=price_entry_update,
        instance_kw="entry",
    ),
    export_queryset=lambda: PriceListEntry.objects.select_related(
        "product", "channel_model", "grade", "region"
    ),
    export_row=lambda e: {
        "product": e.product.code,
        "channel_model": e.channel_model.code if e.channel_model else "",
        "grade": e.grade.code if e.grade else "",
        "region": e.region.code if e.region else "",
        "currency": e.currency,
        "list_price": e.list_price,
        "partner_price": e.partner_price,
        "floor_price": e.floor_price,
        "valid_from": e.valid_from,
        "valid_to": e.valid_to,
    },
)
