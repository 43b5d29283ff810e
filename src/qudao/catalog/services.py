"""Writes for categories, products and price lists."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from qudao.catalog.models import Category, PriceListEntry, Product
from qudao.core.services import model_create, model_update
from qudao.core.trees import tree_check_parent, tree_parent_in, tree_refresh_paths


@transaction.atomic
def category_create(*, actor: Any | None = None, **data: Any) -> Category:
    category = model_create(model=Category, data=data, actor=actor)
    tree_refresh_paths(node=category)
    return category


@transaction.atomic
def category_update(*, category: Category, actor: Any | None = None, **data: Any) -> Category:
    sets_parent, parent = tree_parent_in(data, type(category))
    if sets_parent:
        tree_check_parent(node=category, parent=parent)
    category = model_update(instance=category, data=data, actor=actor)[0]
    tree_refresh_paths(node=category)
    return category


@transaction.atomic
def product_create(*, actor: Any | None = None, **data: Any) -> Product:
    return model_create(model=Product, data=data, actor=actor)


@transaction.atomic
def product_update(*, product: Product, actor: Any | None = None, **data: Any) -> Product:
    return model_update(instance=product, data=data, actor=actor)[0]


def price_entry_check(entry: PriceListEntry) -> None:
    """Floor ≤ partner price ≤ list price, and no overlap with the same product and scope."""
    # Runs after full_clean(), so all three prices are present.
    errors: dict[str, str] = {}
    if entry.floor_price > entry.partner_price:
        errors["floor_price"] = _("The floor price cannot exceed the partner price.")
    if entry.partner_price > entry.list_price:
        errors["partner_price"] = _("The partner price cannot exceed the list price.")
    if errors:
        raise ValidationError(errors)
    overlapping = (
        PriceListEntry.objects.select_for_update()
        .filter(
            product_id=entry.product_id,
            channel_model_id=entry.channel_model_id,
            grade_id=entry.grade_id,
            region_id=entry.region_id,
        )
        .exclude(pk=entry.pk)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=entry.valid_from))
    )
    if entry.valid_to is not None:
        overlapping = overlapping.filter(valid_from__lte=entry.valid_to)
    clash = overlapping.first()
    if clash is not None:
        raise ValidationError(
            {
                "valid_from": _(
                    "Overlaps the entry valid from %(from)s to %(to)s for the same product and "
                    "scope."
                )
                % {"from": clash.valid_from.isoformat(), "to": clash.valid_to or "…"}
            }
        )


@transaction.atomic
def price_entry_create(*, actor: Any | None = None, **data: Any) -> PriceListEntry:
    return model_create(model=PriceListEntry, data=data, actor=actor, check=price_entry_check)


@transaction.atomic
def price_entry_update(
    *, entry: PriceListEntry, actor: Any | None = None, **data: Any
) -> PriceListEntry:
    return model_update(instance=entry, data=data, actor=actor, check=price_entry_check)[0]
