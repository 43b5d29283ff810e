"""The deal-registration pages as people use them, in both languages: a partner's admin
registers, the manager sees the conflict with its score and decides; the partner never
sees who else is after the customer; lists export to Excel; the conflicts page."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from qudao.deals.models import DealRegistration
from qudao.deals.services import deal_registration_create, direct_account_create
from tests.conftest import World
from tests.factories import make_user


def _client(world: World, role: str, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(world.users[role])
    return client


@pytest.fixture
def conflicted(world: World) -> DealRegistration:
    seller = make_user("rep", "sales")
    direct_account_create(customer_name="深圳市万科企业股份有限公司", owner=seller)
    return deal_registration_create(
        partner=world.p_de,
        customer_name="万科企业（深圳）股份有限公司",
        value=Decimal("88000"),
        expected_close=timezone.localdate() + timedelta(days=30),
        actor=world.users["partner_admin"],
    )


def test_a_partner_admin_registers_on_the_page(world: World) -> None:
    client = _client(world, "partner_admin")
    page = client.get(reverse("deals:deal_add"))
    assert page.status_code == 200
    close = (timezone.localdate() + timedelta(days=45)).isoformat()
    response = client.post(
        reverse("deals:deal_add"),
        {
            "partner": world.p_de.pk,
            "customer_name": "Fabrikam, Inc.",
            "value": "15000",
            "expected_close": close,
            "products": [world.product.pk],
        },
    )
    deal = DealRegistration.objects.get(customer_name="Fabrikam, Inc.")
    assert response.status_code == 302 and response.url == deal.get_absolute_url()
    assert (deal.partner, deal.registered_by) == (world.p_de, world.users["partner_admin"])
    assert list(deal.products.all()) == [world.product]


def test_a_bad_tax_id_is_named_on_the_form(world: World) -> None:
    client = _client(world, "partner_admin", "zh-hans")
    response = client.post(
        reverse("deals:deal_add"),
        {
            "partner": world.p_de.pk,
            "customer_name": "某某有限公司",
            "customer_tax_id": "91350100M000100Y40",
            "value": "1",
            "expected_close": (timezone.localdate() + timedelta(days=5)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "91350100M000100Y40" in response.content.decode()
    assert not DealRegistration.objects.exists()


def test_the_manager_sees_the_conflict_and_the_partner_does_not(
    world: World, conflicted: DealRegistration
) -> None:
    manager = _client(world, "manager").get(conflicted.get_absolute_url()).content.decode()
    assert (
        "深圳市万科企业股份有限公司" in manager and "100.0" in manager and 'id="decide"' in manager
    )
    partner = _client(world, "partner_admin").get(conflicted.get_absolute_url()).content.decode()
    assert "深圳市万科企业股份有限公司" not in partner and 'id="conflicts"' not in partner
    assert 'id="decide"' not in partner
    assert _client(world, "partner_admin").get(reverse("deals:conflict_list")).status_code == 404


def test_deciding_on_the_page(world: World, conflicted: DealRegistration) -> None:
    client = _client(world, "manager", "zh-hans")
    response = client.post(
        reverse("deals:deal_decide", args=[conflicted.pk]), {"action": "route", "note": "直销客户"}
    )
    assert response.status_code == 302
    conflicted.refresh_from_db()
    assert conflicted.status == "routed" and conflicted.routed_to.username == "rep"
    page = client.get(conflicted.get_absolute_url()).content.decode()
    assert "已转直销" in page


def test_a_refused_decision_changes_nothing(world: World, conflicted: DealRegistration) -> None:
    response = _client(world, "partner_admin").post(
        reverse("deals:deal_decide", args=[conflicted.pk]), {"action": "approve"}
    )
    assert response.status_code == 404  # partners are refused as for what they cannot see
    conflicted.refresh_from_db()
    assert conflicted.status == "submitted"


def test_lists_export_to_excel(world: World, conflicted: DealRegistration) -> None:
    client = _client(world, "director")
    for name in ("deals:deal_list", "deals:conflict_list", "deals:account_list"):
        response = client.get(reverse(name), {"export": "xlsx"})
        sheet = openpyxl.load_workbook(BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert len(rows) == 2, name
    deals = client.get(reverse("deals:deal_list"), {"export": "xlsx"})
    header, row = openpyxl.load_workbook(BytesIO(deals.content)).active.iter_rows(values_only=True)
    assert row[0] == conflicted.number and Decimal(str(row[header.index("Deal value")])) == Decimal(
        88000
    )


def test_the_list_shows_the_figures(world: World, conflicted: DealRegistration) -> None:
    page = _client(world, "director", "zh-hans").get(reverse("deals:deal_list")).content.decode()
    assert 'id="deal-figures"' in page and "胜率" in page
    assert 'id="deal-chart"' in page and "<svg" in page and "已提交" in page  # the legend
    partner = _client(world, "partner_admin").get(reverse("deals:deal_list")).content.decode()
    assert 'id="fig-conflicts"' not in partner  # conflicts are the brand's to know
