from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from qudao.catalog.forms import PriceListEntryForm
from qudao.catalog.models import Category, PriceListEntry, Product
from qudao.catalog.services import price_entry_check
from qudao.core.admin import TreeAdmin


@admin.register(Category)
class CategoryAdmin(TreeAdmin):
    list_display = ("code", "name_en", "name_zh", "parent", "depth")
    search_fields = ("code", "name_en", "name_zh")
    autocomplete_fields = ("parent",)


@admin.register(Product)
class ProductAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name_en", "name_zh", "category", "standard_cost", "is_active")
    list_filter = ("is_active", "category")
    search_fields = ("code", "name_en", "name_zh")


class PriceListEntryAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = PriceListEntry
        fields = PriceListEntryForm.Meta.fields

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]  # fills self.instance from cleaned data
        if not self.errors:
            try:
                price_entry_check(self.instance)  # same rules as the console and the API
            except ValidationError as exc:
                self.add_error(None, exc)


@admin.register(PriceListEntry)
class PriceListEntryAdmin(SimpleHistoryAdmin):
    form = PriceListEntryAdminForm
    list_display = (
        "product",
        "channel_model",
        "grade",
        "region",
        "list_price",
        "partner_price",
        "floor_price",
        "valid_from",
        "valid_to",
    )
    list_filter = ("channel_model", "grade")
    search_fields = ("product__code", "product__name_en")
    autocomplete_fields = ("product", "region")
