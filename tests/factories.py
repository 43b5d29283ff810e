"""Factories for every master-data model (factory-boy), built through the services
so that paths, levels and history are exactly what the application would write."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth.models import Group

from qudao.catalog.models import Category, PriceListEntry, Product
from qudao.catalog.services import category_create, price_entry_create, product_create
from qudao.core.models import User
from qudao.partners.models import ChannelModel, Partner, Target
from qudao.partners.services import partner_create, target_create
from qudao.territories.models import Region
from qudao.territories.services import region_create


class ServiceFactory(factory.django.DjangoModelFactory):
    """Creates objects with the app's own create service instead of ``Model.objects.create``."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> Any:
        return SERVICES[model_class](**kwargs)


class RegionFactory(ServiceFactory):
    class Meta:
        model = Region

    code = factory.Sequence(lambda n: f"R{n:03d}")
    name_en = factory.Sequence(lambda n: f"Region {n}")
    name_zh = factory.Sequence(lambda n: f"区域{n}")
    kind = "other"
    parent = None


class PartnerFactory(ServiceFactory):
    class Meta:
        model = Partner

    code = factory.Sequence(lambda n: f"P{n:04d}")
    name_en = factory.Sequence(lambda n: f"Partner {n}")
    name_zh = factory.Sequence(lambda n: f"伙伴{n}")
    channel_model = factory.LazyFunction(lambda: ChannelModel.objects.get(code="reseller"))
    home_region = factory.SubFactory(RegionFactory)
    status = "active"


class CategoryFactory(ServiceFactory):
    class Meta:
        model = Category

    code = factory.Sequence(lambda n: f"C{n:03d}")
    name_en = factory.Sequence(lambda n: f"Category {n}")


class ProductFactory(ServiceFactory):
    class Meta:
        model = Product

    code = factory.Sequence(lambda n: f"SKU{n:04d}")
    name_en = factory.Sequence(lambda n: f"Product {n}")
    category = factory.SubFactory(CategoryFactory)
    standard_cost = Decimal("10.0000")


class PriceListEntryFactory(ServiceFactory):
    class Meta:
        model = PriceListEntry

    product = factory.SubFactory(ProductFactory)
    list_price = Decimal("100.00")
    partner_price = Decimal("80.00")
    floor_price = Decimal("70.00")
    valid_from = date(2020, 1, 1)


class TargetFactory(ServiceFactory):
    class Meta:
        model = Target

    partner = factory.SubFactory(PartnerFactory)
    period = "2020Q1"
    amount = Decimal("100000.00")


SERVICES: dict[type, Any] = {
    Region: region_create,
    Partner: partner_create,
    Category: category_create,
    Product: product_create,
    PriceListEntry: price_entry_create,
    Target: target_create,
}


def make_user(username: str, role: str | None, **extra: Any) -> User:
    user = User.objects.create_user(username=username, password="pw-" + username, **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user
