from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tests.conftest import World
from tests.factories import make_user


@pytest.fixture
def admin_client_(world: World) -> Client:
    client = Client()
    client.force_login(make_user("root", "channel_director", is_staff=True, is_superuser=True))
    return client


def test_every_model_has_a_working_admin(world: World, admin_client_: Client) -> None:
    from qudao.catalog.models import PriceListEntry
    from qudao.partners.models import Partner, Target
    from qudao.territories.models import Region

    for model in (Region, Partner, Target, PriceListEntry):
        assert model in admin.site._registry
    for model in admin.site._registry:
        meta = model._meta
        if meta.app_label not in {"core", "territories", "partners", "catalog"}:
            continue
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert admin_client_.get(changelist).status_code == 200, changelist


def test_admin_keeps_tree_paths_and_price_rules(world: World, admin_client_: Client) -> None:
    url = reverse("admin:territories_region_change", args=[world.berlin.pk])
    response = admin_client_.post(
        url,
        {"code": "BER", "name_en": "Berlin", "name_zh": "", "kind": "city", "parent": world.us.pk},
    )
    assert response.status_code == 302
    world.berlin.refresh_from_db()
    assert world.berlin.path.startswith(world.us.path) and world.berlin.depth == 3
    add = reverse("admin:catalog_pricelistentry_add")
    response = admin_client_.post(
        add,
        {
            "product": world.product.pk,
            "currency": "CNY",
            "list_price": "1",
            "partner_price": "1",
            "floor_price": "1",
            "valid_from": "2021-01-01",
        },
    )
    assert response.status_code == 200 and "Overlaps" in response.content.decode()


def test_staff_without_superuser_cannot_bypass_the_console(world: World) -> None:
    client = Client()
    client.force_login(world.users["manager"])
    assert client.get("/admin/").status_code == 302
