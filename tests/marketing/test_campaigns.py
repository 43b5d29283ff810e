"""Joint marketing campaigns: the budget drawn from a fund (never overspent, released on
closing), the partners in the user's scope only, leads and results, and the return by the
written rule — which a near-miss rule (no baseline, no region, no days after) would miss."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from qudao.facts.services import fact_import
from qudao.marketing.models import Campaign
from qudao.marketing.selectors import campaign_list, campaign_return
from qudao.marketing.services import (
    campaign_close,
    campaign_create,
    campaign_results_record,
    campaign_update,
)
from qudao.programs.models import Fund
from qudao.programs.services import fund_create
from tests.conftest import World


@pytest.fixture
def fund(world: World) -> Fund:
    return fund_create(code="MDF-2026", name_en="2026 MDF", period="2026", amount=Decimal(10000))


def _run(world: World, fund: Fund, actor: Any = None, **data: Any) -> Campaign:
    values: dict[str, Any] = {
        "code": "SPRING",
        "name": "Spring test rides",
        "fund": fund,
        "starts_on": date(2026, 3, 1),
        "ends_on": date(2026, 3, 31),
        "budget": Decimal(4000),
        "partners": [world.p_de],
        "regions": [world.de],
    }
    values.update(data)
    return campaign_create(actor=actor or world.users["manager"], **values)


def test_the_budget_is_drawn_from_the_fund_and_released_on_closing(
    world: World, fund: Fund
) -> None:
    campaign = _run(world, fund)
    fund.refresh_from_db()
    assert (fund.committed, fund.remaining) == (Decimal(4000), Decimal(6000))
    campaign_update(campaign=campaign, budget=Decimal(5000), actor=world.users["manager"])
    fund.refresh_from_db()
    assert fund.committed == Decimal(5000)
    with pytest.raises(ValidationError):
        _run(world, fund, code="BIG", budget=Decimal(5001))  # 5,000 left
    with pytest.raises(ValidationError):
        campaign_close(campaign=campaign, spend=Decimal(5001), actor=world.users["manager"])
    campaign_close(campaign=campaign, spend=Decimal(3500), actor=world.users["manager"])
    fund.refresh_from_db()
    assert (fund.committed, fund.paid, fund.remaining) == (0, Decimal(3500), Decimal(6500))
    with pytest.raises(ValidationError):  # kept as it was once closed
        campaign_update(campaign=campaign, budget=Decimal(1), actor=world.users["manager"])
    assert Campaign.objects.count() == 1


def test_only_partners_in_scope_and_the_channel_team(world: World, fund: Fund) -> None:
    with pytest.raises(PermissionDenied):
        _run(world, fund, partners=[world.p_us])  # outside the EU manager's regions
    for role in ("finance", "sales", "partner_admin"):
        with pytest.raises(PermissionDenied):
            _run(world, fund, actor=world.users[role], code=role)
    fund.refresh_from_db()
    assert fund.committed == 0 and not Campaign.objects.exists()


def test_partners_see_the_campaigns_they_take_part_in(world: World, fund: Fund) -> None:
    mine = _run(world, fund, partners=[world.p_de_sub])
    other = _run(world, fund, code="US", partners=[world.p_us], actor=world.users["director"])
    assert list(campaign_list(user=world.users["partner_user"])) == [mine]
    assert set(campaign_list(user=world.users["manager"])) == {mine}
    assert set(campaign_list(user=world.users["director"])) == {mine, other}
    client = Client()
    client.force_login(world.users["partner_admin"])
    assert client.get(mine.get_absolute_url()).status_code == 200
    assert client.get(other.get_absolute_url()).status_code == 404
    assert client.get(reverse("marketing:campaign_edit", args=[mine.pk])).status_code == 404


@pytest.fixture
def sell_in(tmp_path: Path) -> Callable[..., None]:
    header = "order_date,order_id,line_no,partner,product,quantity,amount,ship_to_region"

    def load(*rows: str) -> None:
        path = tmp_path / f"in-{len(list(tmp_path.iterdir()))}.csv"
        path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
        assert fact_import(fact="sell_in", path=path).committed

    return load


def test_the_return_follows_the_written_rule(world: World, fund: Fund, sell_in: Any) -> None:
    """March 1–31 plus 30 days (to April 30) is 61 days; the baseline the 61 days before
    (December 30 to February 28). Only sales shipped to Germany (and Berlin) count."""
    sell_in(
        "2026-03-10,A1,1,P-DE,BIKE-1,1,3000.00,BER",  # during, in a sub-region: counts
        "2026-04-25,A2,1,P-DE-SUB,BIKE-1,1,2000.00,DE",  # during, the days after, a sub-partner
        "2026-05-02,A3,1,P-DE,BIKE-1,1,900.00,DE",  # after the days after: not counted
        "2026-03-12,A4,1,P-DE,BIKE-1,1,700.00,US",  # shipped elsewhere: not counted
        "2026-02-01,B1,1,P-DE,BIKE-1,1,1000.00,DE",  # the baseline
        "2025-12-29,B2,1,P-DE,BIKE-1,1,400.00,DE",  # before the baseline: not counted
        "2026-03-15,C1,1,P-US,BIKE-1,1,5000.00,DE",  # not taking part
    )
    campaign = _run(world, fund)
    returned = campaign_return(campaign, list(campaign.participants.select_related("partner")))
    assert (returned.during, returned.before) == (Decimal("5000.00"), Decimal("1000.00"))
    assert returned.attributed == Decimal("4000.00")
    assert returned.roi == Decimal(0)  # (4,000 − 4,000 budget) ÷ 4,000 while open
    campaign_results_record(
        campaign=campaign,
        leads={world.p_de.pk: 25},
        results="40 riders",
        actor=world.users["manager"],
    )
    campaign = campaign_close(campaign=campaign, spend=Decimal(2000), actor=world.users["manager"])
    closed = campaign_return(campaign, list(campaign.participants.select_related("partner")))
    assert closed.roi == Decimal(1) and closed.cost_per_lead == Decimal("80.00")


def test_the_page_shows_the_return_and_the_rule_in_both_languages(world: World, fund: Fund) -> None:
    campaign = _run(world, fund)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(world.users["director"])
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert 'id="attribution-rule"' in page and "归因规则" in page and "投资回报率" in page
    export = client.get(campaign.get_absolute_url(), {"export": "xlsx"})
    assert export.status_code == 200
    listing = client.get(reverse("marketing:campaign_list"), {"export": "xlsx"})
    assert listing.status_code == 200
    # the fund's page shows what draws on it, as the reader may see it
    fund_page = client.get(fund.get_absolute_url()).content.decode()
    assert 'id="fund-campaigns"' in fund_page and "SPRING" in fund_page
    partner = Client()
    partner.force_login(world.users["partner_user"])
    assert 'id="fund-campaigns"' in partner.get(fund.get_absolute_url()).content.decode()
    partner.force_login(world.users["partner_admin"])
    Campaign.objects.filter(pk=campaign.pk).update(code="SPRING")
    campaign.participants.all().delete()  # no longer taking part: not shown to it
    assert 'id="fund-campaigns"' not in partner.get(fund.get_absolute_url()).content.decode()
