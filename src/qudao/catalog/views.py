from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from qudao.catalog import selectors
from qudao.catalog.filtersets import PriceListFilterSet, ProductFilterSet
from qudao.catalog.forms import PriceListEntryForm, ProductForm
from qudao.catalog.models import PriceListEntry, Product
from qudao.catalog.services import (
    price_entry_create,
    price_entry_update,
    product_create,
    product_update,
)
from qudao.catalog.tables import PriceListTable, ProductTable
from qudao.core.permissions import can_change, is_partner_user
from qudao.core.selectors import history_for
from qudao.core.views import ObjectEditView, ObjectListView


class ProductListView(ObjectListView):
    selector = staticmethod(selectors.product_list)
    filterset_class = ProductFilterSet
    table_class = ProductTable
    model = Product
    title = gettext_lazy("Products")
    add_url_name = "catalog:product_add"
    internal_columns = ("standard_cost",)
    empty_hint = gettext_lazy("No products yet — add one with “Add” above.")
    empty_command = "qudao import products FILE"


class PriceListView(ObjectListView):
    selector = staticmethod(selectors.price_list)
    filterset_class = PriceListFilterSet
    table_class = PriceListTable
    model = PriceListEntry
    title = gettext_lazy("Price list")
    add_url_name = "catalog:price_add"
    empty_hint = gettext_lazy("No prices yet — add an entry with “Add” above.")
    empty_command = "qudao import price_list FILE"


@login_required
@require_safe
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(selectors.product_list(user=request.user), pk=pk)
    partner_view = is_partner_user(request.user)  # no cost, no brand history for partners
    return render(
        request,
        "catalog/product_detail.html",
        {
            "product": product,
            "title": product.name,
            "prices": selectors.price_list(user=request.user).filter(product=product),
            "history": [] if partner_view else history_for(product),
            "can_edit": can_change(request.user, Product),
            "partner_view": partner_view,
        },
    )


@login_required
@require_safe
def price_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(selectors.price_list(user=request.user), pk=pk)
    return render(
        request,
        "catalog/price_detail.html",
        {
            "entry": entry,
            "title": str(entry),
            "history": history_for(entry),
            "can_edit": can_change(request.user, PriceListEntry),
        },
    )


class ProductEditView(ObjectEditView):
    model = Product
    form_class = ProductForm
    create_service = staticmethod(product_create)
    update_service = staticmethod(product_update)
    instance_kw = "product"


class PriceEditView(ObjectEditView):
    model = PriceListEntry
    form_class = PriceListEntryForm
    create_service = staticmethod(price_entry_create)
    update_service = staticmethod(price_entry_update)
    instance_kw = "entry"
