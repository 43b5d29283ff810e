from __future__ import annotations

from django import forms

from qudao.catalog.models import PriceListEntry, Product
from qudao.core.forms import ScopedModelForm


class ProductForm(ScopedModelForm):
    class Meta:
        model = Product
        fields = ["code", "name_en", "name_zh", "category", "unit", "standard_cost", "is_active"]


class PriceListEntryForm(ScopedModelForm):
    class Meta:
        model = PriceListEntry
        fields = [
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
        ]
        widgets = {"valid_from": forms.DateInput(), "valid_to": forms.DateInput()}
