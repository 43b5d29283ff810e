"""Coverage and white space on a hand-computed tree: potential from a region's own figure
or its children's, sell-in from the current scorecards, gap and coverage; the
``region_potential`` import target; the applicant's region fit from the potential."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from qudao.analytics.models import ReviewRun, Scorecard
from qudao.core.importing.master import import_file
from qudao.core.importing.registry import master_target
from qudao.recruitment.selectors import region_fit
from qudao.territories.coverage import CoverageBook, potential_periods, sales_periods
from qudao.territories.models import RegionPotential
from qudao.territories.services import region_potential_create
from tests.conftest import World


def _scorecard(world: World, partner: Any, period: str, revenue: str, through: str = "0") -> None:
    run, _ = ReviewRun.objects.get_or_create(
        period=period,
        defaults={
            "period_start": date(2020, 1, 1),
            "period_end": date(2020, 12, 31),
            "status": "current",
            "engine": "duckdb",
            "kpi_version": "1",
        },
    )
    Scorecard.objects.create(
        run=run,
        partner=partner,
        period=period,
        region=partner.home_region,
        is_current=True,
        revenue=Decimal(revenue),
        sell_through_revenue=Decimal(through),
    )


@pytest.fixture
def market(world: World) -> World:
    # Germany has its own figure; Europe none, so it adds up its children (Germany only);
    # Berlin has a figure too (inside Germany's: Germany's own wins for Germany).
    region_potential_create(
        region=world.de, period="2020", potential_amount=Decimal(1000), potential_outlets=10
    )
    region_potential_create(region=world.berlin, period="2020", potential_amount=Decimal(600))
    region_potential_create(region=world.us, period="2020", potential_outlets=4, source="census")
    for quarter, amount in (("2020Q1", "100"), ("2020Q2", "150")):
        _scorecard(world, world.p_de, quarter, amount, through="80")  # at home in Berlin
    _scorecard(world, world.p_de_sub, "2020Q1", "50")  # at home in Germany
    _scorecard(world, world.p_us, "2020Q1", "70")
    _scorecard(world, world.p_de, "2019Q4", "999")  # another year: not counted
    return world


def test_potential_sales_gap_and_coverage_by_region(market: World) -> None:
    book = CoverageBook(period="2020", user=market.users["director"])
    assert book.periods == ["2020Q1", "2020Q2"]  # 2020 not reviewed whole: its quarters
    top = {r.region.code: r for r in book.rows_below(None)}
    europe, america = top["EU"], top["NA"]
    assert (europe.potential_amount, europe.sell_in, europe.gap) == (
        Decimal(1000),
        Decimal("300.00"),
        Decimal("700.00"),
    )
    assert europe.coverage == Decimal("30.0") and europe.partners == 2
    assert europe.potential_outlets == 10 and europe.outlet_coverage == Decimal("20.0")
    assert america.potential_amount is None and america.gap is None and america.coverage is None
    assert america.potential_outlets == 4 and america.outlet_coverage == Decimal("25.0")
    berlin = book.row(market.berlin)
    assert (berlin.potential_amount, berlin.sell_in, berlin.sell_through) == (
        Decimal(600),
        Decimal("250.00"),
        Decimal("160.00"),
    )
    assert [r.region.code for r in book.largest_gaps()] == ["DE", "BER"]  # 700, then 350


def test_a_manager_sees_the_sales_of_their_regions_only(market: World) -> None:
    book = CoverageBook(period="2020", user=market.users["manager"])
    assert book.row(market.na).sell_in == Decimal("0.00")
    assert book.row(market.eu).sell_in == Decimal("300.00")


def test_sales_periods_prefer_the_period_then_quarters_then_months(market: World) -> None:
    _scorecard(market, market.p_us, "2020", "1")
    assert sales_periods("2020") == ["2020"]
    assert sales_periods("2021") == []
    assert potential_periods() == ["2020"]


def test_the_applicants_region_fit_is_the_unsold_share_of_the_potential(market: World) -> None:
    # Berlin: 600 potential, 250 sold → 58.33 % unsold; with Germany: (350 + 700) / 1600
    assert region_fit([market.berlin]) == Decimal("58.33")
    assert region_fit([market.berlin, market.de]) == Decimal("65.63")
    # no amount recorded for the United States: the white space instead (P-US sells there)
    assert region_fit([market.us]) == Decimal("0.00")


def test_the_region_potential_import_target(world: World, tmp_path: Path) -> None:
    sheet = tmp_path / "potential.csv"
    sheet.write_text(
        "region,period,potential_amount,potential_outlets,source\n"
        "DE,2021,5000,40,market study\n"
        "BER,2021Q1,,12,census\n"
        "BER,2021,,,nothing\n"
        "XX,2021,1,,unknown region\n",
        encoding="utf-8",
    )
    result = import_file(target=master_target("region_potential"), path=sheet)
    assert result.errors and not RegionPotential.objects.exists()  # all or nothing
    messages = " ".join(e.as_text() for e in result.errors)
    assert "XX" in messages
    sheet.write_text(
        "region,period,potential_amount,potential_outlets,source\n"
        "DE,2021,5000,40,market study\n"
        "BER,2021q1,,12,census\n",
        encoding="utf-8",
    )
    result = import_file(target=master_target("region_potential"), path=sheet)
    assert not result.errors
    assert sorted(
        RegionPotential.objects.values_list("region__code", "period", "potential_outlets")
    ) == [
        ("BER", "2021Q1", 12),
        ("DE", "2021", 40),
    ]


def test_the_coverage_page_drills_down_and_exports(market: World) -> None:
    client = Client()
    client.force_login(market.users["director"])
    page = client.get(reverse("territories:coverage"))
    assert page.status_code == 200 and 'data-region="EU"' in page.text and "<svg" in page.text
    down = client.get(reverse("territories:coverage") + f"?period=2020&region={market.eu.pk}")
    assert (
        'data-region="DE"' in down.text
        and 'data-region="EU"' not in down.text.split("largest-gaps")[0]
    )
    export = client.get(reverse("territories:coverage") + "?period=2020&export=csv")
    assert "Europe" in export.content.decode() and "700" in export.content.decode()
    partner = Client()
    partner.force_login(market.users["partner_admin"])
    assert partner.get(reverse("territories:coverage")).status_code == 404
