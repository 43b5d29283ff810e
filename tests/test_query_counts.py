"""List pages and API lists run a fixed number of queries, however many rows they show (no N+1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from qudao.core.services import api_token_create
from tests.conftest import World
from tests.factories import PartnerFactory, PriceListEntryFactory, TargetFactory

PAGES = [
    "/partners/",
    "/partners/targets/",
    "/regions/",
    "/regions/segments/",
    "/products/",
    "/products/prices/",
    "/",
]
API = [
    "/api/partners",
    "/api/partners/targets",
    "/api/regions",
    "/api/catalog/products",
    "/api/catalog/prices",
]


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _grow(world: World, n: int) -> None:
    for _ in range(n):
        partner = PartnerFactory(home_region=world.berlin, parent=world.p_de)
        TargetFactory(partner=partner)
        PriceListEntryFactory()


@pytest.mark.parametrize("role", ["director", "manager", "partner_user"])
def test_pages_and_api_do_not_grow_with_rows(world: World, role: str) -> None:
    client = Client()
    client.force_login(world.users[role])
    _token, key = api_token_create(user=world.users[role], name="q")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    before = {url: _count(client, url) for url in PAGES} | {url: _count(api, url) for url in API}
    _grow(world, 12)
    after = {url: _count(client, url) for url in PAGES} | {url: _count(api, url) for url in API}
    assert after == before
    assert max(before.values()) <= 15, before
