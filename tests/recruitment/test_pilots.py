"""Pilots on generated scorecards whose effect is known: the pilot partners sell 25 % more
than they would have, and were 10 % ahead of their controls already before the pilot.
The evaluation must find the 25 % — not the 37.5 % uplift in the window, nor the 27.5 %
an additive difference in differences gives."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from qudao.analytics.models import ReviewRun, Scorecard
from qudao.partners.models import ChannelModel, Partner
from qudao.recruitment.models import PilotGroup
from qudao.recruitment.selectors import pilot_evaluation
from qudao.recruitment.services import (
    pilot_control_set,
    pilot_control_suggest,
    pilot_create,
    pilot_decide,
    pilot_goal_set,
)
from tests.conftest import World
from tests.factories import PartnerFactory

BEFORE = ("2025Q3", "2025Q4")
WINDOW = ("2026Q1", "2026Q2")


def _run(period: str) -> ReviewRun:
    run, _ = ReviewRun.objects.get_or_create(
        period=period,
        defaults={
            "period_start": date(2025, 1, 1),
            "period_end": date(2026, 12, 31),
            "status": "current",
            "engine": "duckdb",
            "kpi_version": "1",
        },
    )
    return run


def _sales(partner: Partner, period: str, revenue: Decimal, rate: str = "0.5") -> None:
    Scorecard.objects.create(
        run=_run(period),
        partner=partner,
        period=period,
        region=partner.home_region,
        revenue=revenue.quantize(Decimal("0.01")),
        sell_through_rate=Decimal(rate),
    )


@pytest.fixture
def trial(world: World) -> dict[str, Any]:
    reseller = ChannelModel.objects.get(code="reseller")
    pilots = [
        PartnerFactory(code=f"PIL-{i}", home_region=world.berlin, channel_model=reseller)
        for i in range(4)
    ]
    controls = [
        PartnerFactory(code=f"CTL-{i}", home_region=world.de, channel_model=reseller)
        for i in range(4)
    ]
    decoy = PartnerFactory(code="FAR-0", home_region=world.us, channel_model=reseller)
    for i, (pilot, control) in enumerate(zip(pilots, controls, strict=True)):
        base = Decimal(1000 + 100 * i)
        for period in BEFORE:
            _sales(pilot, period, base * Decimal("1.10"))
            _sales(control, period, base)
        for period in WINDOW:
            _sales(pilot, period, base * Decimal("1.10") * Decimal("1.25"), rate="0.7")
            _sales(control, period, base, rate="0.5")
    _sales(decoy, "2025Q3", Decimal(1150))
    pilot = pilot_create(
        code="P-1",
        name="Shop-in-shop",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 6, 30),
        partners=pilots,
    )
    pilot.regions.set([world.eu])
    return {"pilot": pilot, "pilots": pilots, "controls": controls, "world": world}


def test_the_known_effect_is_found_against_the_control_group(trial: dict[str, Any]) -> None:
    pilot, world = trial["pilot"], trial["world"]
    pilot_control_set(pilot=pilot, partners=trial["controls"])
    pilot_goal_set(pilot=pilot, kpi="revenue", target=Decimal(1600))
    pilot_goal_set(pilot=pilot, kpi="sell_through_rate", target=Decimal(60))  # typed as %
    evaluation = pilot_evaluation(pilot=pilot, user=world.users["director"])
    assert evaluation["periods"] == list(WINDOW)
    revenue = next(r for r in evaluation["results"] if r.kpi.id == "revenue")
    assert revenue.uplift == Decimal("0.375000")  # what a naive comparison would claim
    assert revenue.baseline_uplift == Decimal("0.100000")
    assert revenue.effect == Decimal("0.250000")  # the effect planted
    # mean base 1150: the pilot group sells 1150 × 1.1 × 1.25 = 1581.25 a quarter
    assert [p.pilot for p in revenue.periods] == [Decimal("1581.250000")] * 2
    assert [p.goal_met for p in revenue.periods] == [False, False]  # goal 1600
    rate = next(r for r in evaluation["results"] if r.kpi.id == "sell_through_rate")
    assert rate.target == Decimal("0.6") and rate.periods_met == 2


def test_the_suggested_control_group_is_comparable(trial: dict[str, Any]) -> None:
    chosen = pilot_control_suggest(pilot=trial["pilot"])
    # same channel model, inside Europe (not FAR-0 in the US, though its sales match), one
    # per pilot partner, the closest in last year's sell-in first
    assert sorted(p.code for p in chosen) == ["CTL-0", "CTL-1", "CTL-2", "CTL-3"]


def test_a_control_partner_cannot_be_in_the_pilot(trial: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="PIL-0"):
        pilot_control_set(pilot=trial["pilot"], partners=[trial["pilots"][0]])
    assert not trial["pilot"].members.filter(group=PilotGroup.CONTROL).exists()


def test_the_decision_is_recorded_once_with_its_reason(trial: dict[str, Any]) -> None:
    pilot, world = trial["pilot"], trial["world"]
    with pytest.raises(PermissionDenied):
        pilot_decide(pilot=pilot, decision="go", note="Works", actor=world.users["finance"])
    with pytest.raises(ValidationError, match="Say why"):
        pilot_decide(pilot=pilot, decision="go", note=" ")
    pilot_decide(
        pilot=pilot, decision="extend", note="Two more quarters", actor=world.users["director"]
    )
    pilot_decide(pilot=pilot, decision="go", note="It works", actor=world.users["director"])
    with pytest.raises(ValidationError, match="decided already"):
        pilot_decide(pilot=pilot, decision="stop", note="Changed our mind")
    pilot.refresh_from_db()
    assert (pilot.decision, pilot.decided_by) == ("go", world.users["director"])


def test_a_manager_pilots_only_their_own_partners(trial: dict[str, Any]) -> None:
    world = trial["world"]
    with pytest.raises(PermissionDenied):
        pilot_create(
            code="P-2",
            name="US trial",
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 3, 31),
            partners=[world.p_us],
            actor=world.users["manager"],
        )


def test_the_pilot_page_shows_the_evaluation(trial: dict[str, Any]) -> None:
    pilot, world = trial["pilot"], trial["world"]
    client = Client()
    client.force_login(world.users["director"])
    assert client.post(pilot.get_absolute_url(), {"action": "suggest"}).status_code == 302
    client.post(pilot.get_absolute_url(), {"action": "goal", "kpi": "revenue", "target": "1500"})
    page = client.get(pilot.get_absolute_url())
    assert page.status_code == 200 and "<svg" in page.text
    assert 'data-period="effect"' in page.text and "25.0%" in page.text
    partner = Client()
    partner.force_login(world.users["partner_admin"])
    assert partner.get(pilot.get_absolute_url()).status_code == 404
