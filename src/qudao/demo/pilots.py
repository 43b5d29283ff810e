"""A demo pilot (generated): a shop-in-shop trial with four European resellers over the
last two quarters the data holds, its control group suggested by Qudao, a revenue goal —
evaluated on the real AdventureWorks sales, so its effect is whatever the data says."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from qudao.partners.models import Partner
from qudao.recruitment.models import Pilot
from qudao.recruitment.services import (
    pilot_control_set,
    pilot_control_suggest,
    pilot_create,
    pilot_goal_set,
)
from qudao.territories.models import Region


@transaction.atomic
def demo_pilot() -> int:
    if Pilot.objects.exists():
        return 0
    europe = Region.objects.filter(code="EU").first()
    if europe is None:
        return 0
    partners = list(
        Partner.objects.filter(home_region__path__startswith=europe.path).order_by("code")[:4]
    )
    pilot = pilot_create(
        code="DEMO-SIS",
        name="Shop-in-shop corners (demo)",
        hypothesis=(
            "A branded corner in the shop lifts sell-in by a fifth. Demo data, generated — "
            "演示数据（生成）"
        ),
        starts_on=date(2019, 10, 1),
        ends_on=date(2020, 3, 31),
        status="running",
        partners=partners,
    )
    pilot.regions.set([europe])
    pilot_control_set(pilot=pilot, partners=pilot_control_suggest(pilot=pilot))
    pilot_goal_set(pilot=pilot, kpi="revenue", target=Decimal(20000))
    return 1
