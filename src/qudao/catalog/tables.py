from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from qudao.catalog.models import PriceListEntry, Product
from qudao.core.tables import MoneyColumn, NameColumn


class ProductTable(tables.Table):
    code = tables.Column(linkify=True)
    name = NameColumn(verbose_name=_("Name"))
    category = tables.Column(
        accessor="category__name", order_by="category__code", verbose_name=_("Category")
    )
    unit = tables.Column(accessor="unit_label", order_by="unit", verbose_name=_("unit"))
    standard_cost = MoneyColumn()
    is_active = tables.BooleanColumn()

    class Meta:
        model = Product
        fields = ("code", "name", "category", "unit", "standard_cost", "is_active")
        order_by = "code"


class PriceListTable(tables.Table):
    product = tables.Column(
        linkify=lambda record: record.get_absolute_url(), order_by="product__code"
    )
    channel_model = tables.Column(
        accessor="channel_model__name",
        default=_("Any"),
        order_by="channel_model__code",
        verbose_name=_("Channel model"),
    )
    grade = tables.Column(
        accessor="grade__name", default=_("Any"), order_by="grade__rank", verbose_name=_("Grade")
    )
    region = tables.Column(
        accessor="region__name", default=_("Any"), order_by="region__code", verbose_name=_("Region")
    )
    currency = tables.Column()
    list_price = MoneyColumn()
    partner_price = MoneyColumn()
    floor_price = MoneyColumn()
    valid_from = tables.DateColumn()
    valid_to = tables.DateColumn(default=_("open-ended"))

    class Meta:
        model = PriceListEntry
        fields = (
            "product",
            "channel_model",
            "grade",
            "region",
            "currency",
            "list_price",
            "partner_price",
            "floor_price",
            "valid_from",
            "valid_to",
        )
        order_by = ("product", "valid_from")
