"""The supply check: days of supply, thresholds, the forecast and replenishment, alerts
raised once and cleared — on hand-placed lines where each near-miss rule gives another
figure, and on generated data with planted stock-outs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from qudao.facts.services import generated_channel_load
from qudao.notifications.models import Event, Notification, Webhook
from qudao.supply.generator import generate_supply
from qudao.supply.models import (
    CheckTrigger,
    PositionStatus,
    SupplyAlert,
    SupplyAlertKind,
    SupplyPosition,
    SupplyThreshold,
)
from qudao.supply.services import supply_check_run
from tests.conftest import World
from tests.factories import CategoryFactory, ProductFactory, make_user
from tests.supply.conftest import sold

pytestmark = pytest.mark.django_db
Load = Callable[..., None]


@pytest.fixture
def families(world: World) -> dict[str, Any]:
    bikes = CategoryFactory(code="BIKES", name_en="Bikes", name_zh="自行车")
    road = CategoryFactory(code="ROAD", name_en="Road bikes", parent=bikes)
    parts = CategoryFactory(code="PARTS", name_en="Parts", name_zh="零件")
    return {
        "bikes": bikes,
        "road": road,
        "parts": parts,
        "road_1": ProductFactory(code="R-1", category=road),
        "road_2": ProductFactory(code="R-2", category=road),
        "chain": ProductFactory(code="CHAIN", category=parts),
    }


def position(partner: str, family: str) -> SupplyPosition:
    return SupplyPosition.objects.get(partner__code=partner, category__code=family)


def test_days_of_supply_count_the_90_days_to_the_count(
    world: World, families: dict[str, Any], load_facts: Load
) -> None:
    load_facts(
        "sell_through",
        sold("2024-12-31", "R-1", 30),  # the count's day: in
        sold("2024-10-03", "R-2", 60),  # the 90th day back: in
        sold("2024-10-02", "R-1", 500),  # the 91st: out
        sold("2025-01-02", "R-1", 500),  # after the count: out
        sold("2024-12-01", "CHAIN", 900),  # another family: not the road bikes'
        sold("2024-12-01", "R-1", 700, partner="P-US"),  # another partner
    )
    load_facts(
        "inventory",
        ("2024-12-31", "P-DE", "R-1", 10),
        ("2024-12-31", "P-DE", "R-2", 20),
        ("2024-11-30", "P-DE", "R-1", 400),  # an earlier count: not the latest
        ("2024-12-31", "P-DE", "CHAIN", 0),
    )
    check = supply_check_run(trigger=CheckTrigger.COMMAND, as_of=date(2025, 1, 15))
    road = position("P-DE", "ROAD")
    # 90 sold in 90 days: 1 a day; 30 on hand: 30 days
    assert (road.on_hand, road.sold, road.daily) == (30, 90, 1)
    assert road.days_of_supply == Decimal("30.0")
    assert road.status == PositionStatus.OK
    chain = position("P-DE", "PARTS")
    assert chain.days_of_supply == 0 and chain.status == PositionStatus.STOCK_OUT
    # P-US counted nothing: not judged, though it sells
    assert not SupplyPosition.objects.filter(partner__code="P-US").exists()
    assert check.counts["positions"] == 2 and check.counts["stock_out"] == 1


def test_thresholds_of_the_nearest_category_and_the_defaults(
    world: World, families: dict[str, Any], load_facts: Load
) -> None:
    load_facts("sell_through", sold("2024-12-15", "R-1", 90), sold("2024-12-15", "CHAIN", 90))
    # 20 days of supply each
    load_facts("inventory", ("2024-12-31", "P-DE", "R-1", 20), ("2024-12-31", "P-DE", "CHAIN", 20))
    # the parent's thresholds reach the road bikes: 20 days is a stock-out below 25
    SupplyThreshold.objects.create(
        category=families["bikes"], stock_out_days=25, overstock_days=60, cover_days=30
    )
    supply_check_run(trigger=CheckTrigger.COMMAND, as_of=date(2024, 12, 31))
    assert position("P-DE", "ROAD").status == PositionStatus.STOCK_OUT
    assert position("P-DE", "PARTS").status == PositionStatus.OK  # defaults: 14 / 120
    # the family's own thresholds come before its parent's: 20 days is above 15
    SupplyThreshold.objects.create(
        category=families["road"], stock_out_days=5, overstock_days=15, cover_days=10
    )
    check = supply_check_run(trigger=CheckTrigger.COMMAND, as_of=date(2024, 12, 31))
    assert position_of(check, "ROAD").status == PositionStatus.OVERSTOCK
    assert check.parameters["categories"]["ROAD"]["overstock_days"] == 15
    alert = SupplyAlert.objects.get(category__code="ROAD", cleared_at__isnull=True)
    assert (alert.kind, alert.threshold_days) == (SupplyAlertKind.OVERSTOCK, 15)
    # the stock-out the first check raised was cleared by the second
    gone = SupplyAlert.objects.get(category__code="ROAD", kind=SupplyAlertKind.STOCK_OUT)
    assert gone.cleared_by == check


def position_of(check: Any, family: str) -> SupplyPosition:
    return check.positions.get(category__code=family)


def test_stock_held_that_nothing_sold_is_overstock(
    world: World, families: dict[str, Any], load_facts: Load
) -> None:
    load_facts("sell_through", sold("2024-06-01", "R-1", 90))  # long before the window
    load_facts("inventory", ("2024-12-31", "P-DE", "R-1", 5), ("2024-12-31", "P-DE", "CHAIN", 0))
    supply_check_run(trigger=CheckTrigger.COMMAND, as_of=date(2024, 12, 31))
    road = position("P-DE", "ROAD")
    assert road.days_of_supply is None and road.status == PositionStatus.OVERSTOCK
    assert position("P-DE", "PARTS").status == PositionStatus.NO_DEMAND


def test_replenishment_brings_stock_to_the_cover_at_the_forecast(
    world: World, families: dict[str, Any], load_facts: Load
) -> None:
    # 62 a month for a year, then the last three months 31, 31, 31 (December: 31 days)
    months = [f"2024-{m:02d}-10" for m in range(1, 13)]
    load_facts("sell_through", *(sold(d, "R-1", 62 if i < 9 else 31) for i, d in enumerate(months)))
    load_facts("inventory", ("2024-12-31", "P-DE", "R-1", 10))
    supply_check_run(trigger=CheckTrigger.COMMAND, as_of=date(2024, 12, 31))
    road = position("P-DE", "ROAD")
    # 93 sold in the 90 days: 1.0333 a day; 10 on hand: 9.7 days (not 10 ÷ 31 a month)
    assert road.daily == Decimal("1.0333") and road.days_of_supply == Decimal("9.7")
    # the forecast lies between the recent 31 and the earlier 62 (smoothing), and the
    # suggestion follows it: forecast ÷ 31 days of January × 45 − 10 on hand, rounded up
    assert 31 <= road.forecast < 62
    assert road.suggested == Decimal(-(-(road.forecast / 31 * 45 - 10) // 1))
    # not the trailing rate's (93 ÷ 90 × 45 − 10 = 37), nor the cover without the stock
    assert road.suggested not in (37, Decimal(-(-(road.forecast / 31 * 45) // 1)))


def test_an_alert_is_raised_once_and_cleared_when_restocked(
    world: World, families: dict[str, Any], load_facts: Load
) -> None:
    supply = make_user("supply", "supply_chain")
    hook = Webhook.objects.create(name="ERP", url="http://127.0.0.1:9/hook", events=["stock_out"])
    load_facts("sell_through", sold("2024-12-01", "R-1", 90))
    load_facts("inventory", ("2024-12-31", "P-DE", "R-1", 2))
    first = supply_check_run(trigger=CheckTrigger.COMMAND)  # as of the latest count
    assert first.as_of == date(2024, 12, 31)
    again = supply_check_run(trigger=CheckTrigger.COMMAND)
    alert = SupplyAlert.objects.get()
    assert alert.raised_by == first and alert.cleared_at is None
    assert (again.counts["raised"], again.counts["open"]) == (0, 1)
    # told once: the partner's people and supply chain, not for the repeat
    told = Notification.objects.filter(event=Event.STOCK_OUT)
    assert sorted(told.values_list("recipient__username", flat=True)) == sorted(
        ["partner_admin", "partner_user", supply.username]
    )
    # and the ERP's webhook, once, with what to replenish
    (delivery,) = hook.deliveries.all()
    data = delivery.payload["data"]
    assert delivery.event == Event.STOCK_OUT and data["partner"] == "P-DE"
    (told_alert,) = data["alerts"]
    assert told_alert["family"] == "ROAD" and told_alert["suggested"] == str(alert.suggested)
    load_facts("inventory", ("2025-01-05", "P-DE", "R-1", 40))
    restocked = supply_check_run(trigger=CheckTrigger.COMMAND)
    alert.refresh_from_db()
    assert alert.cleared_by == restocked and restocked.counts["cleared"] == 1


@pytest.mark.parametrize("partners", [120])
def test_every_planted_stock_out_is_alerted(tmp_path: Path, partners: int) -> None:
    made = generate_supply(partners=partners, families=6, seed=7, out=tmp_path / "gen")
    generated_channel_load(files=made.files)
    check = supply_check_run(trigger=CheckTrigger.COMMAND)
    assert check.as_of == date(2024, 12, 31)

    def alerted(kind: SupplyAlertKind) -> set[tuple[str, str]]:
        found = SupplyAlert.objects.filter(kind=kind, cleared_at__isnull=True)
        return set(found.values_list("partner__code", "category__code"))

    planted = {k: set(v) for k, v in made.planted.items()}
    assert planted["stock_out"] and alerted(SupplyAlertKind.STOCK_OUT) == planted["stock_out"]
    assert planted["overstock"] and alerted(SupplyAlertKind.OVERSTOCK) == planted["overstock"]
    # a partner whose count is three months old is not judged
    stale = {p for p, _f in planted["stale"]}
    assert check.counts["stale_partners"] == len(stale)
    assert not SupplyAlert.objects.filter(partner__code__in=stale).exists()
    # the forecast beats the naive one on the held-out month
    backtest = check.forecast["backtest"]
    print(
        f"\nbacktest of {backtest['series']} series: WAPE {backtest['wape_smoothing']:.3f} "
        f"by smoothing, {backtest['wape_naive']:.3f} naive"
    )
    assert backtest["wape_smoothing"] < backtest["wape_naive"]
    assert all(a["fitted"] for a in check.forecast["alphas"].values())
    assert len(pl.read_csv(made.files["planted"])) == sum(len(v) for v in planted.values())
