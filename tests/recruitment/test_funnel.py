"""The funnel's figures on a hand-computed set of five applicants.

A: applied d0 → screening d2 → due diligence d5 → signed d15 (no pilot)
B: applied d0 → screening d4 → rejected d6
C: applied d0 → screening d1 → due diligence d3 → pilot d10 → signed d40
D: applied d0, still there
E: applied d0 → rejected d1
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from qudao.partners.models import ChannelModel
from qudao.recruitment.selectors import recruitment_funnel
from tests.conftest import World
from tests.recruitment.helpers import applicant, walk


@pytest.fixture
def five(world: World) -> World:
    walk(
        applicant(world.berlin, company="A"), ("screening", 2), ("due_diligence", 5), ("signed", 15)
    )
    walk(applicant(world.berlin, company="B"), ("screening", 4), ("rejected", 6))
    walk(
        applicant(
            world.us, company="C", channel_model=ChannelModel.objects.get(code="distributor")
        ),
        ("screening", 1),
        ("due_diligence", 3),
        ("pilot", 10),
        ("signed", 40),
    )
    applicant(world.de, company="D")
    walk(applicant(world.us, company="E"), ("rejected", 1))
    return world


def test_reached_conversion_and_median_days_per_stage(five: World) -> None:
    funnel = recruitment_funnel(user=five.users["director"])
    steps = {s.stage.value: s for s in funnel.steps}
    # reached = is or was in it or later: A skipped the pilot but is past it
    assert [s.reached for s in funnel.steps] == [5, 3, 2, 2, 2]
    # conversion = reached the next ÷ reached this (not "in it now")
    assert [s.conversion for s in funnel.steps] == [
        Decimal("60.0"),
        Decimal("66.7"),
        Decimal("100.0"),
        Decimal("100.0"),
        None,
    ]
    # stays that ended: applied 2, 4, 1, 1 (D still applied: not counted) → 1.5
    assert steps["applied"].median_days == Decimal("1.5")
    assert steps["screening"].median_days == Decimal("2.0")  # 3, 2, 2
    assert steps["due_diligence"].median_days == Decimal("8.5")  # 10, 7
    assert steps["pilot"].median_days == Decimal("30.0")
    assert steps["signed"].median_days is None
    assert [s.now for s in funnel.steps] == [1, 0, 0, 0, 2]
    assert steps["applied"].rejected_here == 1 and steps["screening"].rejected_here == 1


def test_groups_by_region_and_channel_model(five: World) -> None:
    funnel = recruitment_funnel(user=five.users["director"])
    by_region = {g.label: g for g in funnel.by_region}
    assert by_region["Europe"].reached == [3, 2, 1, 1, 1]  # A, B, D
    assert by_region["North America"].reached == [2, 1, 1, 1, 1]  # C, E
    assert by_region["Europe"].median_days_to_sign == Decimal("15.0")
    assert by_region["North America"].signed_rate == Decimal("50.0")
    by_model = {g.label: g for g in funnel.by_channel_model}
    assert by_model["Distributor"].reached == [1, 1, 1, 1, 1]
    # drilling into Europe groups by the level below it
    europe = recruitment_funnel(user=five.users["director"], region=five.eu)
    assert [(g.label, g.applied) for g in europe.by_region] == [("Germany", 3)]


def test_a_manager_sees_the_funnel_of_their_regions_only(five: World) -> None:
    funnel = recruitment_funnel(user=five.users["manager"])  # Europe
    assert funnel.applicants == 3 and funnel.steps[0].reached == 3
