"""The supply pages and API as each kind of reader sees them: supply chain reads every
alert and nothing else of the channel, a partner's staff their own, the product team none;
the import and the review refresh the alerts; exports carry what the table shows."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from qudao.analytics.services import review_run
from qudao.catalog.models import Category
from qudao.facts.services import fact_import
from qudao.supply.models import CheckTrigger, SupplyAlert, SupplyCheck, SupplyThreshold
from qudao.supply.services import supply_check_run
from tests.conftest import World, run_queued_tasks
from tests.factories import CategoryFactory, ProductFactory, make_user
from tests.supply.conftest import sold

pytestmark = pytest.mark.django_db
Load = Callable[..., None]


@pytest.fixture
def alerts(world: World, load_facts: Load) -> dict[str, Any]:
    """A stock-out at P-DE and one at P-US, each of its own family."""
    road = CategoryFactory(code="ROAD", name_en="Road bikes", name_zh="公路车")
    ProductFactory(code="R-1", category=road)
    load_facts(
        "sell_through",
        sold("2024-12-01", "R-1", 90),
        sold("2024-12-01", "R-1", 90, partner="P-US"),
    )
    load_facts("inventory", ("2024-12-31", "P-DE", "R-1", 1), ("2024-12-31", "P-US", "R-1", 2))
    check = supply_check_run(trigger=CheckTrigger.COMMAND)
    return {
        "check": check,
        "de": SupplyAlert.objects.get(partner__code="P-DE"),
        "us": SupplyAlert.objects.get(partner__code="P-US"),
    }


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def listed(client: Client) -> set[str]:
    rows = client.get("/api/supply-alerts").json()["items"]
    return {r["partner"] for r in rows}


def test_supply_chain_reads_every_alert_and_nothing_else(world: World, alerts: Any) -> None:
    supply = client_of(make_user("supply", "supply_chain"))
    assert listed(supply) == {"P-DE", "P-US"}
    page = supply.get(reverse("supply:alert_list"))
    assert page.status_code == 200 and b"P-US" in page.content
    assert supply.get(reverse("supply:alert_detail", args=[alerts["us"].pk])).status_code == 200
    assert supply.get(reverse("supply:check_detail", args=[alerts["check"].pk])).status_code == 200
    # the channel's own pages hold nothing for them
    assert supply.get("/api/partners").json()["items"] == []
    assert supply.get(reverse("partners:partner_detail", args=[world.p_de.pk])).status_code == 404
    # they acknowledge what they saw
    done = supply.post(f"/api/supply-alerts/{alerts['de'].pk}/acknowledgement")
    assert done.status_code == 200 and done.json()["acknowledged_at"]


def test_a_partner_sees_its_own_alerts_on_its_pages(world: World, alerts: Any) -> None:
    partner = client_of(world.users["partner_user"])
    assert listed(partner) == {"P-DE"}
    assert partner.get(reverse("supply:alert_detail", args=[alerts["us"].pk])).status_code == 404
    tab = partner.get(reverse("partners:partner_detail", args=[world.p_de.pk]) + "?tab=supply")
    assert tab.status_code == 200 and b"partner-supply-alerts" in tab.content
    assert "公路车".encode() not in tab.content and b"Road bikes" in tab.content
    positions = partner.get(reverse("supply:position_list"))
    assert b"P-DE" in positions.content and b"P-US" not in positions.content
    # the brand's record of checks is not theirs; nor may they acknowledge
    assert partner.get(reverse("supply:check_list")).status_code == 404
    refused = partner.post(f"/api/supply-alerts/{alerts['de'].pk}/acknowledgement")
    assert refused.status_code == 403
    assert SupplyAlert.objects.get(pk=alerts["de"].pk).acknowledged_at is None


def test_the_product_team_sees_no_alerts(world: World, alerts: Any) -> None:
    product = client_of(make_user("pm", "product"))
    assert listed(product) == set()
    assert product.get(reverse("supply:alert_detail", args=[alerts["de"].pk])).status_code == 404


def test_the_list_exports_what_it_shows(world: World, alerts: Any) -> None:
    director = client_of(world.users["director"])
    response = director.get(reverse("supply:alert_list") + "?export=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "Suggested replenishment" in rows[0]
    assert {r[rows[0].index("Partner")] for r in rows[1:]} == {"P-DE", "P-US"}
    chinese = client_of(make_user("zh", "channel_director", language="zh-hans"))
    page = chinese.get(reverse("supply:alert_detail", args=[alerts["de"].pk]))
    assert "断货".encode() in page.content and b"<svg" in page.content


def test_a_manager_sees_the_alerts_of_the_partners_in_scope(world: World, alerts: Any) -> None:
    manager = client_of(world.users["manager"])
    assert listed(manager) == {"P-DE"}
    refused = manager.post(reverse("supply:alert_acknowledge", args=[alerts["us"].pk]))
    assert refused.status_code == 404


def test_an_inventory_import_refreshes_the_alerts(
    world: World, tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> None:
    road = CategoryFactory(code="ROAD")
    ProductFactory(code="R-1", category=road)
    path = tmp_path / "sell.csv"
    path.write_text(
        "date,partner,customer,customer_region,product,quantity,unit_price,amount,document_id\n"
        "2024-12-01,P-DE,K1,,R-1,90,1.00,90.00,D1\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert fact_import(fact="sell_through", path=path).committed
    path = tmp_path / "stock.csv"
    path.write_text("snapshot_date,partner,product,quantity_on_hand\n2024-12-31,P-DE,R-1,0\n")
    with django_capture_on_commit_callbacks(execute=True):
        assert fact_import(fact="inventory", path=path).committed
    assert not SupplyAlert.objects.exists()  # not yet: the worker runs the check
    run_queued_tasks()
    check = SupplyCheck.objects.filter(trigger=CheckTrigger.IMPORT).first()
    assert check is not None and check.fact in ("inventory", "sell_through")
    assert SupplyAlert.objects.get().partner == world.p_de


def test_a_review_runs_the_check_as_of_its_period(world: World, alerts: Any) -> None:
    run = review_run(period="2024Q4")
    check = SupplyCheck.objects.get(review_run=run)
    assert check.as_of == date(2024, 12, 31) and check.trigger == CheckTrigger.REVIEW
    assert run.row_counts["supply_alerts_open"] == 2


def test_a_rerun_judges_with_the_thresholds_of_the_run_it_repeats(
    world: World, alerts: Any
) -> None:
    run = review_run(period="2024Q4")
    # since then, the road bikes' stock-out threshold was lowered below both partners' days
    road = Category.objects.get(code="ROAD")
    SupplyThreshold.objects.create(
        category=road, stock_out_days=1, overstock_days=500, cover_days=9
    )
    assert supply_check_run(trigger=CheckTrigger.COMMAND).counts["stock_out"] == 0
    call_command("review", rerun=run.pk, stdout=StringIO(), stderr=StringIO())
    again = SupplyCheck.objects.get(review_run__rerun_of=run)
    assert again.parameters["categories"] == {} and again.counts["stock_out"] == 2
