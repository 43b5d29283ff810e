from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from qudao.catalog.models import PriceListEntry, Product


def product_list(*, user: Any) -> QuerySet[Product]:
    return Product.objects.restrict(user).select_related("category", "category__parent")


def price_list(*, user: Any) -> QuerySet[PriceListEntry]:
    return PriceListEntry.objects.restrict(user).select_related(
        "product", "channel_model", "grade", "region"
    )
